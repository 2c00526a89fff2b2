#!/usr/bin/env bash
# t0420-api-isolation: tokens acting for a user see only that user's
# clients.  Two clients, an agent attached to one (Alpha), a token for the
# agent (`token add agent-tok --user agentlogin`) and an operator token: the
# agent's token lists only Alpha's clients, tasks, messages and events; the
# other client's client, tasks, edits and sends are 404 exactly like unknown
# ids, and nothing is written for them; an admin user's token and the
# operator token see everything; a disabled user's token is 401 until the
# user is enabled again.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }

jget() {
    python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$2"
}
# call TOKEN METHOD PATH [JSON]
call() {
    local t=$1 m=$2 p=$3
    if [ $# -ge 4 ]; then
        http "$m" "$p" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' --data-binary "$4"
    else
        http "$m" "$p" -H "Authorization: Bearer $t"
    fi
}
# expect STATUS CODE FIELD RESPONSE DESCRIPTION
expect() {
    is "$(status_of "$4")|$(jget '"%s|%s" % (d["error"]["code"], d["error"]["field"])' "$(body_of "$4")" 2>/dev/null)" \
       "$1|$2|$3" "$5"
}
ids() { jget '[x["id"] for x in d["data"]]' "$(body_of "$1")"; }
events() { sql "SELECT count(*) FROM events"; }

# ---- tokens ---------------------------------------------------------------
OP=$("$SB_BIN" token add op-tok 2>/dev/null)
like "$OP" '^sb_[0-9a-f]{64}$' "operator token created"
sb_user agentlogin 'agent-password-1'
sb_user other 'other-password-1'
sb_user boss 'boss-password-12' --admin
sb_user gone 'gone-password-12'
"$SB_BIN" user disable gone >/dev/null

out=$("$SB_BIN" token add nobody-tok --user nosuchlogin 2>&1)
is "$?" 1 "token add --user of an unknown login fails"
like "$out" 'no user nosuchlogin' "and says why"
out=$("$SB_BIN" token add gone-tok --user gone 2>&1)
is "$?" 1 "token add --user of a disabled user fails"
like "$out" 'disabled' "and says why"
is "$(sql "SELECT count(*) FROM api_tokens")" 1 "no token stored for them"
AG=$("$SB_BIN" token add agent-tok --user agentlogin 2>/dev/null)
like "$AG" '^sb_[0-9a-f]{64}$' "token add agent-tok --user agentlogin"
is "$(sql "SELECT u.login FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.name='agent-tok'")" agentlogin \
   "the token belongs to the agent"
BOSS=$("$SB_BIN" token add boss-tok --user boss 2>/dev/null)
list=$("$SB_BIN" token list)
like "$(grep '^agent-tok ' <<<"$list")" 'user agentlogin .*active' "token list shows the token's user"
like "$(grep '^op-tok ' <<<"$list")" 'operator' "token list shows an operator token"

# ---- two clients, the agent attached to Alpha -----------------------------
r=$(call "$OP" POST /api/clients '{"name":"Alpha","phone":"+14155550101"}')
ALPHA=$(jget 'd["id"]' "$(body_of "$r")")
r=$(call "$OP" POST /api/clients '{"name":"Beta","phone":"+14155550102"}')
BETA=$(jget 'd["id"]' "$(body_of "$r")")
"$SB_BIN" user attach agentlogin "$ALPHA" >/dev/null
AGENT_ID=$(sql "SELECT id FROM users WHERE login='agentlogin'")
OTHER_ID=$(sql "SELECT id FROM users WHERE login='other'")
r=$(call "$OP" POST /api/tasks "{\"client_id\":$ALPHA,\"title\":\"Alpha task\",\"type\":\"bug\",\"urgency\":\"low\"}")
A_TASK=$(jget 'd["id"]' "$(body_of "$r")")
r=$(call "$OP" POST /api/tasks "{\"client_id\":$BETA,\"title\":\"Beta task\",\"type\":\"bug\",\"urgency\":\"low\"}")
B_TASK=$(jget 'd["id"]' "$(body_of "$r")")
r=$(call "$OP" POST /api/messages/send "{\"client_id\":$ALPHA,\"task_id\":$A_TASK,\"body\":\"to Alpha\"}")
A_MSG=$(jget 'd["message_id"]' "$(body_of "$r")")
r=$(call "$OP" POST /api/messages/send "{\"client_id\":$BETA,\"task_id\":$B_TASK,\"body\":\"to Beta\"}")
B_MSG=$(jget 'd["message_id"]' "$(body_of "$r")")
is "$(sql "SELECT count(*) FROM clients")|$(sql "SELECT count(*) FROM tasks")|$(sql "SELECT count(*) FROM messages")" \
   "2|2|2" "two clients, a task and a message each"

# ---- the agent's token reads only Alpha ------------------------------------
r=$(call "$AG" GET /api/clients)
is "$(status_of "$r")|$(ids "$r")" "200|[$ALPHA]" "GET /api/clients: only Alpha"
r=$(call "$AG" GET "/api/clients?q=beta")
is "$(ids "$r")" "[]" "searching for Beta finds nothing"
r=$(call "$AG" GET "/api/clients?q=%2B14155550102")
is "$(ids "$r")" "[]" "searching for Beta's number finds nothing"
r=$(call "$AG" GET /api/tasks)
is "$(status_of "$r")|$(ids "$r")" "200|[$A_TASK]" "GET /api/tasks: only Alpha's task"
r=$(call "$AG" GET "/api/tasks?client_id=$BETA")
is "$(ids "$r")" "[]" "tasks filtered by Beta: nothing"
r=$(call "$AG" GET /api/messages)
is "$(status_of "$r")|$(ids "$r")" "200|[$A_MSG]" "GET /api/messages: only Alpha's message"
r=$(call "$AG" GET "/api/messages?task_id=$B_TASK")
is "$(ids "$r")" "[]" "messages of Beta's task: nothing"
r=$(call "$AG" GET "/api/events?limit=200")
b=$(body_of "$r")
is "$(status_of "$r")|$(jget 'sorted(set(e["client_id"] for e in d["data"]))' "$b")" "200|[$ALPHA]" \
   "GET /api/events: only Alpha's events (none about Beta, none about no client)"
is "$(jget 'len(d["data"])' "$b")" "$(sql "SELECT count(*) FROM events WHERE client_id=$ALPHA")" "every one of Alpha's events"
r=$(call "$AG" GET "/api/events?client_id=$BETA")
is "$(body_of "$r")" '{"data":[],"next_cursor":null}' "events filtered by Beta: nothing"
r=$(call "$AG" GET "/api/events?task_id=$B_TASK")
is "$(jget 'd["data"]' "$(body_of "$r")")" '[]' "events of Beta's task: nothing"

r=$(call "$AG" GET "/api/clients/$ALPHA")
is "$(status_of "$r")|$(jget 'd["name"]' "$(body_of "$r")")" "200|Alpha" "GET Alpha by id"
r=$(call "$AG" GET "/api/tasks/$A_TASK")
is "$(status_of "$r")" 200 "GET Alpha's task by id"
r=$(call "$AG" GET "/api/clients/$BETA")
expect 404 not_found None "$r" "GET Beta by id: 404"
r404=$(call "$AG" GET /api/clients/999999)
is "$(body_of "$r")" "$(body_of "$r404")" "the same answer as an unknown id"
r=$(call "$AG" GET "/api/tasks/$B_TASK")
expect 404 not_found None "$r" "GET Beta's task by id: 404"

# ---- the agent's token cannot change or text Beta ----------------------------
n_ev=$(events)
r=$(call "$AG" PATCH "/api/clients/$BETA" '{"name":"Hijacked"}')
expect 404 not_found None "$r" "PATCH Beta: 404"
r=$(call "$AG" PATCH "/api/clients/$BETA" '{"nickname":"x"}')
expect 404 not_found None "$r" "PATCH Beta with a bad body: still 404, nothing about the body"
r=$(call "$AG" PATCH "/api/tasks/$B_TASK" '{"status":"closed"}')
expect 404 not_found None "$r" "PATCH Beta's task: 404"
r=$(call "$AG" POST /api/messages/send "{\"client_id\":$BETA,\"body\":\"hi\"}")
expect 404 not_found client_id "$r" "send to Beta by client_id: 404"
r=$(call "$AG" POST /api/messages/send '{"to_number":"(415) 555-0102","body":"hi"}')
expect 404 not_found to_number "$r" "send to Beta's number: 404"
r=$(call "$AG" POST /api/messages/send "{\"client_id\":$ALPHA,\"task_id\":$B_TASK,\"body\":\"hi\"}")
expect 404 not_found task_id "$r" "send to Alpha within Beta's task: 404, not wrong_client"
r=$(call "$AG" POST /api/tasks "{\"client_id\":$BETA,\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"low\"}")
expect 404 not_found client_id "$r" "create a task for Beta: 404"
r=$(call "$AG" POST /api/clients '{"name":"Beta twin","phone":"+1 415 555 0102"}')
expect 409 duplicate phone "$r" "a client with Beta's number: 409"
unlike "$(jget 'd["error"]["message"]' "$(body_of "$r")")" "$BETA" "without naming Beta"
is "$(sql "SELECT name FROM clients WHERE id=$BETA")|$(sql "SELECT status FROM tasks WHERE id=$B_TASK")" "Beta|open" \
   "Beta and its task unchanged"
is "$(sql "SELECT count(*) FROM clients")|$(sql "SELECT count(*) FROM messages")|$(sql "SELECT count(*) FROM tasks")|$(events)" \
   "2|2|2|$n_ev" "no client, message, task or event written"

# ---- the agent's token works on Alpha ----------------------------------------
r=$(call "$AG" PATCH "/api/tasks/$A_TASK" "{\"status\":\"waiting\",\"assignee\":$AGENT_ID}")
is "$(status_of "$r")|$(jget '[d["status"], d["assignee"]]' "$(body_of "$r")")" "200|[\"waiting\", $AGENT_ID]" \
   "PATCH Alpha's task, assigning the agent"
is "$(sql "SELECT actor FROM events WHERE event_type='task_updated' AND task_id=$A_TASK ORDER BY id DESC LIMIT 1")" \
   "api:agent-tok" "the change names the agent's token"
r=$(call "$AG" PATCH "/api/tasks/$A_TASK" "{\"assignee\":$OTHER_ID}")
expect 422 invalid_value assignee "$r" "assigning someone who may not see Alpha: 422"
r=$(call "$AG" PATCH "/api/clients/$ALPHA" '{"company":"Alpha Ltd"}')
is "$(status_of "$r")|$(jget 'd["company"]' "$(body_of "$r")")" "200|Alpha Ltd" "PATCH Alpha"
r=$(call "$AG" POST /api/messages/send "{\"client_id\":$ALPHA,\"task_id\":$A_TASK,\"body\":\"On it.\"}")
is "$(status_of "$r")" 202 "send to Alpha within its task"
r=$(call "$AG" POST /api/messages/send '{"to_number":"+14155550199","body":"Hello, new number"}')
is "$(status_of "$r")" 202 "send to a new number"
NEWC=$(jget 'd["client_id"]' "$(body_of "$r")")
is "$(sql "SELECT count(*) FROM client_members WHERE user_id=$AGENT_ID AND client_id=$NEWC")" 1 \
   "the agent is attached to the client it created"
r=$(call "$AG" POST /api/clients '{"name":"Gamma","phone":"+14155550103"}')
is "$(status_of "$r")" 201 "the agent creates a client"
GAMMA=$(jget 'd["id"]' "$(body_of "$r")")
r=$(call "$AG" GET /api/clients)
is "$(ids "$r")" "[$GAMMA, $NEWC, $ALPHA]" "and sees it, with the new number's client, and Alpha"
is "$(sql "SELECT count(*) FROM events WHERE event_type='member_added' AND actor='api:agent-tok'")" 2 \
   "member_added for each, by the agent's token"

# ---- an admin user's token and the operator token see everything --------------
for t in OP BOSS; do
    tok=${!t}
    r=$(call "$tok" GET /api/clients)
    is "$(ids "$r")" "[$GAMMA, $NEWC, $BETA, $ALPHA]" "$t: every client"
    r=$(call "$tok" GET /api/tasks)
    is "$(ids "$r")" "[$B_TASK, $A_TASK]" "$t: every task"
    r=$(call "$tok" GET "/api/clients/$BETA")
    is "$(status_of "$r")" 200 "$t: Beta by id"
    r=$(call "$tok" GET "/api/events?limit=200")
    is "$(jget 'len(d["data"])' "$(body_of "$r")")" "$(events)" "$t: every event"
    r=$(call "$tok" GET "/api/messages?limit=200")
    is "$(jget 'len(d["data"])' "$(body_of "$r")")" "$(sql "SELECT count(*) FROM messages")" "$t: every message"
done
r=$(call "$BOSS" PATCH "/api/tasks/$B_TASK" '{"urgency":"urgent"}')
is "$(status_of "$r")" 200 "admin user's token edits Beta's task"
r=$(call "$OP" PATCH "/api/tasks/$B_TASK" "{\"assignee\":$AGENT_ID}")
expect 422 invalid_value assignee "$r" "operator: the agent may not take Beta's task"

# ---- a disabled user's token stops working --------------------------------------
"$SB_BIN" user disable agentlogin >/dev/null
r=$(call "$AG" GET /api/clients)
expect 401 unauthorized None "$r" "disabled user's token: 401"
r=$(call "$AG" POST /api/messages/send "{\"client_id\":$ALPHA,\"body\":\"still here?\"}")
is "$(status_of "$r")" 401 "disabled user's token cannot send"
like "$("$SB_BIN" token list | grep '^agent-tok ')" 'user disabled' "token list says the user is disabled"
"$SB_BIN" user enable agentlogin >/dev/null
r=$(call "$AG" GET /api/clients)
is "$(status_of "$r")" 200 "enabled again: the token works again"
"$SB_BIN" token revoke agent-tok
r=$(call "$AG" GET /api/clients)
is "$(status_of "$r")" 401 "revoked: 401"

done_testing
