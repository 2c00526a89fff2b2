#!/usr/bin/env bash
# t0410-api-errors: the JSON API refuses what it must, with the right
# status and a JSON error naming the field, and writes nothing when it
# refuses: missing or bad tokens (401), malformed JSON and wrong types
# (400), invalid values and unknown fields (422), unknown ids (404, also
# when the id is in the body: the same answer a token gets for a client it
# may not see, see t0420),
# duplicate phones (409), over-long bodies, hostile text (SQL-looking
# input is data, NUL and invalid UTF-8 are refused).
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }

TOKEN=$("$SB_BIN" token add errors 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")
api() { local m=$1 p=$2; shift 2; http "$m" "$p" "${AUTH[@]}" "$@"; }
api_json() { api "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"; }
jget() {
    python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$2"
}
# expect STATUS CODE FIELD RESPONSE DESCRIPTION: status, error.code, error.field
expect() {
    is "$(status_of "$4")|$(jget '"%s|%s" % (d["error"]["code"], d["error"]["field"])' "$(body_of "$4")" 2>/dev/null)" \
       "$1|$2|$3" "$5"
}
events() { sql "SELECT count(*) FROM events"; }

# ---- authentication ---------------------------------------------------
r=$(http GET /api/clients)
expect 401 unauthorized None "$r" "no token: 401"
like "$(header WWW-Authenticate)" '^Bearer realm=' "401 carries WWW-Authenticate"
r=$(http GET /api/clients -H "Authorization: Bearer not-a-real-token")
expect 401 unauthorized None "$r" "bad token: 401"
like "$(header WWW-Authenticate)" '^Bearer' "bad token: WWW-Authenticate"
r=$(http POST /api/clients -H "Authorization: Basic dXNlcjpwYXNz" -H 'Content-Type: application/json' -d '{"name":"x","phone":"+14155550100"}')
is "$(status_of "$r")" 401 "another auth scheme: 401"
r=$(http PATCH /api/tasks/1 -H "Authorization: Bearer ${TOKEN}x" -H 'Content-Type: application/json' -d '{}')
is "$(status_of "$r")" 401 "token with a byte added: 401"
"$SB_BIN" token add revoked-one >"$SB_TMP/rt" 2>/dev/null && "$SB_BIN" token revoke revoked-one
r=$(http GET /api/events -H "Authorization: Bearer $(cat "$SB_TMP/rt")")
is "$(status_of "$r")" 401 "revoked token: 401"
is "$(sql "SELECT count(*) FROM clients")|$(events)" "0|0" "nothing written without a token"

# ---- setup ------------------------------------------------------------
r=$(api_json POST /api/clients '{"name":"Grace","phone":"+14155550100"}')
is "$(status_of "$r")" 201 "a client to work with"
GRACE=$(jget 'd["id"]' "$(body_of "$r")")
r=$(api_json POST /api/clients '{"name":"Alan","phone":"+442079460018"}')
ALAN=$(jget 'd["id"]' "$(body_of "$r")")
r=$(api_json POST /api/tasks "{\"client_id\":$ALAN,\"title\":\"Alan's task\",\"type\":\"other\",\"urgency\":\"low\"}")
ALAN_TASK=$(jget 'd["id"]' "$(body_of "$r")")
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"title\":\"Grace's task\",\"type\":\"bug\",\"urgency\":\"low\"}")
GRACE_TASK=$(jget 'd["id"]' "$(body_of "$r")")
# People: ada may see Grace; olda could, but is disabled.
sb_user ada 'correct horse battery'
sb_user olda 'correct horse battery'
ADA_U=$(sql "SELECT id FROM users WHERE login='ada'")
OLDA_U=$(sql "SELECT id FROM users WHERE login='olda'")
"$SB_BIN" user attach ada "$GRACE" >/dev/null
"$SB_BIN" user attach olda "$GRACE" >/dev/null
"$SB_BIN" user disable olda >/dev/null
n_clients=$(sql "SELECT count(*) FROM clients")
n_events=$(events)

