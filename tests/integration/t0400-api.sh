#!/usr/bin/env bash
# t0400-api: the JSON API's happy paths with a real bearer token: clients
# (create, show, edit, search, keyset pagination), sending an SMS (202, a
# queued message and send job, delivered by the worker through the `log`
# transport), tasks (create, filter, edit with override events, assign to
# people who may see the client) and the event log with its filters.
# Every write names the token's actor.  The token here is an operator
# token (no --user): it sees every client; t0420 covers user tokens.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }

TOKEN=$("$SB_BIN" token add tester 2>/dev/null)
like "$TOKEN" '^[A-Za-z0-9_-]{20,}$' "token created"
AUTH=(-H "Authorization: Bearer $TOKEN")
api() { local m=$1 p=$2; shift 2; http "$m" "$p" "${AUTH[@]}" "$@"; }
# api_json METHOD PATH JSON
api_json() { api "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"; }
# jget EXPR JSON: a value picked by a Python expression over d; strings bare,
# everything else as JSON (null, true, numbers, lists).
jget() {
    python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$2"
}
ISO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'

# ---- clients ----------------------------------------------------------
r=$(api_json POST /api/clients '{"name":"Ada Lovelace","phone":"(415) 555-0100","email":"ada@example.com","company":"Analytical Engines"}')
is "$(status_of "$r")" 201 "POST /api/clients creates a client"
b=$(body_of "$r")
ADA=$(jget 'd["id"]' "$b")
like "$ADA" '^[0-9]+$' "client id is a number"
is "$(header Location)" "/api/clients/$ADA" "Location names the new client"
is "$(jget 'd["phone"]' "$b")" "+14155550100" "phone stored as E.164"
is "$(jget '[d["name"], d["email"], d["company"]]' "$b")" '["Ada Lovelace", "ada@example.com", "Analytical Engines"]' "fields echoed"
like "$(jget 'd["created_at"]' "$b")" "$ISO" "created_at is ISO 8601 UTC"
is "$(jget 'd["summary_updated_at"]' "$b")" null "absent time is null"
like "$(header Content-Type)" '^application/json' "JSON response"
is "$(sql "SELECT event_type||'|'||actor||'|'||client_id FROM events WHERE event_type='client_created'")" \
   "client_created|api:tester|$ADA" "client_created event names the token's actor"

r=$(api GET "/api/clients/$ADA")
is "$(status_of "$r")" 200 "GET /api/clients/:id"
is "$(jget 'd["counts"]' "$(body_of "$r")")" '{"open_tasks": 0, "messages": 0}' "counts of open tasks and messages"

r=$(api_json PATCH "/api/clients/$ADA" '{"company":"Babbage & Co","summary":"Prefers SMS in the morning."}')
is "$(status_of "$r")" 200 "PATCH /api/clients/:id"
b=$(body_of "$r")
is "$(jget '[d["company"], d["summary"], d["name"]]' "$b")" '["Babbage & Co", "Prefers SMS in the morning.", "Ada Lovelace"]' "changed fields applied, others kept"
like "$(jget 'd["summary_updated_at"]' "$b")" "$ISO" "summary_updated_at set"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.fields') FROM events WHERE event_type='client_updated'")" \
   'api:tester|["company"]' "client_updated lists the changed details"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.length') FROM events WHERE event_type='summary_edited' AND client_id=$ADA")" \
   'api:tester|27' "the summary is its own summary_edited event, as on the admin pages"
is "$(sql "SELECT json_extract(details,'\$.changes.company.from')||'>'||json_extract(details,'\$.changes.company.to') FROM events WHERE event_type='client_updated'")" \
   'Analytical Engines>Babbage & Co' "client_updated records from and to"
r=$(api_json PATCH "/api/clients/$ADA" '{"company":"Babbage & Co","phone":"+1 415 555 0100"}')
is "$(status_of "$r")" 200 "PATCH with unchanged values"
is "$(sql "SELECT count(*) FROM events WHERE event_type='client_updated'")" 1 "unchanged values write nothing"
r=$(api_json PATCH "/api/clients/$ADA" '{"email":null}')
is "$(jget 'd["email"]' "$(body_of "$r")")" null "email cleared with null"

# Seven more clients, then page through all eight three at a time.
for i in 1 2 3 4 5 6 7; do
    r=$(api_json POST /api/clients "{\"name\":\"Client $i\",\"phone\":\"+4420794600$((10 + i))\"}")
    [ "$(status_of "$r")" = 201 ] || diag "client $i: $r"
