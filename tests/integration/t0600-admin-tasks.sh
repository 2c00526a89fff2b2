#!/usr/bin/env bash
# t0600-admin-tasks: the task pages end to end through lighttpd.  A
# simulated SMS becomes a task in /tasks; filters, sorting and keyset
# pagination; the task page (thread, classification, history); reply,
# status, reclassify, assign; the review queue (approve, edit, reject,
# batch) with events naming who decided; CSRF; client isolation for an
# agent on every page and action; malformed and unknown ids; errors next
# to their field; HTML escaping; the activity feed and the home page.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user alice 'alice-password-1' --admin
sb_user bob 'bob-password-22'
sb_user carol 'carol-password-3'

A=+14155550100   # client A: bob works with it
B=+14155550199   # client B: bob must never see it

# page METHOD PATH [curl args]: like http, and keep every HTML body for
# the escaping checks at the end.
PAGES=$SB_TMP/pages.html
page() {
    local r
    r=$(http "$@")
    cat "$SB_TMP/body" >> "$PAGES"
    printf '%s' "$r"
}
# post PATH [curl args]: a form POST with the current user's CSRF token.
post() { local p=$1; shift; page POST "$p" --data-urlencode "_csrf=$CSRF" "$@"; }
drain() { for _ in 1 2 3; do "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; done; }
ids_on() { grep -oE 'href="/tasks/[0-9]+"' <<<"$1" | grep -oE '[0-9]+' | sort -n | uniq; }
next_of() { grep -oE 'rel="next" href="[^"]*"' <<<"$1" | sed 's/.*href="//; s/"$//; s/&amp;/\&/g'; }
events() { sql "SELECT count(*) FROM events WHERE $1"; }

# ---- an SMS becomes a task -------------------------------------------
"$SB_BIN" simulate-sms --from $A --body 'The checkout page is broken! <script>alert(1)</script>' --url "$SB_URL" >/dev/null
"$SB_BIN" simulate-sms --from $A --body 'What are your opening hours on Saturday?' --url "$SB_URL" >/dev/null
"$SB_BIN" simulate-sms --from $B --body 'Could you add a dark mode to the dashboard?' --url "$SB_URL" >/dev/null
drain
CA=$(sql "SELECT id FROM clients WHERE phone = '$A'")
CB=$(sql "SELECT id FROM clients WHERE phone = '$B'")
T_BUG=$(sql "SELECT id FROM tasks WHERE client_id = $CA AND type = 'bug'")
T_Q=$(sql "SELECT id FROM tasks WHERE client_id = $CA AND type = 'question'")
T_B=$(sql "SELECT id FROM tasks WHERE client_id = $CB")
ok $([ -n "$T_BUG" ] && [ -n "$T_Q" ] && [ -n "$T_B" ]; echo $?) "the worker turned three SMS into three tasks"
"$SB_BIN" user attach bob "$CA" >/dev/null

is "$(sb_login alice alice-password-1)" 303 "alice (admin) signs in"
use_jar alice
CSRF=$(csrf_of /)
r=$(page GET /tasks)
is "$(status_of "$r")" 200 "GET /tasks"
like "$r" "href=\"/tasks/$T_BUG\"" "the new task is listed"
like "$r" 'opening hours on Saturday' "with its title"
like "$r" 'The checkout page is broken! &lt;script&gt;alert\(1\)&lt;/script&gt;' "a title with HTML is escaped"
like "$r" 'class="tb tb-u-urgent">Urgent<' "urgency shows as a coloured badge with text"
like "$r" 'Open <span class="tp-count">3</span>' "counts per status are filter links"

# ---- the task page ------------------------------------------------------
r=$(page GET /tasks/$T_BUG)
is "$(status_of "$r")" 200 "GET /tasks/:id"
like "$r" 'The checkout page is broken! &lt;script&gt;' "the thread shows the inbound message, escaped"
like "$r" '% confidence' "the classification shows its confidence"
like "$r" 'Decided by the builtin classifier' "and its provider"
like "$r" 'Matched rule #[0-9]+: Bug × Urgent → Human' "and the rule that matched"
like "$r" 'Classified as bug' "the history lists the classification"
r=$(page GET /tasks/$T_Q)
like "$r" 'class="tp-msg tp-out tp-draft"' "an AI draft shows in its thread"
like "$r" 'action="/messages/[0-9]+/approve"' "with the approve form"

# ---- reply ---------------------------------------------------------------
n_before=$(sql "SELECT count(*) FROM messages")
r=$(post /tasks/$T_BUG/reply --data-urlencode "body=$(printf 'x%.0s' $(seq 1601))")
is "$(status_of "$r")" 422 "a reply over 1600 characters is refused"
like "$r" 'class="field-error" id="reply-error">Write at most 1600' "with the error next to the reply box"
like "$r" 'aria-invalid="true"' "and the field marked invalid"
r=$(post /tasks/$T_BUG/reply --data-urlencode "body=   ")
is "$(status_of "$r")" 422 "a blank reply is refused"
is "$(sql "SELECT count(*) FROM messages")" "$n_before" "neither wrote a message"
F_BUG=$(sql "SELECT id FROM messages WHERE task_id = $T_BUG AND direction = 'out' AND status = 'draft'")
ok $([ -n "$F_BUG" ]; echo $?) "the urgent bug has an AI draft waiting (the worker's follow-up)"
F_TEXT=$(sql "SELECT body FROM messages WHERE id = $F_BUG")
like "$F_TEXT" "working on it right now.*update within the hour" "an urgent bug's draft acknowledges it and says what happens next"
unlike "$F_TEXT" 'screenshot|steps|browser|\?' "and asks the client for nothing"
r=$(post /tasks/$T_BUG/reply --data-urlencode $'body=Sorry about that <b>now</b>!\r\nWe are on it.')
is "$(status_of "$r")" 303 "a reply is accepted"
like "$(header Location)" "^/tasks/$T_BUG\?done=replied_superseded#m[0-9]+$" "and redirects to the thread, saying a draft was superseded"
M_REPLY=$(sql "SELECT id FROM messages WHERE task_id = $T_BUG AND direction = 'out' ORDER BY id DESC LIMIT 1")
is "$(sql "SELECT status||'|'||author||'|'||ai_generated FROM messages WHERE id = $M_REPLY")" "queued|user:alice|0" "the reply is queued as alice's, not a draft"
is "$(sql "SELECT body FROM messages WHERE id = $M_REPLY")" $'Sorry about that <b>now</b>!\nWe are on it.' "CRLF from the textarea is stored as LF"
is "$(events "event_type = 'message_out' AND message_id = $M_REPLY AND actor = 'user:alice'")" 1 "message_out names alice"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'send' AND message_id = $M_REPLY")" 1 "a send job is queued"
is "$(sql "SELECT status||'|'||body FROM messages WHERE id = $F_BUG")" "superseded|$(sql "SELECT proposed_value FROM proposals WHERE message_id = $F_BUG")" \
   "the reply supersedes the AI draft waiting on the task (kept, not sent)"
is "$(events "event_type = 'draft_superseded' AND message_id = $F_BUG AND actor = 'user:alice' AND details->>'reply_message_id' = $M_REPLY")" 1 \
   "recorded as draft_superseded, naming alice and the reply"
is "$(sql "SELECT status||'|'||decided_by FROM proposals WHERE message_id = $F_BUG")" "superseded|user:alice" "its proposal is closed as superseded"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'send' AND message_id = $F_BUG")" 0 "and it is never sent"
drain
is "$(sql "SELECT status||'|'||transport FROM messages WHERE id = $M_REPLY")" "sent|log" "the worker sends it through the log channel"
r=$(page GET "/tasks/$T_BUG?done=replied_superseded")
like "$r" 'Reply queued.*your reply superseded it' "the flash message says so"
like "$r" 'Sorry about that &lt;b&gt;now&lt;/b&gt;!' "the reply shows in the thread, escaped"
like "$r" 'recorded locally' "with its delivery note"
like "$r" "id=\"m$F_BUG\" class=\"tp-msg tp-out tp-rejected\"" "the thread shows the superseded draft, crossed out"
like "$r" 'Superseded by a reply, not sent' "labelled as superseded"
unlike "$r" "action=\"/messages/$F_BUG/approve\"" "with nothing left to send"
like "$r" "Draft superseded by a person&#39;s reply|Draft superseded by a person's reply" "and the history says so"

# ---- reclassify, status, assign --------------------------------------------
r=$(post /tasks/$T_BUG/classify -d type=question -d urgency=low)
is "$(status_of "$r")" 303 "reclassify"
is "$(sql "SELECT type||'/'||urgency FROM tasks WHERE id = $T_BUG")" "question/low" "the task has the new type and urgency"
is "$(events "event_type = 'task_overridden' AND task_id = $T_BUG AND actor = 'user:alice'")" 2 "one task_overridden event per changed field, naming alice"
is "$(sql "SELECT details->>'from'||'>'||(details->>'to') FROM events WHERE event_type = 'task_overridden' AND task_id = $T_BUG AND details->>'field' = 'type'")" "bug>question" "the override records from and to"
n_ev=$(events "task_id = $T_BUG")
r=$(post /tasks/$T_BUG/classify -d type=question -d urgency=low)
like "$(header Location)" 'done=unchanged' "the same values again change nothing"
is "$(events "task_id = $T_BUG")" "$n_ev" "and write no event"
r=$(post /tasks/$T_BUG/classify -d type=virus -d urgency=low)
is "$(status_of "$r")" 422 "an unknown type is refused"
like "$r" 'id="e-t-classify">Choose one of: bug' "with the error next to the fields"
r=$(page GET /tasks/$T_BUG)
like "$r" 'Type overridden: bug → question' "the history shows the override"

r=$(post /tasks/$T_BUG/status -d status=closed)
is "$(status_of "$r")" 303 "close the task"
is "$(sql "SELECT status||'|'||(closed_at IS NOT NULL) FROM tasks WHERE id = $T_BUG")" "closed|1" "closed with closed_at"
r=$(post /tasks/$T_BUG/status -d status=open)
is "$(sql "SELECT status||'|'||(closed_at IS NULL) FROM tasks WHERE id = $T_BUG")" "open|1" "reopening clears closed_at"
r=$(post /tasks/$T_BUG/status -d status=done)
is "$(status_of "$r")" 422 "an unknown status is refused"
like "$r" 'id="e-t-status">Choose one of: open' "with the error next to the field"
is "$(events "event_type = 'task_updated' AND task_id = $T_BUG AND actor = 'user:alice' AND details LIKE '%\"status\"%'")" 2 "status changes are task_updated events"

BOB=$(sql "SELECT id FROM users WHERE login = 'bob'")
CAROL=$(sql "SELECT id FROM users WHERE login = 'carol'")
r=$(post /tasks/$T_BUG/assign -d assignee=$BOB)
is "$(status_of "$r")" 303 "assign bob to a task of his client"
is "$(sql "SELECT assignee_id FROM tasks WHERE id = $T_BUG")" "$BOB" "bob is the assignee"
is "$(events "event_type = 'task_updated' AND task_id = $T_BUG AND details->>'assignee_login' = 'bob'")" 1 "the event names the assignee"
r=$(page GET /tasks/$T_BUG)
like "$r" 'assigned to <strong>bob</strong>' "the task page shows the assignee"
r=$(post /tasks/$T_B/assign -d assignee=$BOB)
is "$(status_of "$r")" 422 "bob cannot be assigned a task of a client he does not work with"
like "$r" 'id="e-t-assign">Choose an active person' "the error is next to the field"
unlike "$(sed -n '/id="t-assignee"/,/<\/select>/p' <<<"$r")" ">bob<" "and the select offers only people who may see the client"
r=$(post /tasks/$T_B/assign -d assignee=$CAROL)
is "$(status_of "$r")" 422 "nor can carol, attached to nobody"
r=$(post /tasks/$T_BUG/assign -d assignee=none)
is "$(sql "SELECT coalesce(assignee_id, 'null') FROM tasks WHERE id = $T_BUG")" "null" "unassign"

# ---- CSRF ----------------------------------------------------------------------
r=$(page POST /tasks/$T_BUG/status -d status=closed)
is "$(status_of "$r")" 403 "a POST without _csrf is 403"
r=$(page POST /tasks/$T_BUG/status -d status=closed -d _csrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef)
is "$(status_of "$r")" 403 "a POST with a wrong _csrf is 403"
is "$(sql "SELECT status FROM tasks WHERE id = $T_BUG")" "open" "and nothing changed"
M_DRAFT_Q=$(sql "SELECT id FROM messages WHERE task_id = $T_Q AND status = 'draft'")
r=$(page POST /messages/$M_DRAFT_Q/reject -d return=review)
is "$(status_of "$r")" 403 "rejecting a draft without _csrf is 403"
is "$(sql "SELECT status FROM messages WHERE id = $M_DRAFT_Q")" "draft" "and the draft is untouched"

# ---- malformed and unknown ids ---------------------------------------------------
for p in /tasks/abc /tasks/0 /tasks/99999 /tasks/1x /tasks/-1 /tasks/99999999999999999999; do
    r=$(page GET "$p")
    is "$(status_of "$r")" 404 "GET $p is 404"
done
r=$(post /tasks/abc/reply -d body=hi)
is "$(status_of "$r")" 404 "POST to a malformed task id is 404"
r=$(post /tasks/99999/status -d status=closed)
is "$(status_of "$r")" 404 "POST to an unknown task is 404"
r=$(post /messages/99999/approve -d as_is=1)
is "$(status_of "$r")" 404 "approving an unknown message is 404"
r=$(post /messages/x1/reject)
is "$(status_of "$r")" 404 "rejecting a malformed message id is 404"

# ---- review queue ---------------------------------------------------------------
M_DRAFT_B=$(sql "SELECT id FROM messages WHERE task_id = $T_B AND status = 'draft'")
r=$(page GET /review)
is "$(status_of "$r")" 200 "GET /review"
like "$r" "id=\"d$M_DRAFT_Q\"" "the question's draft waits for review"
like "$r" "id=\"d$M_DRAFT_B\"" "and so does client B's"
like "$r" 'opening hours on Saturday' "each with the last inbound message of its task"
unlike "$r" "id=\"d$F_BUG\"" "a draft superseded by a reply is not in the queue"
# The client writes again on the bug task: the question's draft still
# shows the question, its own task's message, as context.
sql "INSERT INTO messages (client_id, task_id, channel, direction, from_addr, to_addr, body, status, created_at, updated_at)
     VALUES ($CA, $T_BUG, 'sms', 'in', '$A', 'switchboard', 'Still broken at 9pm', 'received', 1800000000000, 1800000000000)"
r=$(page GET /review)
like "$r" 'opening hours on Saturday' "the context is still the draft's own task"
unlike "$r" 'Still broken at 9pm' "never the client's message on another task"
DRAFT_Q_TEXT=$(sql "SELECT body FROM messages WHERE id = $M_DRAFT_Q")
r=$(post /messages/$M_DRAFT_Q/approve -d as_is=1 -d return=review --data-urlencode "body_$M_DRAFT_Q=We open at 9 <b>sharp</b> on Saturdays.")
is "$(status_of "$r")" 422 "\"as written\" with a changed text is refused"
like "$r" 'You changed the text but asked to send the draft as written, so nothing was sent' "and the page says why"
like "$r" "id=\"d$M_DRAFT_Q\" name=\"body_$M_DRAFT_Q\"[^>]*>"$'\n''We open at 9 &lt;b&gt;sharp&lt;/b&gt; on Saturdays.</textarea>' "the changed text stays in its box"
is "$(sql "SELECT status||'|'||body FROM messages WHERE id = $M_DRAFT_Q")" "draft|$DRAFT_Q_TEXT" "nothing was sent or changed"
r=$(post /messages/$M_DRAFT_Q/approve -d return=review --data-urlencode "body_$M_DRAFT_Q=$DRAFT_Q_TEXT")
is "$(status_of "$r")" 303 "send a draft as written"
is "$(header Location)" "/review?done=approved" "back to the queue"
is "$(sql "SELECT status||'|'||author FROM messages WHERE id = $M_DRAFT_Q")" "queued|user:alice" "the draft is queued, approved by alice"
is "$(events "event_type = 'draft_approved' AND message_id = $M_DRAFT_Q AND actor = 'user:alice' AND details->>'decision' = 'approved'")" 1 "draft_approved names alice"
r=$(post /messages/$M_DRAFT_Q/approve -d as_is=1 -d return=review)
is "$(status_of "$r")" 409 "a draft cannot be approved twice"
like "$r" 'This draft is not waiting any more' "and the page says why"

r=$(post /messages/$M_DRAFT_B/approve -d return=task --data-urlencode "body=$(printf 'y%.0s' $(seq 1601))")
is "$(status_of "$r")" 422 "an edited draft over 1600 characters is refused"
like "$r" "id=\"d$M_DRAFT_B-error\">Write at most 1600" "with the error next to the draft"
is "$(sql "SELECT status FROM messages WHERE id = $M_DRAFT_B")" "draft" "and it stays a draft"
r=$(post /messages/$M_DRAFT_B/approve -d return=task --data-urlencode 'body=Dark mode is on our list. <i>Thanks!</i>')
is "$(status_of "$r")" 303 "send an edited draft"
like "$(header Location)" "^/tasks/$T_B\?done=edited#m$M_DRAFT_B$" "back to the task when sent from its page"
is "$(sql "SELECT status||'|'||body FROM messages WHERE id = $M_DRAFT_B")" "queued|Dark mode is on our list. <i>Thanks!</i>" "the edited text is queued"
is "$(events "event_type = 'draft_approved' AND message_id = $M_DRAFT_B AND actor = 'user:alice' AND details->>'decision' = 'edited'")" 1 "draft_approved says it was edited, by alice"

# More drafts, inserted directly: one to reject, three for the batch.
mk_draft() {
    sql "INSERT INTO messages (client_id, task_id, channel, direction, from_addr, to_addr, body, status, ai_generated, author, created_at, updated_at)
         VALUES ($1, $2, 'sms', 'out', 'switchboard', '$3', '$4', 'draft', 1, 'worker', 1700000000000, 1700000000000); SELECT last_insert_rowid();"
}
D1=$(mk_draft $CA $T_Q $A 'Draft to reject')
D2=$(mk_draft $CA $T_Q $A 'Batch one')
D3=$(mk_draft $CA $T_Q $A 'Batch two')
D4=$(mk_draft $CB $T_B $B 'Batch three, client B')
r=$(post /messages/$D1/reject -d return=review)
is "$(status_of "$r")" 303 "reject a draft"
is "$(header Location)" "/review?done=rejected" "back to the queue"
is "$(sql "SELECT status||'|'||body FROM messages WHERE id = $D1")" "rejected|Draft to reject" "a rejected draft is kept, marked rejected"
is "$(events "event_type = 'draft_rejected' AND message_id = $D1 AND actor = 'user:alice' AND details->>'by' = 'user:alice'")" 1 "draft_rejected names alice"
r=$(post /messages/$D1/approve -d as_is=1)
is "$(status_of "$r")" 409 "a rejected draft cannot be approved afterwards"
r=$(page GET /tasks/$T_Q)
like "$r" 'class="tp-msg tp-out tp-rejected"' "the task thread shows the rejected draft"
r=$(post /review/batch)
is "$(status_of "$r")" 422 "a batch with nothing ticked is refused"
r=$(post /review/batch -d id=$D2 -d id=$D3 -d id=$D4)
is "$(status_of "$r")" 303 "batch approve"
is "$(header Location)" "/review?done=batch&n=3&edited=0&skipped=0" "three approved"
is "$(sql "SELECT group_concat(status) FROM messages WHERE id IN ($D2, $D3, $D4)")" "queued,queued,queued" "all three are queued"
is "$(events "event_type = 'draft_approved' AND message_id IN ($D2, $D3, $D4) AND actor = 'user:alice'")" 3 "one draft_approved each, naming alice"
r=$(page GET "/review?done=batch&n=3&edited=0&skipped=0")
like "$r" '3 drafts queued for sending as shown' "the flash counts them"
unlike "$r" "id=\"pick($D2|$D3|$D4)\"" "the approved drafts left the queue"
# The batch sends what each box holds: edits included, never the old text.
D7=$(mk_draft $CA $T_Q $A 'Batch four, to be edited')
D8=$(mk_draft $CA $T_Q $A 'Batch five, as written')
r=$(post /review/batch -d id=$D7 -d id=$D8 --data-urlencode "body_$D7=$(printf 'z%.0s' $(seq 1601))" --data-urlencode "body_$D8=Batch five, as written")
is "$(status_of "$r")" 422 "a batch with an edited text over 1600 characters is refused"
like "$r" "id=\"d$D7-error\">Nothing in the batch was sent: Write at most 1600" "with the error next to that draft"
like "$r" "id=\"pick$D8\" name=\"id\" value=\"$D8\" checked" "the ticks are kept"
is "$(sql "SELECT group_concat(status) FROM messages WHERE id IN ($D7, $D8)")" "draft,draft" "and nothing was sent"
r=$(post /review/batch -d id=$D7 -d id=$D8 --data-urlencode "body_$D7=Batch four, edited by alice" --data-urlencode "body_$D8=Batch five, as written")
is "$(header Location)" "/review?done=batch&n=2&edited=1&skipped=0" "a batch with one edited draft"
is "$(sql "SELECT group_concat(status||'|'||body, ';') FROM messages WHERE id IN ($D7, $D8)")" \
   "queued|Batch four, edited by alice;queued|Batch five, as written" "the edited text is queued, not the draft's"
is "$(events "event_type = 'draft_approved' AND message_id = $D7 AND details->>'decision' = 'edited'")|$(events "event_type = 'draft_approved' AND message_id = $D8 AND details->>'decision' = 'approved'")" \
   "1|1" "recorded as edited and as written"
like "$(page GET "/review?done=batch&n=2&edited=1&skipped=0")" '2 drafts queued for sending as shown \(1 with your edits\)' "the flash counts the edits"
# A draft left pending after something was sent on its task (written
# before replies superseded drafts) is not the next thing to send.
D9=$(mk_draft $CA $T_Q $A 'Stale draft')
sql "INSERT INTO messages (client_id, task_id, channel, direction, from_addr, to_addr, body, status, author, created_at, updated_at)
     VALUES ($CA, $T_Q, 'sms', 'out', 'switchboard', '$A', 'Answered by hand', 'sent', 'user:alice', 1700000000000, 1700000000000)"
unlike "$(page GET /review)" "id=\"d$D9\"" "a draft answered since is not in the review queue"
r=$(page GET "/review?after=abc")
is "$(status_of "$r")" 400 "a malformed review cursor is 400"

# ---- an agent sees only his clients --------------------------------------------------
is "$(sb_login bob bob-password-22)" 303 "bob (agent, client A only) signs in"
use_jar bob
CSRF=$(csrf_of /)
D5=$(mk_draft $CB $T_B $B 'Secret draft for client B')
D6=$(mk_draft $CA $T_Q $A 'Draft for client A')
r=$(page GET /tasks)
like "$r" "href=\"/tasks/$T_Q\"" "bob sees client A's tasks"
unlike "$r" "href=\"/tasks/$T_B\"" "but not client B's"
unlike "$r" 'dark mode' "nor their titles"
r=$(page GET "/tasks?client=$CB")
unlike "$r" "href=\"/tasks/$T_B\"" "not even when filtering on client B"
r=$(page GET /tasks/$T_B)
is "$(status_of "$r")" 404 "client B's task page is 404 for bob"
n_b=$(sql "SELECT count(*) FROM messages WHERE client_id = $CB")
s_b=$(sql "SELECT status||type||urgency||coalesce(assignee_id,'-') FROM tasks WHERE id = $T_B")
is "$(status_of "$(post /tasks/$T_B/reply -d body=hello)")" 404 "replying on B's task is 404"
is "$(status_of "$(post /tasks/$T_B/status -d status=closed)")" 404 "changing its status is 404"
is "$(status_of "$(post /tasks/$T_B/classify -d type=bug -d urgency=urgent)")" 404 "reclassifying it is 404"
is "$(status_of "$(post /tasks/$T_B/assign -d assignee=$BOB)")" 404 "assigning it is 404"
is "$(status_of "$(post /messages/$D5/approve -d as_is=1)")" 404 "approving B's draft is 404"
is "$(status_of "$(post /messages/$D5/reject)")" 404 "rejecting B's draft is 404"
r=$(post /review/batch -d id=$D6 -d id=$D5)
is "$(status_of "$r")" 404 "a batch holding B's draft is 404"
is "$(sql "SELECT count(*) FROM messages WHERE client_id = $CB")|$(sql "SELECT status||type||urgency||coalesce(assignee_id,'-') FROM tasks WHERE id = $T_B")|$(sql "SELECT group_concat(status) FROM messages WHERE id IN ($D5, $D6)")" \
   "$n_b|$s_b|draft,draft" "and nothing of client B's changed (nor A's draft in that batch)"
r=$(page GET /review)
like "$r" "id=\"d$D6\"" "bob's review queue has client A's draft"
unlike "$r" "id=\"d$D5\"|Secret draft" "but not client B's"
r=$(page GET /activity)
is "$(status_of "$r")" 200 "GET /activity as bob"
like "$r" "href=\"/tasks/$T_Q\"" "bob's activity shows client A's events"
unlike "$r" "href=\"/tasks/$T_B\"|\\${B}|dark mode" "and nothing of client B's"
unlike "$r" 'Account (alice|bob|carol) created' "nor account events (admins only)"
r=$(page GET "/activity?client=$CB")
unlike "$r" "href=\"/tasks/$T_B\"" "not even when filtering on client B"
r=$(page GET /)
is "$(status_of "$r")" 200 "bob's home page"
like "$r" 'your clients' "speaks of his clients"
r=$(post /messages/$D6/approve --data-urlencode 'body=Edited by bob' -d return=task)
is "$(status_of "$r")" 303 "bob can decide on his client's draft"
is "$(events "event_type = 'draft_approved' AND message_id = $D6 AND actor = 'user:bob'")" 1 "and the event names bob"

is "$(sb_login carol carol-password-3)" 303 "carol (agent, no clients) signs in"
use_jar carol
r=$(page GET /tasks)
like "$r" 'not attached to any client' "her task list says what to do next"
unlike "$r" 'href="/tasks/[0-9]' "and lists nothing"

# ---- filters, sorting and pagination ---------------------------------------------
use_jar alice
CSRF=$(csrf_of /)
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130)
     INSERT INTO tasks (client_id, title, type, urgency, status, route, created_at, updated_at)
     SELECT $CA, 'Seeded task ' || i, 'other', CASE i % 3 WHEN 0 THEN 'urgent' WHEN 1 THEN 'medium' ELSE 'low' END,
            'waiting', 'HUMAN', 1700000000000 + i * 1000, 1700000000000 + (i % 7) * 1000 FROM n"
