#!/usr/bin/env bash
# replay.t - TAP test that replays every fuzz harness over its seed corpus
# (tests/fuzz/corpus/<name>) and its past findings (tests/fuzz/regressions/
# <name>, may be absent), one TAP line per harness.
#
# Uses the replay binaries of the build named by SB_BUILD (default "build",
# relative to the repository root unless absolute): `make test` must build
# $(TEST_DEPS) first.  A missing binary is a failure, not a skip, so a
# forgotten dependency shows.  This script never builds or fuzzes anything.
set -u
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot find the repository root"; exit 0; }
build=${SB_BUILD:-build}

names=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=${src#tests/fuzz/fuzz_}
	names+=("${name%.c}")
done
echo "1..${#names[@]}"

i=0
failed=0
for name in "${names[@]}"; do
	i=$((i + 1))
	bin=$build/fuzz/replay_$name
	if [ ! -x "$bin" ]; then
		echo "not ok $i - $name: $bin not built (make O=$build $bin)"
		failed=1
		continue
	fi
	if out=$("$bin" "tests/fuzz/corpus/$name" "tests/fuzz/regressions/$name" 2>&1); then
		echo "ok $i - $name: $(printf '%s\n' "$out" | tail -n 1)"
	else
		echo "not ok $i - $name: replay failed"
		printf '%s\n' "$out" | tail -n 25 | sed 's/^/# /'
		failed=1
	fi
done
exit $failed