done
is "$(sql "SELECT count(*) FROM clients")" 8 "eight clients"
seen=(); cursor=""; pages=0
while :; do
    r=$(api GET "/api/clients?limit=3${cursor:+&cursor=$cursor}")
    [ "$(status_of "$r")" = 200 ] || { diag "page: $r"; break; }
    b=$(body_of "$r")
    for id in $(jget '" ".join(str(x["id"]) for x in d["data"])' "$b"); do seen+=("$id"); done
    pages=$((pages + 1))
    cursor=$(jget 'd["next_cursor"] or ""' "$b")
    [ -n "$cursor" ] && [ $pages -lt 10 ] || break
done
is "$pages" 3 "eight clients in pages of three: three pages"
is "${#seen[@]}" 8 "every client listed once"
is "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l | tr -d ' ')" 8 "no duplicates across pages"
is "${seen[*]}" "$(sql "SELECT id FROM clients ORDER BY id DESC" | tr '\n' ' ' | sed 's/ $//')" "newest first, nothing omitted"
r=$(api GET "/api/clients?limit=3")
like "$(jget 'd["next_cursor"]' "$(body_of "$r")")" '^[0-9A-Za-z_-]+$' "next_cursor is an opaque string"
r=$(api GET "/api/clients?limit=8")
is "$(jget 'd["next_cursor"]' "$(body_of "$r")")" null "next_cursor null on the last page"

r=$(api GET "/api/clients?q=babbage")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$ADA]" "search by company, case-insensitive"
r=$(api GET "/api/clients?q=$(printf '%s' '(415) 555-0100' | sed 's/ /%20/g')")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$ADA]" "search by phone in another format"
r=$(api GET "/api/clients?q=client%205")
is "$(jget '[x["name"] for x in d["data"]]' "$(body_of "$r")")" '["Client 5"]' "search by name"

# ---- sending ----------------------------------------------------------
r=$(api_json POST /api/messages/send '{"to_number":"+1 (415) 555-0199","body":"Hello from the API 👋 — ça va?"}')
is "$(status_of "$r")" 202 "POST /api/messages/send answers 202"
b=$(body_of "$r")
is "$(jget 'd["success"]' "$b")" true "success true"
M1=$(jget 'd["message_id"]' "$b")
like "$M1" '^[0-9]+$' "message_id returned"
is "$(sql "SELECT direction||'|'||status||'|'||to_addr||'|'||author||'|'||body FROM messages WHERE id=$M1")" \
   "out|queued|+14155550199|api:tester|Hello from the API 👋 — ça va?" "queued outbound message stored"
is "$(sql "SELECT kind||'|'||state FROM jobs WHERE message_id=$M1")" "send|queued" "send job queued"
NEWC=$(sql "SELECT client_id FROM messages WHERE id=$M1")
is "$(sql "SELECT phone FROM clients WHERE id=$NEWC")" "+14155550199" "client created for a new number"
is "$(sql "SELECT group_concat(event_type||':'||actor, ' ') FROM (SELECT * FROM events WHERE client_id=$NEWC ORDER BY id)")" \
   "client_created:api:tester message_out:api:tester" "client_created and message_out name the actor"

r=$(api_json POST /api/messages/send "{\"client_id\":$ADA,\"body\":\"Your report is ready.\"}")
is "$(status_of "$r")" 202 "send by client_id"
M2=$(jget 'd["message_id"]' "$(body_of "$r")")
is "$(sql "SELECT to_addr FROM messages WHERE id=$M2")" "+14155550100" "sent to the client's number"

"$SB_BIN" worker --once >/dev/null 2>&1
ok $? "worker --once runs"
is "$(sql "SELECT status||'|'||transport FROM messages WHERE id=$M1")" "sent|log" "worker sends through the log transport"
is "$(sql "SELECT state FROM jobs WHERE message_id=$M2 AND kind='send'")" "done" "send job done"

r=$(api GET "/api/messages?client_id=$ADA")
is "$(status_of "$r")" 200 "GET /api/messages"
b=$(body_of "$r")
is "$(jget '[(m["id"], m["direction"], m["status"], m["transport"]) for m in d["data"]]' "$b")" \
   "[[$M2, \"out\", \"sent\", \"log\"]]" "filtered by client"
is "$(jget '[d["data"][0]["to"], d["data"][0]["ai_generated"], d["data"][0]["task_id"], d["data"][0]["body"]]' "$b")" \
   '["+14155550100", false, null, "Your report is ready."]' "message fields"