r=$(page GET "/tasks?status=waiting&type=other")
is "$(status_of "$r")" 200 "filter by status and type"
p1=$(ids_on "$r")
is "$(wc -l <<<"$p1")" 50 "the first page has 50 tasks"
like "$r" 'Waiting <span class="tp-count">130</span>' "the status tab counts all 130"
n1=$(next_of "$r")
like "$n1" '^/tasks\?status=waiting&type=other&after=' "the Next page link keeps the filters"
r=$(page GET "$n1")
p2=$(ids_on "$r")
is "$(wc -l <<<"$p2")" 50 "the second page has 50"
r=$(page GET "$(next_of "$r")")
p3=$(ids_on "$r")
is "$(wc -l <<<"$p3")" 30 "the third page has the last 30"
is "$(next_of "$r")" "" "and no Next link"
like "$r" 'Back to the newest' "but a link back to the first page"
is "$(printf '%s\n' "$p1" "$p2" "$p3" | sort -n | uniq | wc -l)" 130 "pages do not overlap and miss nothing (ties on updated_at too)"
is "$(sql "SELECT count(*) FROM tasks WHERE status = 'waiting' AND type = 'other' AND id IN ($(printf '%s\n' "$p1" "$p2" "$p3" | paste -sd,))")" 130 "every listed task matches the filters"

