#!/usr/bin/env bash
# sanitize.t - the integration tests again, against the AddressSanitizer +
# UndefinedBehaviorSanitizer build (make sanitize-build), plus its unit
# tests; or only the files named as arguments.  One TAP line per test
# file; a file fails if any of its tests fail or if the sanitizers report
# anything (tests/lib.sh checks the server's error log; the unit tests
# abort on a report).
root=$(cd "$(dirname "$0")/.." && pwd)
san=${SB_SAN_BUILD:-build/san}
cd "$root" || exit 1
if [ ! -x "$san/bin/switchboard" ]; then
    echo "1..0 # SKIP no sanitizer build in $san (make sanitize-build)"
    exit 0
fi
# Files to run: the arguments (`make test` runs one file per sanitize.t so
# that prove can run them side by side), else all of them.
if [ $# -gt 0 ]; then files=( "$@" ); else files=( "$san"/tests/*.t tests/fuzz/replay.t tests/integration/t*.sh ); fi
n=0; failed=0
for f in "${files[@]}"; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    out=$(SB_BUILD=$san SB_BIN=$root/$san/bin/switchboard SB_GEN=$root/$san/bin/switchboard-gen \
          ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$f" 2>&1)
    rc=$?
    if [ $rc = 0 ] && ! grep -q '^not ok' <<<"$out" && ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' <<<"$out"; then
        echo "ok $n - $(basename "$f") under ASan+UBSan"
    else
        failed=$((failed + 1))
        echo "not ok $n - $(basename "$f") under ASan+UBSan (exit $rc)"
        grep -E '^not ok|Sanitizer|runtime error' <<<"$out" | head -20 | sed 's/^/#   /'
    fi
done
echo "1..$n"
[ $failed = 0 ]
