# wrapper.sh - sourced by the browser tests' TAP programs (t07*.t).
#
# Loads tests/lib.sh (private data directory, lighttpd + the real program
# on a free port), skips the whole file when Debian's chromium or the npm
# packages are missing (`make browser-deps` installs both), and runs a node
# program that prints TAP test lines; the plan is printed here, after the
# server has stopped, so a sanitizer report from tests/lib.sh still counts.
SB_BROWSER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SB_BROWSER_DIR/../lib.sh"
SB_TEST_OUT=${SB_TEST_OUT:-$SB_ROOT/build/test-output}
case $SB_TEST_OUT in /*) ;; *) SB_TEST_OUT=$SB_ROOT/$SB_TEST_OUT ;; esac
SB_CHROMIUM=${SB_CHROMIUM:-/usr/bin/chromium}

# browser_prereqs [chromium]: skip_all unless node, the npm packages (and
# chromium when asked) are there.
browser_prereqs() {
    command -v node >/dev/null 2>&1 || skip_all "node is not installed (make browser-deps)"
    [ -f "$SB_BROWSER_DIR/node_modules/playwright-core/package.json" ] &&
    [ -f "$SB_BROWSER_DIR/node_modules/html-validate/package.json" ] ||
        skip_all "tests/browser/node_modules is missing (make browser-deps)"
    if [ "${1:-}" = chromium ]; then
        [ -x "$SB_CHROMIUM" ] || skip_all "no Chromium at $SB_CHROMIUM (make browser-deps installs Debian's chromium)"
    fi
    [ -x "$SB_BIN" ] || { echo "not ok 1 - $SB_BIN exists (run make)"; echo "1..1"; exit 1; }
}

# run_node PROGRAM.mjs: run it against the started server; its TAP lines
# count as this file's tests; a crash counts as one more failure.
run_node() {
    export SB_URL SB_BIN SB_ROOT SB_TEST_OUT SB_CHROMIUM
    local out=$SB_TMP/node-tap.out rc
    ( cd "$SB_BROWSER_DIR" && node "$1" 2> "$SB_TMP/node.err" ) | tee "$out"
    rc=${PIPESTATUS[0]}
    T_N=$(grep -cE '^(not )?ok [0-9]+' "$out")
    T_FAIL=$(grep -cE '^not ok [0-9]+' "$out")
    if [ "$rc" != 0 ] && [ "$T_FAIL" = 0 ]; then
        T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
        echo "not ok $T_N - $1 exited $rc"
    fi
    if [ -s "$SB_TMP/node.err" ] && { [ "$rc" != 0 ] || [ "$T_FAIL" != 0 ]; }; then
        diag "$1 stderr:"; tail -n 30 "$SB_TMP/node.err" | sed 's/^/#   /'
    fi
    if [ "$T_FAIL" != 0 ]; then
        diag "server log (last lines):"; tail -n 15 "$SB_TMP/error.log" 2>/dev/null | sed 's/^/#   /'
    fi
    done_testing
}