r=$(api GET "/api/messages?direction=out&status=sent")
is "$(jget '[m["id"] for m in d["data"]]' "$(body_of "$r")")" "[$M2, $M1]" "direction and status filters, newest first"
r=$(api GET "/api/messages?direction=in")
is "$(body_of "$r")" '{"data":[],"next_cursor":null}' "no inbound messages"
r=$(api GET "/api/messages?since=2999-01-01T00:00:00Z")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 0 "since in the future: nothing"
r=$(api GET "/api/messages?since=946684800000")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 2 "since as unix ms"
r=$(api GET "/api/messages?limit=1")
b=$(body_of "$r")
r=$(api GET "/api/messages?limit=1&cursor=$(jget 'd["next_cursor"]' "$b")")
is "$(jget '[m["id"] for m in d["data"]] + [d["next_cursor"]]' "$(body_of "$r")")" "[$M1, null]" "messages page two"

# ---- tasks ------------------------------------------------------------
# People to assign: an admin (may see every client) and an agent attached
# to Ada only.
sb_user boss 'correct horse battery' --admin
sb_user ana 'correct horse battery'
BOSS=$(sql "SELECT id FROM users WHERE login='boss'")
ANA=$(sql "SELECT id FROM users WHERE login='ana'")
"$SB_BIN" user attach ana "$ADA" >/dev/null

r=$(api_json POST /api/tasks "{\"client_id\":$ADA,\"title\":\"Login page times out\",\"type\":\"bug\",\"urgency\":\"medium\"}")
is "$(status_of "$r")" 201 "POST /api/tasks creates a task"
b=$(body_of "$r")
T1=$(jget 'd["id"]' "$b")
is "$(header Location)" "/api/tasks/$T1" "Location names the task"
is "$(jget '[d["client_id"], d["status"], d["route"], d["assignee"], d["closed_at"], d["confidence"]]' "$b")" \
   "[$ADA, \"open\", \"HUMAN\", null, null, null]" "defaults: open, HUMAN, unassigned"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.type') FROM events WHERE event_type='task_created' AND task_id=$T1")" \
   "api:tester|bug" "task_created event with actor"
r=$(api_json POST /api/tasks "{\"client_id\":$NEWC,\"title\":\"Pricing question\",\"type\":\"question\",\"urgency\":\"low\",\"route\":\"AI\",\"assignee\":$BOSS}")
T2=$(jget 'd["id"]' "$(body_of "$r")")
is "$(jget '[d["route"], d["assignee"]]' "$(body_of "$r")")" "[\"AI\", $BOSS]" "route and assignee (an admin) given"

r=$(api_json POST /api/messages/send "{\"client_id\":$ADA,\"task_id\":$T1,\"body\":\"Looking into it.\"}")
is "$(status_of "$r")" 202 "send within a task"
M3=$(jget 'd["message_id"]' "$(body_of "$r")")
is "$(sql "SELECT task_id FROM messages WHERE id=$M3")" "$T1" "message attached to the task"
r=$(api GET "/api/messages?task_id=$T1")
is "$(jget '[m["id"] for m in d["data"]]' "$(body_of "$r")")" "[$M3]" "messages filtered by task"

r=$(api_json PATCH "/api/tasks/$T1" '{"type":"feature_request","urgency":"urgent","title":"Login: remember me"}')
is "$(status_of "$r")" 200 "PATCH /api/tasks/:id"
b=$(body_of "$r")
is "$(jget '[d["type"], d["urgency"], d["title"], d["status"]]' "$b")" '["feature_request", "urgent", "Login: remember me", "open"]' "task updated"
is "$(sql "SELECT group_concat(details, ' ') FROM (SELECT details FROM events WHERE event_type='task_overridden' AND task_id=$T1 ORDER BY id)")" \
   '{"field":"type","from":"bug","to":"feature_request"} {"field":"urgency","from":"medium","to":"urgent"}' "override events for type and urgency"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.fields') FROM events WHERE event_type='task_updated' AND task_id=$T1")" \
   'api:tester|["type","urgency","title"]' "task_updated lists the changed fields"
n_events=$(sql "SELECT count(*) FROM events")
r=$(api_json PATCH "/api/tasks/$T1" '{"type":"feature_request","urgency":"urgent"}')
is "$(status_of "$r")" 200 "PATCH with unchanged values"
is "$(sql "SELECT count(*) FROM events")" "$n_events" "unchanged values write no event"
r=$(api_json PATCH "/api/tasks/$T1" '{"status":"closed"}')
like "$(jget 'd["closed_at"]' "$(body_of "$r")")" "$ISO" "closing sets closed_at"
is "$(sql "SELECT count(*) FROM events WHERE event_type='task_overridden'")" 2 "a status change is not an override"
r=$(api_json PATCH "/api/tasks/$T1" "{\"status\":\"open\",\"assignee\":$ANA}")
is "$(jget '[d["status"], d["closed_at"], d["assignee"]]' "$(body_of "$r")")" "[\"open\", null, $ANA]" "reopening clears closed_at; assigned to the client's agent"
is "$(sql "SELECT json_extract(details,'\$.assignee_login') FROM events WHERE event_type='task_updated' AND task_id=$T1 ORDER BY id DESC LIMIT 1")" \
   ana "task_updated names the assignee's login"
