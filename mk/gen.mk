# gen.mk - the report generator (gen/ -> bin/switchboard-gen): its benchmark.
# Included by the GNUmakefile, which builds every gen/*.c into $(GENBIN);
# `make run` runs it every minute (deploy/run-local), deploy/ has a systemd
# timer and a cron line.  Its tests are tests/integration/t08*.sh, run by
# `make test` with the other integration tests (and again under ASan).
#
#   make bench-gen   seed-demo data (1,000,000 events, 100,000 tasks and
#                    1,000 clients), a full build, incremental builds after
#                    1,000 new events, and Hugo building the same number of
#                    pages from generated Markdown; prints a table.  Part of
#                    `make bench`.  Never passes or fails on time.
#
# GEN_BENCH_EVENTS, GEN_BENCH_TASKS, GEN_BENCH_CLIENTS and GEN_BENCH_NEW set
# the sizes; BENCH_KEEP=1 keeps the data directory.  Hugo (Debian package
# hugo) is installed when missing and running as root; otherwise the
# comparison is left out and the command to install it printed.

GEN_BENCH_EVENTS  ?= 1000000
GEN_BENCH_TASKS   ?= 100000
GEN_BENCH_CLIENTS ?= 1000
GEN_BENCH_NEW     ?= 1000

.PHONY: bench-gen bench-gen-deps
bench-gen-deps:
	@command -v hugo >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "make bench-gen: installing hugo"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q --no-install-recommends hugo >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends hugo >/dev/null; } || \
	    echo "make bench-gen: apt-get could not install hugo; the comparison is left out" >&2; \
	else \
	    echo "make bench-gen: hugo is missing (the comparison is left out). Install it with:" >&2; \
	    echo "  sudo apt-get install hugo" >&2; \
	fi

bench-gen: bench-gen-deps $(BIN) $(GENBIN)
	@SB_BIN=$(abspath $(BIN)) SB_GEN=$(abspath $(GENBIN)) GEN_BENCH_EVENTS=$(GEN_BENCH_EVENTS) \
	  GEN_BENCH_TASKS=$(GEN_BENCH_TASKS) GEN_BENCH_CLIENTS=$(GEN_BENCH_CLIENTS) GEN_BENCH_NEW=$(GEN_BENCH_NEW) \
	  bench/gen_bench.sh

BENCH_TARGETS += bench-gen
