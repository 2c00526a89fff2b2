# fuzz.mk - fuzz harnesses for the parsers of outside input (tests/fuzz/).
#
# Two uses of the same harness sources tests/fuzz/fuzz_<name>.c:
#  * $(O)/fuzz/replay_<name>: harness + replay.c + $(O)/libsb.a, built with
#    the normal (or SANITIZE=1) flags.  tests/fuzz/replay.t runs each one over
#    tests/fuzz/corpus/<name> and tests/fuzz/regressions/<name>; `make test`
#    must build $(TEST_DEPS) first and export SB_BUILD=$(O).
#  * `make fuzz [FUZZ_SECONDS=60]`: libFuzzer binaries in build-fuzz/ (clang,
#    -fsanitize=fuzzer,address,undefined, lib sources compiled in because
#    libsb.a is not instrumented), each run for FUZZ_SECONDS; new corpus
#    entries stay in build-fuzz/corpus/<name>, findings are copied to
#    tests/fuzz/regressions/<name>/ and make fails.
# A new harness only needs its fuzz_<name>.c and corpus/<name>/ directory,
# plus FUZZ_LIB_SRC if it needs more of lib/ (headers are named as in
# the program, "web/form.h", found through -Ilib).

# Included before the GNUmakefile's `all`: put the default goal back at the
# end so the explicit fuzz-<name> targets below never become it.
fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_NAMES       := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_REPLAY_BINS := $(FUZZ_NAMES:%=$(O)/fuzz/replay_%)

$(O)/fuzz/replay_%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(O)/libsb.a | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests/fuzz -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_$*.c $(O)/libsb.a $(LDLIBS)

TEST_DEPS  += $(FUZZ_REPLAY_BINS)
TEST_PROGS += tests/fuzz/replay.t

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 10240
FUZZ_O       := build-fuzz
FUZZ_LIB_SRC := lib/web/form.c lib/web/multipart.c lib/core/util.c lib/web/mustache.c lib/web/mustache_parse.c lib/web/markdown.c \
                lib/providers/twilio.c lib/ai/llm.c lib/providers/github.c lib/core/http.c
FUZZ_LIBS     = $(call pkg_once,FUZZ_PKG_LIBS,--libs jansson libcurl libcrypto) -lcmark
FUZZ_CFLAGS   = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
                -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                $(call pkg_once,FUZZ_PKG_CFLAGS,--cflags jansson libcurl libcrypto) -Ilib -Itests/fuzz
FUZZ_RUNS    := $(FUZZ_NAMES:%=fuzz-%)

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_SRC) $(SRC_H) | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(FUZZ_LIBS)

# fuzz-<name>: one libFuzzer run; prints the final stats, and on a finding
# copies the reproducer into tests/fuzz/regressions/<name>/ and fails.
.PHONY: $(FUZZ_RUNS)
$(FUZZ_RUNS): fuzz-%: $(FUZZ_O)/fuzz_%
	@mkdir -p $(FUZZ_O)/corpus/$* $(FUZZ_O)/crashes/$*
	@rm -f $(FUZZ_O)/crashes/$*/*
	@echo "fuzz $*: $(FUZZ_SECONDS)s, log in $(FUZZ_O)/fuzz_$*.log"
	@status=0; \
	$(FUZZ_O)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	    -timeout=10 -print_final_stats=1 -artifact_prefix=$(FUZZ_O)/crashes/$*/ \
	    $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
	    $(FUZZ_O)/corpus/$* tests/fuzz/corpus/$* >$(FUZZ_O)/fuzz_$*.log 2>&1 || status=$$?; \
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    $(FUZZ_O)/fuzz_$*.log | sed 's/^/  $*: /'; \
	found=$$(ls $(FUZZ_O)/crashes/$* | grep -E '^(crash|leak|timeout|oom)-' || true); \
	if [ -n "$$found" ]; then \
	    mkdir -p tests/fuzz/regressions/$*; \
	    for f in $$found; do cp $(FUZZ_O)/crashes/$*/$$f tests/fuzz/regressions/$*/; \
	        echo "  $*: FOUND $$f -> tests/fuzz/regressions/$*/$$f"; done; \
	    grep -E 'ERROR|invariant failed|SUMMARY' $(FUZZ_O)/fuzz_$*.log | head -5 | sed 's/^/  $*: /'; \
	    exit 1; \
	fi; \
	if [ $$status -ne 0 ]; then echo "  $*: fuzzer exited $$status, see the log"; exit 1; fi

FUZZ_TARGETS += $(FUZZ_RUNS)
fuzz: $(FUZZ_RUNS)

.DEFAULT_GOAL := $(fuzz_saved_goal)