# ---- 409 duplicate phone ----------------------------------------------
r=$(api_json POST /api/clients '{"name":"Grace again","phone":"(415) 555-0100"}')
expect 409 duplicate phone "$r" "duplicate phone in another format: 409"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" "Client $GRACE" "409 names the existing client"
r=$(api_json PATCH "/api/clients/$ALAN" '{"phone":"+1 415 555 0100"}')
expect 409 duplicate phone "$r" "PATCH to another client's phone: 409"

# ---- 400 malformed JSON and wrong types ---------------------------------
r=$(api_json POST /api/clients '{"name":"x", "phone":')
expect 400 bad_json None "$r" "truncated JSON: 400"
r=$(api_json POST /api/clients "{'name':'x'}")
expect 400 bad_json None "$r" "single quotes: 400"
r=$(api_json POST /api/clients '[{"name":"x","phone":"+14155550111"}]')
expect 400 bad_json None "$r" "an array, not an object: 400"
r=$(api_json POST /api/clients '')
expect 400 bad_json None "$r" "empty body: 400"
r=$(api_json POST /api/clients '{"name":"x","phone":"+14155550111"} trailing')
expect 400 bad_json None "$r" "trailing garbage: 400"
r=$(api_json POST /api/clients '{"name":"x","name":"y","phone":"+14155550111"}')
expect 400 bad_json None "$r" "duplicate keys: 400"
r=$(api_json POST /api/clients '{"name":5,"phone":"+14155550111"}')
expect 400 wrong_type name "$r" "number for a string: 400 naming the field"
r=$(api_json POST /api/tasks "{\"client_id\":\"$GRACE\",\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"low\"}")
expect 400 wrong_type client_id "$r" "string for an id: 400"
r=$(api_json POST /api/tasks "{\"client_id\":1.5,\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"low\"}")
expect 400 wrong_type client_id "$r" "real for an id: 400"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"assignee":"bob"}')
expect 400 wrong_type assignee "$r" "string for assignee: 400"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"status":["closed"]}')
expect 400 wrong_type status "$r" "array for an enum: 400"
r=$(api POST /api/clients -d 'name=x&phone=%2B14155550111')
expect 415 unsupported_media_type None "$r" "a form body: 415"

# ---- NUL and invalid UTF-8 ---------------------------------------------
r=$(api_json POST /api/clients '{"name":"nul\u0000byte","phone":"+14155550111"}')
expect 400 bad_json None "$r" "\\u0000 in a string: 400"
printf '{"name":"bad \xff\xfe utf8","phone":"+14155550111"}' > "$SB_TMP/bad"
r=$(api POST /api/clients -H 'Content-Type: application/json' --data-binary @"$SB_TMP/bad")
expect 400 bad_json None "$r" "invalid UTF-8: 400"
printf '{"name":"overlong \xc0\xaf","phone":"+14155550111"}' > "$SB_TMP/bad"
r=$(api POST /api/clients -H 'Content-Type: application/json' --data-binary @"$SB_TMP/bad")
expect 400 bad_json None "$r" "overlong UTF-8: 400"
printf '{"name":"raw\x00nul","phone":"+14155550111"}' > "$SB_TMP/bad"
r=$(api POST /api/clients -H 'Content-Type: application/json' --data-binary @"$SB_TMP/bad")
expect 400 bad_json None "$r" "raw NUL byte: 400"