for sort in created urgency; do
    r=$(page GET "/tasks?status=waiting&type=other&sort=$sort")
    all=$(ids_on "$r"); n=$(next_of "$r")
    like "$n" "sort=$sort" "sort=$sort: the Next link keeps the sort"
    while [ -n "$n" ]; do
        r=$(page GET "$n"); all=$(printf '%s\n' "$all" "$(ids_on "$r")"); n=$(next_of "$r")
    done
    is "$(sort -n <<<"$all" | uniq | wc -l)|$(wc -l <<<"$all")" "130|130" "sort=$sort pages through all 130 once"
done
r=$(page GET "/tasks?status=waiting&type=other&sort=urgency")
first=$(grep -oE 'tb-u-[a-z]+' <<<"$r" | head -1)
last=$(grep -oE 'tb-u-[a-z]+' <<<"$r" | tail -1)
is "$first|$last" "tb-u-urgent|tb-u-medium" "sort=urgency puts urgent first"
r=$(page GET "/tasks?urgency=urgent&status=waiting")
unlike "$(grep -oE 'tb-u-[a-z]+' <<<"$r" | sort -u | tr '\n' ' ')" 'medium|low' "the urgency filter shows only urgent tasks"
r=$(page GET "/tasks?assignee=none&client=$CB")
like "$r" "href=\"/tasks/$T_B\"" "filter by client and unassigned"
unlike "$r" "href=\"/tasks/$T_Q\"" "other clients' tasks are filtered out"
r=$(page GET "/tasks?status=bogus")
is "$(status_of "$r")" 400 "an unknown status filter is 400"
like "$r" 'class="field-error" id="e-status"' "with the error next to the filter"
r=$(page GET "/tasks?status=waiting&after=12.x")
is "$(status_of "$r")" 400 "a forged cursor is 400"
like "$r" 'That page link is not valid' "and says so"
r=$(page GET "/tasks?type=feature_request&status=closed")
like "$r" 'No tasks match these filters' "an empty filtered list says what to do next"

