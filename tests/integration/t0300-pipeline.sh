#!/usr/bin/env bash
# t0300-pipeline: signed webhook → message → worker → classification →
# task → AI draft → send through a fake Twilio (real HTTP) → signed status
# callbacks → delivered.  Then Twilio's failure modes: 429, 500, an error
# JSON, a hung request, and a worker killed in the middle of a send.
# Every outbound SMS must reach the fake exactly once.
. "$(dirname "$0")/../lib.sh"
sb_env
fake_start twilio || { echo "not ok 1 - fake Twilio starts"; echo "1..1"; exit 1; }
export TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
export TWILIO_AUTH_TOKEN=pipeline-token
export TWILIO_FROM_NUMBER=+15005550006
export TWILIO_API_BASE=$FAKE_TWILIO_URL
export TWILIO_TIMEOUT_MS=1500
export JOB_BACKOFF_MS=50
export JOB_LEASE_SECONDS=2
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
creates() { # number of Messages.json creates the fake received for a body
    python3 - "$SB_TMP/fake_twilio.log" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("method") == "POST" and r.get("path", "").endswith("/Messages.json") and r.get("form", {}).get("Body") == [sys.argv[2]] or r.get("form", {}).get("Body") == sys.argv[2]:
        n += 1
print(n)
PY
}
drain() { for _ in 1 2 3 4 5 6 7 8; do "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; sleep 0.2; done; }
# drain_until QUERY WANT: run the worker until QUERY prints WANT (10 s at most)
drain_until() {
    for _ in $(seq 50); do
        "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
        [ "$(sql "$1")" = "$2" ] && return 0
        sleep 0.2
    done
}

# Questions go to the AI and are sent without review in this test.
sql "UPDATE routing_rules SET auto_send = 1 WHERE type = 'question'"

"$SB_BIN" simulate-sms --from +14155550100 --body "Hi! What are your opening hours on Saturday?" --url "$SB_URL" >/dev/null
ok $? "inbound SMS accepted"
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
is "$(sql "SELECT type||'/'||route||'/'||status FROM tasks")" "question/AI/waiting" "classified as a question, AI route, waiting for the client"
is "$(sql "SELECT count(*) FROM messages WHERE direction='out' AND ai_generated=1")" 1 "AI reply drafted"
sid=$(sql "SELECT external_id FROM messages WHERE direction='out'")
like "$sid" '^SM[0-9a-f]{32}$' "Twilio SID stored"
is "$(sql "SELECT status||'/'||transport FROM messages WHERE direction='out'")" "accepted/twilio" "reply accepted by Twilio"
body=$(sql "SELECT body FROM messages WHERE direction='out'")
is "$(creates "$body")" 1 "the fake received the SMS once"
like "$(cat "$SB_TMP/fake_twilio.log")" '"auth_ok": *true' "Basic auth with the account SID and token"
like "$(cat "$SB_TMP/fake_twilio.log")" "webhook/twilio/status" "StatusCallback points at our status webhook"
is "$(sql "SELECT group_concat(event_type, ' ') FROM (SELECT event_type FROM events WHERE event_type != 'summary_updated' ORDER BY id)")" \
   "client_created message_in classified task_created message_out message_sent" "events in order"
like "$(sql "SELECT count(*) FROM events WHERE event_type = 'summary_updated'")" '^[12]$' "rolling summary updated"

callback() {
    curl -fsS -X POST -H 'Content-Type: application/json' \
      -d "{\"url\":\"$SB_URL/webhook/twilio/status\",\"MessageSid\":\"$1\",\"MessageStatus\":\"$2\",\"token\":\"$TWILIO_AUTH_TOKEN\"${3:-}}" \
      "$FAKE_TWILIO_URL/_callback"
}
like "$(callback "$sid" sent)" '"status": *204' "signed 'sent' callback accepted"
is "$(sql "SELECT status FROM messages WHERE external_id='$sid'")" sent "message is sent"
callback "$sid" delivered >/dev/null
is "$(sql "SELECT status FROM messages WHERE external_id='$sid'")" delivered "message is delivered"
callback "$sid" sent >/dev/null
is "$(sql "SELECT status FROM messages WHERE external_id='$sid'")" delivered "a late 'sent' callback does not move it back"
is "$(sql "SELECT count(*) FROM events WHERE event_type='message_status'")" 2 "one event per status change"
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "MessageSid=$sid&MessageStatus=failed" "$SB_URL/webhook/twilio/status")
is "$r" 403 "unsigned status callback refused"
is "$(sql "SELECT status FROM messages WHERE external_id='$sid'")" delivered "and changes nothing"