# ---- 422 invalid values --------------------------------------------------
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"title\":\"t\",\"type\":\"spam\",\"urgency\":\"low\"}")
expect 422 invalid_value type "$r" "unknown task type: 422 naming type"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" 'bug, consult, feature_request, question, other' "the message lists the valid values"
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"URGENT\"}")
expect 422 invalid_value urgency "$r" "enum values are case-sensitive"
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"low\",\"route\":\"robot\"}")
expect 422 invalid_value route "$r" "unknown route: 422"
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"type\":\"bug\",\"urgency\":\"low\"}")
expect 422 missing_field title "$r" "missing title: 422"
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"title\":\"   \",\"type\":\"bug\",\"urgency\":\"low\"}")
expect 422 blank title "$r" "blank title: 422"
r=$(api_json POST /api/tasks '{"client_id":999999,"title":"t","type":"bug","urgency":"low"}')
expect 404 not_found client_id "$r" "task for an unknown client: 404 naming client_id"
r=$(api_json POST /api/tasks '{"client_id":-3,"title":"t","type":"bug","urgency":"low"}')
expect 422 invalid_value client_id "$r" "negative id: 422"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"status":"done"}')
expect 422 invalid_value status "$r" "PATCH unknown status: 422 naming status"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"urgency":null}')
expect 422 invalid_value urgency "$r" "PATCH urgency null: 422"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"colour":"red"}')
expect 422 unknown_field colour "$r" "PATCH unknown field: 422 naming it"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"status":"closed","route":"AI"}')
expect 422 unknown_field route "$r" "PATCH of a field the API does not edit: 422"
is "$(sql "SELECT status FROM tasks WHERE id=$GRACE_TASK")" open "a refused PATCH changes nothing, not even its valid part"
# Assignees: an enabled user who may see the task's client, or null.
n_ev=$(events)
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"status":"closed","assignee":999999}')
expect 422 invalid_value assignee "$r" "PATCH assignee who is no user: 422 naming assignee"
r=$(api_json PATCH "/api/tasks/$ALAN_TASK" "{\"assignee\":$ADA_U}")
expect 422 invalid_value assignee "$r" "PATCH assignee who may not see the client: 422"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" "{\"assignee\":$OLDA_U}")
expect 422 invalid_value assignee "$r" "PATCH assignee who is disabled: 422"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"assignee":0}')
expect 422 invalid_value assignee "$r" "PATCH assignee 0: 422"
r=$(api_json POST /api/tasks "{\"client_id\":$ALAN,\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"low\",\"assignee\":$ADA_U}")
expect 422 invalid_value assignee "$r" "POST assignee who may not see the client: 422"
r=$(api_json POST /api/tasks "{\"client_id\":$GRACE,\"title\":\"t\",\"type\":\"bug\",\"urgency\":\"low\",\"assignee\":$OLDA_U}")
expect 422 invalid_value assignee "$r" "POST assignee who is disabled: 422"
is "$(sql "SELECT status||'|'||coalesce(assignee_id,'none') FROM tasks WHERE id=$GRACE_TASK")|$(sql "SELECT count(*) FROM tasks")|$(events)" \
   "open|none|2|$n_ev" "refused assignees change and write nothing"
r=$(api_json PATCH "/api/clients/$GRACE" '{"nickname":"Amazing"}')
expect 422 unknown_field nickname "$r" "client PATCH unknown field: 422"
r=$(api_json PATCH "/api/clients/$GRACE" '{"name":""}')
expect 422 blank name "$r" "client PATCH empty name: 422"
r=$(api_json PATCH "/api/clients/$GRACE" '{"phone":null}')
expect 422 invalid_value phone "$r" "client PATCH phone null: 422"
r=$(api_json POST /api/clients '{"name":"x"}')
expect 422 missing_field phone "$r" "client without phone: 422"
r=$(api_json POST /api/clients '{"name":"x","phone":"call me maybe"}')
expect 422 invalid_value phone "$r" "not a phone number: 422"
r=$(api_json POST /api/clients '{"name":"x","phone":"+14155550111","email":"not-an-address"}')
expect 422 invalid_value email "$r" "implausible email: 422"
r=$(api_json POST /api/clients '{"name":"line\nbreak","phone":"+14155550111"}')
expect 422 invalid_value name "$r" "control characters in a name: 422"
r=$(api_json POST /api/clients "{\"name\":\"$(head -c 201 /dev/zero | tr '\0' a)\",\"phone\":\"+14155550111\"}")
expect 422 too_long name "$r" "name over 200 characters: 422"

