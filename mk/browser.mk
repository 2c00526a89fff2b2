# browser.mk - what the browser tests (tests/browser/) need, and the tests.
# Included by the GNUmakefile.
#
#   make browser-deps   Debian's chromium (plus nodejs and npm when no `node`
#                       is on PATH), installed with apt-get when root like
#                       `make deps` does (otherwise the command is printed),
#                       then `npm ci` in tests/browser from the committed
#                       package-lock.json (playwright-core, html-validate).
#   make test-browser   only the browser tests, against the normal build.
#
# `make test` builds the stamp below first (TEST_DEPS) and runs
# tests/browser/t07*.t (TEST_PROGS).  Without chromium or node_modules those
# files print `1..0 # SKIP`.  Screenshots and saved pages go to
# $(SB_TEST_OUT) (default build/test-output).

BROWSER_DIR      := tests/browser
BROWSER_STAMP    := $(BROWSER_DIR)/node_modules/.sb-installed
BROWSER_DEB_PKGS := chromium fonts-dejavu-core
BROWSER_TESTS    := $(sort $(wildcard $(BROWSER_DIR)/t*.t))
SB_TEST_OUT      ?= build/test-output
export SB_TEST_OUT

.PHONY: browser-deps browser-deb test-browser

# Debian packages.  Checked on every run (cheap); apt-get only runs when one
# is missing.  As another user the command is printed and the browser tests
# skip instead of failing the build.
browser-deb:
	@pkgs="$(BROWSER_DEB_PKGS)"; \
	command -v node >/dev/null 2>&1 || pkgs="$$pkgs nodejs"; \
	command -v npm >/dev/null 2>&1 || pkgs="$$pkgs npm"; \
	missing=$$(for p in $$pkgs; do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "make browser-deps: installing" $$missing; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt="apt-get -o DPkg::Lock::Timeout=300"; \
	    $$apt install -y -q --no-install-recommends $$missing >/dev/null || \
	    { $$apt update -q >/dev/null && $$apt install -y -q --no-install-recommends $$missing >/dev/null; } || \
	    { echo "make browser-deps: apt-get failed" >&2; exit 1; }; \
	else \
	    echo "make browser-deps: missing Debian packages (the browser tests will skip). Install them with:" >&2; \
	    echo "  sudo apt-get install" $$missing >&2; \
	fi

# npm packages, pinned by package-lock.json; reinstalled when it changes.
# playwright-core never downloads a browser: the tests use /usr/bin/chromium.
$(BROWSER_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json | browser-deb
	@if ! command -v npm >/dev/null 2>&1; then \
	    echo "make browser-deps: npm is not installed; the browser tests will skip" >&2; exit 0; fi; \
	major=$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0); \
	if [ "$$major" -lt 20 ]; then \
	    echo "make browser-deps: node $$(node --version 2>/dev/null) is too old (playwright-core and html-validate need 20 or later); the browser tests will skip" >&2; \
	    exit 0; fi; \
	echo "make browser-deps: npm ci in $(BROWSER_DIR)"; \
	log=$$(mktemp); \
	( cd $(BROWSER_DIR) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error ) >$$log 2>&1 || \
	    { cat $$log >&2; rm -f $$log; echo "make browser-deps: npm ci failed" >&2; exit 1; }; \
	rm -f $$log; touch $@

browser-deps: browser-deb $(BROWSER_STAMP)

test-browser: $(BIN) browser-deps
	@SB_BUILD=$(O) SB_BIN=$(abspath $(BIN)) prove -e '' $(BROWSER_TESTS)

TEST_DEPS  += $(BROWSER_STAMP)
TEST_PROGS += $(BROWSER_TESTS)