# Staff reply to a client (the API path): queued, sent by the worker.
send_reply() { # send_reply BODY: queue an outbound SMS to the first client
    sql "INSERT INTO messages (client_id, channel, direction, from_addr, to_addr, body, status, author, created_at, updated_at)
       VALUES (1, 'sms', 'out', '+15005550006', '$2', '$1', 'queued', 'test', 0, 0);
       INSERT INTO jobs (kind, payload, dedupe_key, run_at, created_at, updated_at)
       VALUES ('send', json_object('message_id', last_insert_rowid()), 'send:' || last_insert_rowid(), 0, 0, 0);"
}

# 429: retried with backoff, sent once.
fake_control twilio '{"mode":"429","count":2}'
send_reply "after a rate limit" +14155550100
drain_until "SELECT status FROM messages WHERE body='after a rate limit'" accepted
is "$(sql "SELECT status FROM messages WHERE body='after a rate limit'")" accepted "429 twice, then accepted"
is "$(creates "after a rate limit")" 3 "two refused attempts and one accepted (429 is never processed)"
is "$(sql "SELECT count(*) FROM messages WHERE body='after a rate limit' AND external_id IS NOT NULL")" 1 "one SID"

# 500: Twilio may have created it; the worker checks before resending.
fake_control twilio '{"mode":"500","count":1}'
send_reply "after a server error" +14155550100
drain
is "$(sql "SELECT status FROM messages WHERE body='after a server error'")" accepted "500 then accepted"

# A permanent error fails the message at once, no retry.
send_reply "to an invalid number" +15005550001
drain
is "$(sql "SELECT status||'/'||error_code FROM messages WHERE body='to an invalid number'")" "failed/21211" "21211 fails the message"
is "$(creates "to an invalid number")" 1 "no retry after a permanent error"
is "$(sql "SELECT count(*) FROM events WHERE event_type='message_failed'")" 1 "message_failed event"

# A hung request: the fake stored the message, then never answered.  The
# retry finds it through the Messages list and does not send it again.
fake_control twilio '{"mode":"hang","count":1}'
send_reply "through a hung connection" +14155550100
drain; sleep 0.5; drain
is "$(sql "SELECT status FROM messages WHERE body='through a hung connection'")" accepted "hung request: message adopted"
is "$(creates "through a hung connection")" 1 "hung request: sent exactly once"

# The Messages list is read a page at a time, newest first, following
# next_page_uri: a hung message with newer ones to the same number is found
# on a later page, not sent again.
fake_control twilio '{"mode":"hang","count":1,"page_size_max":2}'
send_reply "hung, then found on a later page" +14155550100
for i in 1 2 3; do send_reply "newer message $i" +14155550100; done
drain; sleep 0.5; drain
is "$(sql "SELECT status FROM messages WHERE body='hung, then found on a later page'")" accepted "hung request, newer messages after it: adopted"
is "$(creates "hung, then found on a later page")" 1 "and sent exactly once"
ok $(grep -q '"path": "[^"]*/Messages.json?[^"]*&Page=1&' "$SB_TMP/fake_twilio.log"; echo $?) "the lookup followed next_page_uri to the next page"
fake_control twilio '{"mode":"ok","count":0,"page_size_max":1000}'

# SIGKILL the worker while it waits on Twilio; after the lease expires a new
# worker finishes the job without sending twice.
fake_control twilio '{"mode":"hang","count":1}'
send_reply "while the worker dies" +14155550100
"$SB_BIN" worker 2>>"$SB_TMP/worker.log" &
wpid=$!
for _ in $(seq 50); do
    [ "$(sql "SELECT status FROM messages WHERE body='while the worker dies'")" = submitting ] && break
    sleep 0.1
done
kill -9 $wpid; wait $wpid 2>/dev/null
is "$(sql "SELECT status FROM messages WHERE body='while the worker dies'")" submitting "worker killed mid-send"
sleep 2.2
drain
is "$(sql "SELECT status FROM messages WHERE body='while the worker dies'")" accepted "job retaken after the lease and completed"
is "$(creates "while the worker dies")" 1 "nothing sent twice after the crash"
is "$(sql "SELECT count(*) FROM jobs WHERE state NOT IN ('done')")" 0 "every job completed"
is "$(sql "SELECT count(*) FROM (SELECT external_id FROM messages WHERE external_id IS NOT NULL GROUP BY external_id HAVING count(*) > 1)")" 0 "no SID stored twice"
done_testing