# ---- sending -----------------------------------------------------------
r=$(api_json POST /api/messages/send '{"to_number":"+14155550100"}')
expect 422 missing_field body "$r" "send without body: 422"
r=$(api_json POST /api/messages/send '{"to_number":"+14155550100","body":""}')
expect 422 blank body "$r" "empty body: 422"
r=$(api_json POST /api/messages/send '{"body":"hi"}')
expect 422 missing_field to_number "$r" "send without a recipient: 422"
r=$(api_json POST /api/messages/send "{\"to_number\":\"+14155550100\",\"client_id\":$GRACE,\"body\":\"hi\"}")
expect 422 invalid_value client_id "$r" "both recipients: 422"
r=$(api_json POST /api/messages/send '{"to_number":"hello","body":"hi"}')
expect 422 invalid_value to_number "$r" "not a phone number: 422"
r=$(api_json POST /api/messages/send '{"to_number":14155550100,"body":"hi"}')
expect 400 wrong_type to_number "$r" "number as to_number: 400"
r=$(api_json POST /api/messages/send '{"client_id":999999,"body":"hi"}')
expect 404 not_found client_id "$r" "unknown client: 404 naming client_id"
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"task_id\":$ALAN_TASK,\"body\":\"hi\"}")
expect 422 wrong_client task_id "$r" "another client's task: 422"
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"task_id\":999999,\"body\":\"hi\"}")
expect 404 not_found task_id "$r" "unknown task: 404 naming task_id"
long=$(head -c 1601 /dev/zero | tr '\0' x)
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"body\":\"$long\"}")
expect 422 too_long body "$r" "1,601 characters: 422"
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"body\":\"ring \\u0007 bell\"}")
expect 422 invalid_value body "$r" "a control character in the body: 422 (newlines and tabs are fine)"
is "$(sql "SELECT count(*) FROM messages")|$(sql "SELECT count(*) FROM jobs")" "0|0" "refused sends store nothing"
emoji=$(python3 -c 'print("👍" * 1600, end="")')
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"body\":\"$emoji\"}")
is "$(status_of "$r")" 202 "1,600 emoji (6,400 bytes) accepted: characters, not bytes"
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"body\":\"${emoji}👍\"}")
expect 422 too_long body "$r" "1,601 emoji: 422"
r=$(api_json POST /api/messages/send "{\"client_id\":$GRACE,\"body\":\"hi\",\"media\":[]}")
expect 422 unknown_field media "$r" "send with an unknown field: 422"

# ---- query parameters -----------------------------------------------------
for q in 'limit=0' 'limit=201' 'limit=ten' 'limit=-1'; do
    r=$(api GET "/api/clients?$q")
    expect 422 invalid_value limit "$r" "GET /api/clients?$q: 422"
done
r=$(api GET "/api/messages?cursor=abc")
expect 422 invalid_value cursor "$r" "foreign cursor: 422"
r=$(api GET "/api/messages?direction=sideways")
expect 422 invalid_value direction "$r" "unknown direction: 422"
r=$(api GET "/api/messages?status=lost")
expect 422 invalid_value status "$r" "unknown message status: 422"
r=$(api GET "/api/messages?since=yesterday")
expect 422 invalid_value since "$r" "since that is not a time: 422"
r=$(api GET "/api/messages?since=2026-02-30T00:00:00Z")
expect 422 invalid_value since "$r" "since on a day that does not exist: 422"
r=$(api GET "/api/messages?client_id=1.0")
expect 422 invalid_value client_id "$r" "client_id that is not an integer: 422"
r=$(api GET "/api/tasks?status=bogus")
expect 422 invalid_value status "$r" "GET /api/tasks unknown status: 422"
r=$(api GET "/api/tasks?type=spam")
expect 422 invalid_value type "$r" "GET /api/tasks unknown type: 422"
r=$(api GET "/api/tasks?assignee=someone")
expect 422 invalid_value assignee "$r" "GET /api/tasks assignee not an id: 422"
r=$(api GET "/api/events?from=2026-13-01")
expect 422 invalid_value from "$r" "events from month 13: 422"
r=$(api GET "/api/events?from=2026-03-02&to=2026-03-01")
expect 422 invalid_value from "$r" "events from after to: 422"
r=$(api GET "/api/clients?q=%zz")
is "$(status_of "$r")" 400 "malformed query string: 400"

