# bench.mk - the HTTP, memory, webhook and worker benchmarks (bench/*.sh).
# Included by the GNUmakefile.  Each target prints a table; none passes or
# fails on time, and none is part of `make test`.  Every run starts its own
# lighttpd(s) on free loopback ports, with configurations rendered from
# deploy/lighttpd.conf by deploy/render-conf, and private data directories
# under a temporary directory that is removed afterwards (BENCH_KEEP=1 keeps
# it).  The drivers use wrk, installed here when missing (as root).
#
#   make bench-http      GET /health and GET / beside a minimal libfcgi responder
#   make bench-rss       VmRSS of one FastCGI process after 10,000 and 100,000 requests
#   make bench-webhook   signed inbound SMS ingestion, 2 and 4 processes, beside a
#                        minimal SQLite (WAL, synchronous=FULL) responder
#   make bench-worker    classified-and-routed messages per second (worker --once)
#   make bench-valgrind  one FastCGI process under valgrind (not in `make bench`)
#
# BENCH_SECONDS (10) is the length of each timed run; BENCH_THREADS (2) and
# BENCH_CONNECTIONS (32) are wrk's -t and -c.

BENCH_DIR     := $(O)/bench
BENCH_HELPERS := $(BENCH_DIR)/min_responder $(BENCH_DIR)/min_sqlite_responder
BENCH_ENV      = SB_BIN=$(abspath $(BIN)) BENCH_HELPERS=$(abspath $(BENCH_DIR))

$(BENCH_DIR)/min_responder: bench/min_responder.c | deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lfcgi

$(BENCH_DIR)/min_sqlite_responder: bench/min_sqlite_responder.c | deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3) -lfcgi

# wrk (Debian package wrk): installed when missing and running as root,
# like the `deps` target does for the build's packages.
.PHONY: bench-deps bench-http bench-rss bench-webhook bench-worker bench-valgrind
bench-deps:
	@command -v wrk >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "make bench: installing wrk"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q --no-install-recommends wrk >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends wrk >/dev/null; } || \
	    { echo "make bench: apt-get failed" >&2; exit 1; }; \
	else \
	    echo "make bench: wrk is missing. Install it with:" >&2; \
	    echo "  sudo apt-get install wrk" >&2; exit 1; \
	fi

bench-http: bench-deps $(BIN) $(BENCH_DIR)/min_responder
	@$(BENCH_ENV) bench/http.sh

bench-rss: bench-deps $(BIN)
	@$(BENCH_ENV) bench/rss.sh

bench-webhook: bench-deps $(BIN) $(BENCH_DIR)/min_sqlite_responder
	@$(BENCH_ENV) bench/webhook.sh

bench-worker: bench-deps $(BIN)
	@$(BENCH_ENV) bench/worker.sh

bench-valgrind: bench-deps $(BIN)
	@command -v valgrind >/dev/null 2>&1 || { echo "bench-valgrind: valgrind is not installed" >&2; exit 1; }
	@$(BENCH_ENV) bench/valgrind.sh

BENCH_TARGETS += bench-http bench-rss bench-webhook bench-worker

# make bench-admin   p50/p99 of the tasks list (filtered and not), a task
#                    page, the activity feed and other admin pages on a
#                    seed-demo desk of 100,000 tasks, 1,000,000 events and
#                    1,000 clients (BENCH_ADMIN_* to change the sizes)
.PHONY: bench-admin
bench-admin: bench-deps $(BIN)
	@$(BENCH_ENV) bench/admin.sh

BENCH_TARGETS += bench-admin

# bench-faults: signed webhooks while FastCGI processes and the worker are
# SIGKILLed at random; prints requests, 200s, faults, lost and duplicated
# (bench/faults.sh; BENCH_FAULTS_SECONDS, 60).  Fails when anything was
# lost or duplicated.
# bench-load: mixed traffic (webhooks, admin pages, API) with the worker
# running, BENCH_LOAD_SECONDS (600); prints 5xx, p99 per kind, RSS and the
# WAL's size over time (bench/load.sh).
.PHONY: bench-faults bench-load
bench-faults: $(BIN)
	@$(BENCH_ENV) bench/faults.sh

bench-load: bench-deps $(BIN)
	@$(BENCH_ENV) bench/load.sh
