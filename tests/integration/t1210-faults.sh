#!/usr/bin/env bash
# t1210-faults: durability under SIGKILL, the short version of
# `make bench-faults` (bench/faults.sh).  For 20 s signed webhooks (40 a
# second) go to lighttpd with 4 FastCGI processes while a worker sends
# auto-replies to the fake Twilio, and FastCGI processes and the worker
# are killed at random.  Then: every webhook answered 200 is stored exactly once, every
# job ran exactly once, no SMS reached Twilio twice, nothing is left
# unsent or recorded as another message's SMS, and faults were really
# injected.  No assertion is about time.
. "$(dirname "$0")/../lib.sh"

# First, deterministically, the state such a run can leave: a message was
# sent, then a second one with the same text to the same number was moved
# to `submitting` and its worker killed before the request went out.  The
# retry finds the first message's SMS in Twilio's list; it must not take
# it for its own (the SID is recorded already), so it sends.
fake_start twilio || { echo "not ok 1 - fake Twilio starts"; echo "1..1"; exit 1; }
(
export TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef TWILIO_FROM_NUMBER=+15005550006
export TWILIO_API_BASE=$FAKE_TWILIO_URL SWITCHBOARD_PUBLIC_URL=http://127.0.0.1:9
"$SB_BIN" migrate >"$SB_TMP/migrate.log" 2>&1
now=$(($(date +%s) * 1000))
sql "INSERT INTO clients (id, phone, created_at, updated_at) VALUES (1, '+14155550199', $now, $now);
     INSERT INTO messages (id, client_id, direction, from_addr, to_addr, body, status, created_at, updated_at)
     VALUES (1, 1, 'out', '+15005550006', '+14155550199', 'Thanks, noted.', 'queued', $now, $now);
     INSERT INTO jobs (kind, payload, dedupe_key, run_at, client_id, message_id, created_at, updated_at)
     VALUES ('send', '{\"message_id\":1}', 'send:1', $now, 1, 1, $now, $now);"
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
sql "INSERT INTO messages (id, client_id, direction, from_addr, to_addr, body, status, submitted_at, created_at, updated_at)
     VALUES (2, 1, 'out', '+15005550006', '+14155550199', 'Thanks, noted.', 'submitting', $now, $now, $now);
     INSERT INTO jobs (kind, payload, dedupe_key, attempts, run_at, client_id, message_id, created_at, updated_at)
     VALUES ('send', '{\"message_id\":2}', 'send:2', 1, $now, 1, 2, $now, $now);"
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
) >/dev/null
is "$(sql "SELECT group_concat(status, ' ') FROM messages ORDER BY id")" "accepted accepted" \
   "a retried send with another message's text and recipient is sent, not left submitting"
is "$(sql "SELECT count(DISTINCT external_id) FROM messages")" 2 "each message has its own SID"
is "$(grep -c '"Body": "Thanks, noted."' "$SB_TMP/fake_twilio.log")" 2 "one SMS created for each"
is "$(sql "SELECT group_concat(state, ' ') FROM jobs WHERE kind = 'send'")" "done done" "both send jobs done"

out=$(BENCH_FAULTS_SECONDS=${T1210_SECONDS:-20} BENCH_FAULTS_CONNECTIONS=8 BENCH_FAULTS_RATE=40 SB_BIN=$SB_BIN \
      "$SB_ROOT/bench/faults.sh" 2>&1)
printf '%s\n' "$out" | sed 's/^/# /'
r=$(grep '^RESULT ' <<<"$out")
kv() { printf '%s\n' "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
ok $([ -n "$r" ]; echo $?) "the fault run finished and reported"
is "$(kv lost)" 0 "no webhook answered 200 was lost"
is "$(kv duplicated)" 0 "nothing stored, run or sent twice"
# A send retried after a kill looks its SMS up at Twilio by recipient and
# text; another message with the same text to the same number must not be
# taken for it (that once left a message `submitting` under a done job).
is "$(kv unsent)" 0 "every queued SMS went out after the drain"
is "$(kv missing)" 0 "no message took another's SMS for its own"
is "$(kv unfinished)" 0 "every job finished"
ok $([ "${r:+$(kv ok)}" -gt 0 ] 2>/dev/null; echo $?) "webhooks were answered 200 ($(kv ok))"
ok $([ "${r:+$(kv faults)}" -gt 0 ] 2>/dev/null; echo $?) "processes were killed ($(kv faults))"
is "$(kv sanitizer)" 0 "no sanitizer report in the server or worker logs"
done_testing