# ---- 404 and 405 --------------------------------------------------------------
r=$(api GET /api/clients/999999)
expect 404 not_found None "$r" "unknown client: 404"
r=$(api GET /api/clients/abc)
expect 404 not_found None "$r" "non-numeric client id: 404"
r=$(api_json PATCH /api/clients/999999 '{"name":"Nobody"}')
expect 404 not_found None "$r" "PATCH unknown client: 404"
r=$(api_json PATCH /api/tasks/999999 '{"status":"closed"}')
expect 404 not_found None "$r" "PATCH unknown task: 404"
r=$(api GET /api/tasks/999999)
expect 404 not_found None "$r" "GET unknown task: 404"
r=$(api GET /api/tasks/0)
expect 404 not_found None "$r" "task 0: 404"
r=$(api DELETE "/api/clients/$GRACE")
is "$(status_of "$r")" 405 "DELETE a client: 405"
like "$(header Allow)" 'GET, PATCH' "405 lists the methods"
r=$(api PUT /api/messages/send -H 'Content-Type: application/json' -d '{}')
is "$(status_of "$r")" 405 "PUT /api/messages/send: 405"

is "$(sql "SELECT count(*) FROM clients")" "$n_clients" "refused requests created no client"
is "$(events)" $((n_events + 1)) "only the accepted send wrote an event"
is "$(sql "SELECT count(*) FROM events WHERE event_type='message_out'")" 1 "one message_out"

# ---- hostile text is data ----------------------------------------------------
bobby="Robert'); DROP TABLE clients;--"
r=$(api_json POST /api/clients "{\"name\":\"$bobby\",\"phone\":\"+14155550123\",\"company\":\"x' OR '1'='1\"}")
is "$(status_of "$r")" 201 "SQL-looking name accepted as data"
BOBBY=$(jget 'd["id"]' "$(body_of "$r")")
is "$(sql "SELECT name FROM clients WHERE id=$BOBBY")" "$bobby" "stored verbatim"
is "$(sql "SELECT count(*) FROM sqlite_master WHERE name='clients'")" 1 "the clients table is still there"
r=$(api GET "/api/clients?q=%27%20OR%201%3D1%20--")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 0 "q=' OR 1=1 -- matches nothing"
r=$(api GET "/api/clients?q=%25")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 0 "q=% is a literal percent sign, not a wildcard"
r=$(api GET "/api/clients?q=_")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 0 "q=_ is a literal underscore"
r=$(api GET "/api/clients?q=DROP%20TABLE")
is "$(jget '[c["id"] for c in d["data"]]' "$(body_of "$r")")" "[$BOBBY]" "the SQL-looking name is found as text"
r=$(api GET "/api/events?event_type=x%27%20OR%20%271%27%3D%271")
is "$(body_of "$r")" '{"data":[],"next_cursor":null}' "event_type with SQL is just an unknown type"
r=$(api GET "/api/tasks?status=open%27%20OR%20%271%27%3D%271")
expect 422 invalid_value status "$r" "SQL in an enum filter: 422"
r=$(api GET "/api/messages?client_id=1%20OR%201=1")
expect 422 invalid_value client_id "$r" "SQL in an id filter: 422"
r=$(api_json PATCH "/api/tasks/$GRACE_TASK" '{"title":"t\"; UPDATE tasks SET status = \"closed\"; --"}')
is "$(status_of "$r")" 200 "SQL-looking title accepted"
is "$(sql "SELECT count(*) FROM tasks WHERE status='closed'")" 0 "and not executed"
r=$(api_json POST /api/messages/send "{\"client_id\":$BOBBY,\"body\":\"'); DELETE FROM messages; --\"}")
is "$(status_of "$r")" 202 "SQL-looking message body queued"
is "$(sql "SELECT count(*) FROM messages")" 2 "and stored as text"

done_testing