# ---- activity feed --------------------------------------------------------------------
r=$(page GET /activity)
is "$(status_of "$r")" 200 "GET /activity as alice"
like "$r" 'Draft rejected' "events have a readable summary"
like "$r" "href=\"/tasks/$T_BUG\"" "entries link to their task"
like "$r" "href=\"/clients/$CA\"" "and their client"
like "$r" 'href="/tasks/[0-9]+#m[0-9]+"' "and their message"
r=$(page GET "/activity?type=task_overridden")
is "$(grep -c 'class="ev"' <<<"$r")" 2 "filter by event type"
for i in $(seq 60); do sql "INSERT INTO events (event_type, client_id, actor, details, created_at) VALUES ('summary_updated', $CA, 'worker', '{}', 1700000000000)"; done
r=$(page GET "/activity?client=$CA")
e1=$(grep -oE 'class="ev"' <<<"$r" | wc -l)
n=$(next_of "$r")
like "$n" "^/activity\?client=$CA&before=[0-9]+$" "the Older events link keeps the filter"
r=$(page GET "$n")
e2=$(grep -oE 'class="ev"' <<<"$r" | wc -l)
is "$e1" 50 "the first page has 50 events"
ok $([ "$e2" -gt 0 ]; echo $?) "the next page has older ones"
r=$(page GET "/activity?client=abc")
is "$(status_of "$r")" 400 "a malformed client filter is 400"

# ---- home -------------------------------------------------------------------------------
r=$(page GET /)
is "$(status_of "$r")" 200 "alice's home page"
like "$r" 'AI drafts to review' "shows the review count"
like "$r" 'Dead jobs' "and, for admins, dead jobs"
like "$r" 'href="/tasks\?status=waiting"' "status counts link to the filtered list"

# ---- the per-status counters kept by triggers ------------------------------------------
is "$(sql "SELECT count(*) FROM (SELECT client_id, status, count(*) AS c FROM tasks GROUP BY 1, 2) a
           FULL JOIN (SELECT * FROM task_counts WHERE n != 0) k USING (client_id, status) WHERE a.c IS NOT k.n")" 0 \
   "task_counts agrees with the tasks table after every change above"

# ---- escaping everywhere --------------------------------------------------------------------
unlike "$(cat "$PAGES")" '<script' "no page carried a <script> tag"
unlike "$(cat "$PAGES")" '<b>now</b>|<i>Thanks!</i>' "message bodies are always escaped"
done_testing
