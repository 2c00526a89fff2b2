#!/usr/bin/env bash
# t0930-proposals: proposals (the API's "artifacts") end to end.  Inbound
# SMS → worker → profile_edit proposals (name, company, email; one batch
# per message, with the previous value, the source text and a
# confidence), a reply_draft proposal with each AI draft and a follow_up
# one with a bug's follow-up SMS.  The API lists (status, limit, offset),
# shows and decides them: accept / edit / reject per field, 400 listing
# the valid statuses, 409 twice, and an agent's token acting on another
# client's proposal gets 404 with nothing changed.  The client page
# decides per field (edit then accept) and per batch (accept all, reject
# all; rejected ones are kept); the same value is never proposed twice,
# nor a value the client already has.  Decisions are events naming the
# actor; drafts decided in the review queue decide their proposal.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }

jget() {
    python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$2"
}
call() { # call TOKEN METHOD PATH [JSON]
    local t=$1 m=$2 p=$3
    if [ $# -ge 4 ]; then
        http "$m" "$p" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' --data-binary "$4"
    else
        http "$m" "$p" -H "Authorization: Bearer $t"
    fi
}
worker_drain() {
    for _ in $(seq 60); do
        "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
        [ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued','running')")" = 0 ] && return 0
    done
}
pid_of() { sql "SELECT id FROM proposals WHERE client_id=$1 AND kind='profile_edit' AND field='$2' ORDER BY id DESC LIMIT 1"; }

sb_user admin 'correct horse battery' --admin
sb_user agent 'agent-password-1'
OP=$("$SB_BIN" token add op-tok 2>/dev/null)
AG=$("$SB_BIN" token add agent-tok --user agent 2>/dev/null)

# ---- two clients text in ------------------------------------------------------
sms +14155550101 "Hi, I'm Dana Scully from Acme Corp. Where is my invoice for March? You can email dana@acme.example"
sms +14155550102 "My name is Fox Mulder, I work at Initech. Where can I see my invoices?"
worker_drain
A=$(sql "SELECT id FROM clients WHERE phone='+14155550101'")
B=$(sql "SELECT id FROM clients WHERE phone='+14155550102'")
"$SB_BIN" user attach agent "$A" >/dev/null
is "$(sql "SELECT group_concat(field||'='||proposed_value, ';') FROM (SELECT field, proposed_value FROM proposals WHERE client_id=$A AND kind='profile_edit' ORDER BY id)")" \
   "name=Dana Scully;company=Acme Corp;email=dana@acme.example" "one profile proposal per field found in the message"
is "$(sql "SELECT count(DISTINCT batch_id)||'|'||min(status)||'|'||max(status) FROM proposals WHERE client_id=$A AND kind='profile_edit'")" \
   "1|pending|pending" "grouped in one pending batch"
is "$(sql "SELECT count(*) FROM proposals WHERE client_id=$A AND kind='reply_draft' AND message_id=(SELECT id FROM messages WHERE client_id=$A AND status='draft')")" \
   1 "the AI reply draft is a reply_draft proposal"
is "$(sql "SELECT group_concat(field, ',') FROM (SELECT field FROM proposals WHERE client_id=$B AND kind='profile_edit' ORDER BY id)")" "name,company" \
   "the other client's facts too"

# ---- the API: list, one, filters -----------------------------------------------
r=$(call "$OP" GET "/api/customers/$A/artifacts")
is "$(status_of "$r")" 200 "GET /api/customers/:id/artifacts"
is "$(jget '"%d|%d" % (d["total"], len(d["data"]))' "$(body_of "$r")")" "4|4" "four proposals for the client"
r=$(call "$OP" GET "/api/customers/$A/artifacts?status=pending&limit=2&offset=1")
is "$(jget '"%d|%d|%d|%d" % (d["total"], len(d["data"]), d["limit"], d["offset"])' "$(body_of "$r")")" "4|2|2|1" \
   "status, limit and offset"
r=$(call "$OP" GET "/api/customers/$A/artifacts?status=accepted")
is "$(jget 'd["total"]' "$(body_of "$r")")" 0 "none accepted yet"
r=$(call "$OP" GET "/api/customers/$A/artifacts?status=approved")
is "$(status_of "$r")|$(jget 'd["error"]["code"] + "|" + d["error"]["field"]' "$(body_of "$r")")" \
   "400|invalid_status|status" "an unknown status filter is 400"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" 'pending, accepted, rejected, edited' "listing the valid ones"
NAME=$(pid_of "$A" name)
r=$(call "$OP" GET "/api/artifacts/$NAME")
is "$(status_of "$r")" 200 "GET /api/artifacts/:id"
is "$(jget '"|".join(str(d[k]) for k in ("kind","field","previous_value","proposed_value","status"))' "$(body_of "$r")")" \
   "profile_edit|name|None|Dana Scully|pending" "kind, field, previous and proposed value, status"
like "$(jget 'd["source_text"]' "$(body_of "$r")")" "^Hi, I'm Dana Scully from Acme Corp" "the source text"
like "$(jget '"%s %s" % (d["confidence"], d["batch_id"])' "$(body_of "$r")")" '^0\.[0-9]+ message-[0-9]+$' "confidence and batch"

# ---- isolation: the agent's token sees only Alpha ------------------------------
BNAME=$(pid_of "$B" name)
r=$(call "$AG" GET "/api/customers/$B/artifacts")
is "$(status_of "$r")" 404 "agent: another client's list is 404"
r=$(call "$AG" GET "/api/artifacts/$BNAME")
is "$(status_of "$r")" 404 "agent: another client's proposal is 404"
EV=$(sql "SELECT count(*) FROM events")
r=$(call "$AG" PATCH "/api/artifacts/$BNAME" '{"status":"accepted"}')
is "$(status_of "$r")|$(jget 'd["error"]["code"]' "$(body_of "$r")")" "404|not_found" \
   "agent: accepting another client's proposal is 404"
is "$(sql "SELECT status FROM proposals WHERE id=$BNAME")|$(sql "SELECT name FROM clients WHERE id=$B")|$(sql "SELECT count(*) FROM events")" \
   "pending||$EV" "nothing changed, no event"
r=$(call "$AG" GET "/api/artifacts/999999")
is "$(status_of "$r")" 404 "an unknown id looks the same"
r=$(call "$AG" GET "/api/customers/$A/artifacts")
is "$(status_of "$r")|$(jget 'd["total"]' "$(body_of "$r")")" "200|4" "agent: its own client's list"

# ---- bad decisions change nothing ------------------------------------------------
r=$(call "$AG" PATCH "/api/artifacts/$NAME" '{"status":"approved"}')
is "$(status_of "$r")|$(jget 'd["error"]["code"] + "|" + d["error"]["field"]' "$(body_of "$r")")" \
   "400|invalid_status|status" "an invalid status is 400"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" 'accepted, rejected, edited' "naming the valid ones"
r=$(call "$AG" PATCH "/api/artifacts/$NAME" '{"editedValue":"x"}')
is "$(status_of "$r")" 400 "a missing status is 400"
r=$(call "$AG" PATCH "/api/artifacts/$NAME" '{"status":"edited"}')
is "$(status_of "$r")|$(jget 'd["error"]["field"]' "$(body_of "$r")")" "422|editedValue" "edited without editedValue is 422"
r=$(call "$AG" PATCH "/api/artifacts/$NAME" '{"status":"accepted","note":"x"}')
is "$(status_of "$r")|$(jget 'd["error"]["code"]' "$(body_of "$r")")" "422|unknown_field" "an unknown field is 422"
EMAIL=$(pid_of "$A" email)
r=$(call "$AG" PATCH "/api/artifacts/$EMAIL" '{"status":"edited","editedValue":"not an address"}')
is "$(status_of "$r")|$(jget 'd["error"]["field"]' "$(body_of "$r")")" "422|editedValue" "an edited email that is not one is 422"
is "$(sql "SELECT status FROM proposals WHERE client_id=$A AND kind='profile_edit' GROUP BY status")|$(sql "SELECT count(*) FROM events")" \
   "pending|$EV" "still pending, no event"

# ---- decide per field through the API ----------------------------------------------
r=$(call "$AG" PATCH "/api/artifacts/$NAME" '{"status":"accepted"}')
is "$(status_of "$r")|$(jget 'd["status"] + "|" + d["decided_by"]' "$(body_of "$r")")" "200|accepted|api:agent-tok" "name accepted"
is "$(sql "SELECT name FROM clients WHERE id=$A")" "Dana Scully" "the client's name is updated"
COMPANY=$(pid_of "$A" company)
r=$(call "$AG" PATCH "/api/artifacts/$COMPANY" '{"status":"edited","editedValue":"Acme Corporation"}')
is "$(status_of "$r")|$(jget 'd["status"] + "|" + d["edited_value"] + "|" + d["proposed_value"]' "$(body_of "$r")")" \
   "200|edited|Acme Corporation|Acme Corp" "company edited then accepted; both values kept"
is "$(sql "SELECT company FROM clients WHERE id=$A")" "Acme Corporation" "the client has the edited value"
r=$(call "$AG" PATCH "/api/artifacts/$EMAIL" '{"status":"rejected"}')
is "$(status_of "$r")|$(jget 'd["status"]' "$(body_of "$r")")" "200|rejected" "email rejected"
is "$(sql "SELECT coalesce(email,'')||'|'||(SELECT status FROM proposals WHERE id=$EMAIL) FROM clients WHERE id=$A")" "|rejected" \
   "the email is unchanged and the rejected proposal is kept"
r=$(call "$AG" PATCH "/api/artifacts/$EMAIL" '{"status":"accepted"}')
is "$(status_of "$r")|$(jget 'd["error"]["code"]' "$(body_of "$r")")" "409|already_decided" "deciding twice is 409"
is "$(sql "SELECT group_concat(json_extract(details,'\$.status'), ',') FROM (SELECT details FROM events WHERE event_type='proposal_decided' AND actor='api:agent-tok' ORDER BY id)")" \
   "accepted,edited,rejected" "proposal_decided events name the token"
is "$(sql "SELECT count(*) FROM events WHERE event_type='client_updated' AND client_id=$A AND actor='api:agent-tok'")" 2 \
   "client_updated events name the token"
r=$(call "$OP" GET "/api/customers/$A/artifacts?status=rejected")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$EMAIL]" "rejected ones are listed"

# ---- reply drafts: the proposal follows the draft ----------------------------------
DRAFT=$(sql "SELECT id FROM proposals WHERE client_id=$A AND kind='reply_draft'")
DMSG=$(sql "SELECT message_id FROM proposals WHERE id=$DRAFT")
r=$(call "$AG" PATCH "/api/artifacts/$DRAFT" '{"status":"edited","editedValue":"Hi Dana, your March invoice is on its way."}')
is "$(status_of "$r")|$(jget 'd["status"]' "$(body_of "$r")")" "200|edited" "a reply draft edited through the API"
is "$(sql "SELECT status||'|'||body FROM messages WHERE id=$DMSG")" "queued|Hi Dana, your March invoice is on its way." \
   "the SMS is queued with the edited text"
is "$(sql "SELECT count(*) FROM events WHERE event_type='draft_approved' AND message_id=$DMSG AND actor='api:agent-tok'")" 1 \
   "draft_approved names the token"
is "$(sb_login admin 'correct horse battery')" 303 "admin signs in"
use_jar admin
BMSG=$(sql "SELECT id FROM messages WHERE client_id=$B AND status='draft'")
csrf=$(csrf_of /review)
r=$(http POST "/messages/$BMSG/approve" --data-urlencode "_csrf=$csrf" --data-urlencode "as_is=1" --data-urlencode "return=review")
is "$(status_of "$r")" 303 "a draft approved in the review queue"
is "$(sql "SELECT status||'|'||decided_by FROM proposals WHERE message_id=$BMSG")" "accepted|user:admin" \
   "its proposal is accepted by the same person"
r=$(http GET "/proposals/$DRAFT")
is "$(status_of "$r")" 200 "a draft's proposal page"
like "$(body_of "$r")" 'Edited to: Hi Dana, your March invoice is on its way.' "shows the decision and the edited text"

# ---- the client page: per field and per batch ----------------------------------------------
r=$(http GET "/clients/$B")
like "$(body_of "$r")" 'Proposed profile changes' "the client page lists proposed changes"
like "$(body_of "$r")" 'value="Fox Mulder"' "with the proposed name"
like "$(body_of "$r")" 'value="accept_batch"' "and a batch form"
unlike "$(body_of "$r")" '<script' "no script"
csrf=$(csrf_of "/clients/$B")
r=$(http POST "/clients/$B/proposals" --data-urlencode "_csrf=$csrf" --data-urlencode "id=$BNAME" \
    --data-urlencode "action=accept" --data-urlencode "value=Fox W. Mulder")
is "$(status_of "$r")" 303 "a field edited then accepted on the page"
is "$(sql "SELECT name FROM clients WHERE id=$B")|$(sql "SELECT status||'|'||edited_value FROM proposals WHERE id=$BNAME")" \
   "Fox W. Mulder|edited|Fox W. Mulder" "the client has the edited name; the proposal says edited"
BATCH=$(sql "SELECT batch_id FROM proposals WHERE id=$BNAME")
r=$(http POST "/clients/$B/proposals" --data-urlencode "_csrf=$csrf" --data-urlencode "batch=$BATCH" --data-urlencode "action=accept_batch")
is "$(status_of "$r")" 303 "the rest of the batch accepted"
is "$(sql "SELECT company FROM clients WHERE id=$B")|$(sql "SELECT group_concat(status, ',') FROM proposals WHERE batch_id='$BATCH'")" \
   "Initech|edited,accepted" "the company is updated"
r=$(http POST "/clients/$B/proposals" --data-urlencode "_csrf=$csrf" --data-urlencode "id=$BNAME" --data-urlencode "action=accept")
is "$(status_of "$r")" 409 "a decided field cannot be decided again"
r=$(http POST "/clients/$B/proposals" --data-urlencode "_csrf=$csrf" --data-urlencode "id=$EMAIL" --data-urlencode "action=accept")
is "$(status_of "$r")" 404 "another client's proposal through this client's page is 404"
r=$(http POST "/clients/$B/proposals" --data-urlencode "id=$BNAME" --data-urlencode "action=accept")
is "$(status_of "$r")" 403 "the form needs its CSRF token"

# Values the client has, or that were proposed before, are not proposed.
N=$(sql "SELECT count(*) FROM proposals WHERE kind='profile_edit'")
sms +14155550102 "my name is Fox W. Mulder, again."
sms +14155550101 "I'm Dana from Acme Corp. The email is dana@acme.example"
worker_drain
is "$(sql "SELECT count(*) FROM proposals WHERE kind='profile_edit'")" "$((N + 1))" \
   "only the new value (Dana) is proposed: no current value, no value proposed before"
sms +14155550102 "Quick update: I work for Skinner Group. Reach me at fox@skinner.example"
worker_drain
B2=$(sql "SELECT batch_id FROM proposals WHERE client_id=$B AND field='company' ORDER BY id DESC LIMIT 1")
is "$(sql "SELECT group_concat(field||'='||coalesce(previous_value,'-')||'>'||proposed_value, ';') FROM proposals WHERE batch_id='$B2'")" \
   "company=Initech>Skinner Group;email=->fox@skinner.example" "a new batch with the previous values"
r=$(http POST "/clients/$B/proposals" --data-urlencode "_csrf=$csrf" --data-urlencode "batch=$B2" --data-urlencode "action=reject_batch")
is "$(status_of "$r")" 303 "a batch rejected"
is "$(sql "SELECT company||'|'||coalesce(email,'') FROM clients WHERE id=$B")|$(sql "SELECT group_concat(status, ',') FROM proposals WHERE batch_id='$B2'")" \
   "Initech||rejected,rejected" "the client is unchanged; the rejected proposals are kept"
r=$(http GET "/clients/$B?proposals=batch_rejected")
like "$(body_of "$r")" 'The batch was rejected' "the page says what happened"

# ---- the agent on the page: only its own client -------------------------------------------
is "$(sb_login agent 'agent-password-1')" 303 "the agent signs in"
use_jar agent
acsrf=$(csrf_of "/clients/$A")
DANA=$(pid_of "$A" name)
r=$(http POST "/clients/$B/proposals" --data-urlencode "_csrf=$acsrf" --data-urlencode "batch=$B2" --data-urlencode "action=accept_batch")
is "$(status_of "$r")" 404 "agent: another client's batch is 404"
r=$(http GET "/proposals/$BNAME")
is "$(status_of "$r")" 404 "agent: another client's proposal page is 404"
r=$(http POST "/clients/$A/proposals" --data-urlencode "_csrf=$acsrf" --data-urlencode "id=$DANA" --data-urlencode "action=reject")
is "$(status_of "$r")" 303 "agent: its own client's field rejected"
is "$(sql "SELECT status||'|'||decided_by FROM proposals WHERE id=$DANA")|$(sql "SELECT name FROM clients WHERE id=$A")" \
   "rejected|user:agent|Dana Scully" "kept as rejected, the name unchanged"

# ---- bug follow-ups are follow_up proposals ------------------------------------------------
sms +14155550101 "The export button is broken, it shows an error"
worker_drain
FU=$(sql "SELECT followup_message_id FROM github_issues")
is "$(sql "SELECT kind||'|'||status FROM proposals WHERE message_id=$FU")" "follow_up|pending" \
   "the bug's follow-up SMS draft is a follow_up proposal"
r=$(call "$AG" PATCH "/api/artifacts/$(sql "SELECT id FROM proposals WHERE message_id=$FU")" '{"status":"rejected"}')
is "$(status_of "$r")|$(sql "SELECT status FROM messages WHERE id=$FU")" "200|rejected" "rejecting it rejects the draft"

# ---- a person's reply supersedes the pending draft ------------------------------------------
sms +14155550101 "Do you also work on Sundays?"
worker_drain
SMSG=$(sql "SELECT id FROM messages WHERE client_id=$A AND direction='out' AND status='draft' ORDER BY id DESC LIMIT 1")
STASK=$(sql "SELECT task_id FROM messages WHERE id=$SMSG")
SPROP=$(sql "SELECT id FROM proposals WHERE message_id=$SMSG")
is "$(sql "SELECT kind||'|'||status FROM proposals WHERE id=$SPROP")" "reply_draft|pending" "a new question leaves a pending reply draft"
r=$(call "$AG" POST /api/messages/send "{\"client_id\":$A,\"task_id\":$STASK,\"body\":\"No, only Monday to Saturday.\"}")
is "$(status_of "$r")" 202 "a person replies on that task through the API"
is "$(sql "SELECT status FROM messages WHERE id=$SMSG")|$(sql "SELECT status||'|'||decided_by FROM proposals WHERE id=$SPROP")" \
   "superseded|superseded|api:agent-tok" "the draft and its proposal are superseded, decided by the token"
is "$(sql "SELECT count(*) FROM events WHERE message_id=$SMSG AND actor='api:agent-tok' AND (event_type='draft_superseded' OR (event_type='proposal_decided' AND details->>'status'='superseded'))")" 2 \
   "with a draft_superseded and a proposal_decided event"
r=$(call "$OP" GET "/api/customers/$A/artifacts?status=superseded")
is "$(status_of "$r")|$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "200|[$SPROP]" "the API lists superseded proposals"
r=$(call "$AG" PATCH "/api/artifacts/$SPROP" '{"status":"accepted"}')
is "$(status_of "$r")|$(sql "SELECT count(*) FROM jobs WHERE kind='send' AND message_id=$SMSG")" "409|0" \
   "a superseded draft cannot be accepted afterwards, and is never sent"
done_testing
