#!/usr/bin/env bash
# t0850-seed-demo: `switchboard seed-demo` makes data of exactly the size
# asked for, consistent with the flow the program writes (every inbound
# message classified into a task, every task opened once, replies sent
# after they were written, no event in the future, events in time order),
# deterministically for a seed, and --append adds activity after the
# newest event.
. "$(dirname "$0")/../lib.sh"
sb_env
END=1790000000000
out=$("$SB_BIN" seed-demo --clients 9 --tasks 150 --events 1600 --end $END --seed 11 2>&1)
ok $? "seed-demo runs"
like "$out" "9 clients, 150 tasks, [0-9]+ messages, 1600 events" "it says what it made"
is "$(sql "SELECT count(*) FROM clients")|$(sql "SELECT count(*) FROM tasks")|$(sql "SELECT count(*) FROM events")" \
   "9|150|1600" "exactly 9 clients, 150 tasks, 1600 events"
is "$(sql "SELECT count(DISTINCT name) || '/' || count(DISTINCT phone) FROM clients WHERE name != '' AND phone LIKE '+1%'")" "9/9" \
   "clients have distinct names and E.164 numbers"
is "$(sql "SELECT count(*) FROM events e JOIN events f ON f.id = e.id + 1 WHERE f.created_at < e.created_at")" 0 \
   "events are in time order"
is "$(sql "SELECT count(*) FROM events WHERE created_at > $END")" 0 "nothing happens after --end"
is "$(sql "SELECT count(*) FROM events WHERE NOT json_valid(details)")" 0 "details are JSON"
is "$(sql "SELECT count(*) FROM (SELECT task_id FROM events WHERE event_type = 'task_created' GROUP BY task_id HAVING count(*) = 1)")" 150 \
   "every task was opened exactly once"
is "$(sql "SELECT count(*) FROM events m WHERE m.event_type = 'message_in' AND NOT EXISTS
          (SELECT 1 FROM events c WHERE c.event_type = 'classified' AND c.message_id = m.message_id AND c.id > m.id)")" 0 \
   "every inbound message was classified after it came in"
is "$(sql "SELECT count(*) FROM events s WHERE s.event_type = 'message_sent' AND NOT EXISTS
          (SELECT 1 FROM events o WHERE o.event_type = 'message_out' AND o.message_id = s.message_id AND o.id < s.id)")" 0 \
   "every sent message was written first"
is "$(sql "SELECT count(*) FROM events a WHERE a.event_type IN ('draft_approved', 'draft_rejected') AND NOT EXISTS
          (SELECT 1 FROM events o WHERE o.event_type = 'message_out' AND o.message_id = a.message_id
           AND json_extract(o.details, '$.draft') AND json_extract(o.details, '$.ai_generated'))")" 0 \
   "only AI drafts are approved or rejected"
is "$(sql "SELECT count(*) FROM tasks t WHERE (t.status = 'closed') != coalesce((SELECT json_extract(e.details, '$.changes.status.to') = 'closed'
          FROM events e WHERE e.task_id = t.id AND e.event_type = 'task_updated'
          AND json_extract(e.details, '$.changes.status.to') IS NOT NULL ORDER BY e.id DESC LIMIT 1), 0)")" 0 \
   "a task is closed exactly when its last status change closed it"
[ "$(sql "SELECT count(*) FROM events WHERE json_extract(details, '$.changes.status.from') = 'closed'")" -gt 0 ]
ok $? "some tasks were reopened"
is "$(sql "SELECT count(*) FROM messages m JOIN events e ON e.message_id = m.id AND e.event_type IN ('message_in', 'message_out')
          WHERE m.created_at != e.created_at")" 0 "messages exist from the event that wrote them"
for kind in message_in classified task_created task_updated task_overridden message_out draft_approved draft_rejected \
            message_sent message_status summary_updated client_created; do
    n=$(sql "SELECT count(*) FROM events WHERE event_type = '$kind'")
    [ "$n" -gt 0 ]
    ok $? "there are $kind events ($n)"
done
like "$(sql "SELECT count(DISTINCT json_extract(details, '$.decision')) FROM events WHERE event_type = 'draft_approved'")" '^2$' \
   "drafts approved as written and edited"
[ "$(sql "SELECT count(*) FROM usage")" -gt 0 ]
ok $? "LLM usage rows"
[ "$(sql "SELECT count(*) FROM tasks WHERE status != 'closed' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.task_id = tasks.id AND e.event_type = 'message_sent')")" -gt 0 ]
ok $? "some tasks have no reply yet"

# Deterministic for a seed.
sig() { sql --db "$1" "SELECT group_concat(event_type || created_at, ',') FROM (SELECT event_type, created_at FROM events ORDER BY id)" | md5sum; }
mkdir -p "$SB_TMP/again"
SWITCHBOARD_DATA=$SB_TMP/again "$SB_BIN" seed-demo --clients 9 --tasks 150 --events 1600 --end $END --seed 11 >/dev/null
is "$(sig "$SB_TMP/again/switchboard.db")" "$(sig "$SWITCHBOARD_DATA/switchboard.db")" "the same seed makes the same events"

# --append: new activity after the newest event, exactly as many events.
last=$(sql "SELECT max(created_at) FROM events")
"$SB_BIN" seed-demo --append --events 250 --seed 12 >/dev/null
ok $? "--append runs"
is "$(sql "SELECT count(*) FROM events")" 1850 "--append added exactly 250 events"
is "$(sql "SELECT count(*) FROM events WHERE id > (SELECT max(id) - 250 FROM events) AND created_at <= $last")" 0 \
   "all of them after the newest event before"
is "$(sql "SELECT count(*) FROM clients")" 9 "on the existing clients"
is "$(sql "SELECT count(*) FROM events e JOIN events f ON f.id = e.id + 1 WHERE f.created_at < e.created_at")" 0 \
   "still in time order"

# Arguments.
"$SB_BIN" seed-demo --clients 0 >/dev/null 2>&1
is "$?" 2 "--clients 0 is refused"
"$SB_BIN" seed-demo --bogus >/dev/null 2>&1
is "$?" 2 "an unknown argument is refused"
like "$("$SB_BIN" seed-demo --help)" "Usage: switchboard seed-demo" "--help"
like "$("$SB_BIN" --help)" "seed-demo" "listed in switchboard --help"

done_testing