r=$(api_json PATCH "/api/tasks/$T1" '{"assignee":null}')
is "$(jget 'd["assignee"]' "$(body_of "$r")")" null "assignee cleared"
r=$(api GET "/api/tasks/$T1")
is "$(jget '[d["id"], d["status"]]' "$(body_of "$r")")" "[$T1, \"open\"]" "GET /api/tasks/:id"

r=$(api GET "/api/tasks")
is "$(jget '[t["id"] for t in d["data"]]' "$(body_of "$r")")" "[$T2, $T1]" "GET /api/tasks, newest first"
r=$(api GET "/api/tasks?status=open&type=feature_request&urgency=urgent&client_id=$ADA")
is "$(jget '[t["id"] for t in d["data"]]' "$(body_of "$r")")" "[$T1]" "combined task filters"
r=$(api GET "/api/tasks?assignee=$BOSS")
is "$(jget '[t["id"] for t in d["data"]]' "$(body_of "$r")")" "[$T2]" "filter by assignee"
r=$(api GET "/api/tasks?assignee=none")
is "$(jget '[t["id"] for t in d["data"]]' "$(body_of "$r")")" "[$T1]" "filter unassigned"
r=$(api GET "/api/tasks?urgency=low&type=bug")
is "$(jget 'd["data"]' "$(body_of "$r")")" '[]' "no match: empty list"

r=$(api GET "/api/clients/$ADA")
is "$(jget 'd["counts"]' "$(body_of "$r")")" '{"open_tasks": 1, "messages": 2}' "client counts follow"

# ---- events -----------------------------------------------------------
r=$(api GET "/api/events?task_id=$T1&event_type=task_overridden")
is "$(status_of "$r")" 200 "GET /api/events"
b=$(body_of "$r")
is "$(jget '[(e["details"]["field"], e["details"]["to"]) for e in d["data"]]' "$b")" \
   '[["urgency", "urgent"], ["type", "feature_request"]]' "details are objects, newest first"
is "$(jget '[d["data"][0]["actor"], d["data"][0]["task_id"], d["data"][0]["client_id"], d["data"][0]["message_id"]]' "$b")" \
   "[\"api:tester\", $T1, $ADA, null]" "event fields"
like "$(jget 'd["data"][0]["created_at"]' "$b")" "$ISO" "event time is ISO 8601"
r=$(api GET "/api/events?client_id=$NEWC")
b=$(body_of "$r")
is "$(jget 'sorted(set(e["client_id"] for e in d["data"]))' "$b")" "[$NEWC]" "events of one client only"
is "$(jget '[d["data"][0]["event_type"], d["data"][-1]["event_type"]]' "$b")" '["task_created", "client_created"]' "from the newest to the client's creation"
is "$(sql "SELECT count(*) FROM events WHERE client_id=$NEWC")" "$(jget 'len(d["data"])' "$b")" "all of that client's events"
total=$(sql "SELECT count(*) FROM events")
r=$(api GET "/api/events?from=2000-01-01&limit=200")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" "$total" "from a past date: everything"
r=$(api GET "/api/events?to=2000-01-01T00:00:00%2B01:00")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 0 "to a past time with an offset: nothing"
first=$(sql "SELECT created_at FROM events ORDER BY id LIMIT 1")
r=$(api GET "/api/events?from=$first&to=$((first + 1))")
like "$(jget 'len(d["data"])' "$(body_of "$r")")" '^[1-9]' "from/to as unix ms"
seen=(); cursor=""
for _ in $(seq 20); do
    r=$(api GET "/api/events?limit=4${cursor:+&cursor=$cursor}")
    b=$(body_of "$r")
    for id in $(jget '" ".join(str(x["id"]) for x in d["data"])' "$b"); do seen+=("$id"); done
    cursor=$(jget 'd["next_cursor"] or ""' "$b")
    [ -n "$cursor" ] || break
done
is "${#seen[@]}|$(printf '%s\n' "${seen[@]}" | sort -u | wc -l | tr -d ' ')" "$total|$total" "events paginate without gaps or repeats"

done_testing
