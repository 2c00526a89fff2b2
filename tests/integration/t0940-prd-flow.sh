#!/usr/bin/env bash
# t0940-prd-flow: the feature-request flow end to end.  A simulated SMS
# asking for a feature → classify → a task on the AI route → the worker
# drafts a PRD from the client's messages, commits it to the artifact
# repository as the AI worker (checked with git log / git show on the bare
# repository) and proposes it for review (prd_review) → the reviewer sees
# it rendered with its history, edits the Markdown (a commit in their
# name), asks the AI to revise with feedback (a new commit by the AI),
# sends the client a summary SMS and approves → the task is approved, the
# fake GitHub receives an issue carrying the approved PRD,
# github_issue_created records its number and URL, and the summary job
# runs.  Agents of other clients get 404; decided PRDs cannot change.
. "$(dirname "$0")/../lib.sh"
sb_env
fake_start github || { echo "not ok 1 - fake GitHub starts"; echo "1..1"; exit 1; }
export GITHUB_TOKEN=ghp_fake_token_0123456789
export GITHUB_REPO=acme/widgets
export GITHUB_API_BASE=$FAKE_GITHUB_URL
export JOB_BACKOFF_MS=50
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
REPO=$SWITCHBOARD_DATA/artifacts.git

git_repo() { git --git-dir="$REPO" "$@"; }

sb_user admin 'correct horse battery' --admin
sb_user agent2 'agent-password-2'

# ---- an SMS asking for a feature --------------------------------------------
sms +14155550123 "Hi, this is Dana Scully from Acme. Could you add a dark mode to the dashboard? We need it before the launch next month. It must work on phones too."
drain_until "SELECT count(*) FROM proposals WHERE kind='prd_review'" 1
TASK=$(sql "SELECT id FROM tasks ORDER BY id LIMIT 1")
is "$(sql "SELECT type||'|'||route FROM tasks WHERE id=$TASK")" "feature_request|AI" "a feature request on the AI route"
PID=$(sql "SELECT id FROM proposals WHERE kind='prd_review'")
DOC=$(sql "SELECT document_id FROM proposals WHERE id=$PID")
PATHP=$(sql "SELECT path FROM documents WHERE id=$DOC")
like "$PATHP" "^clients/[a-z0-9-]+/tasks/$TASK-[a-z0-9-]+/prd\.md\$" "the PRD lives at clients/<client>/tasks/<id>-<slug>/prd.md"
is "$(sql "SELECT status||'|'||(document_commit = (SELECT current_commit FROM documents WHERE id=$DOC)) FROM proposals WHERE id=$PID")" \
   "pending|1" "a pending prd_review proposal pointing at the committed version"
is "$(git_repo log --format='%an' -- "$PATHP")" "Switchboard AI worker" "one commit, authored by the AI worker"
like "$(git_repo log -1 --format=%s -- "$PATHP")" "^Draft the PRD of task $TASK" "the commit message names the task"
DRAFT=$(git_repo show "HEAD:$PATHP")
like "$DRAFT" '^# ' "the PRD starts with its title"
like "$DRAFT" '## Requirements' "it has the template's sections"
like "$DRAFT" 'Could you add a dark mode to the dashboard\?' "a requirement in the client's words"
like "$DRAFT" 'must work on phones' "a constraint from the message"
like "$DRAFT" 'before the launch next month' "the timeline from the message"
is "$(sql "SELECT count(*) FROM events WHERE event_type='prd_drafted' AND task_id=$TASK")" 1 "prd_drafted event"

# ---- the reviewer's page --------------------------------------------------------
is "$(sb_login admin 'correct horse battery')" 303 "admin signs in"
use_jar admin
CLIENT=$(sql "SELECT client_id FROM tasks WHERE id=$TASK")
# The same message said who the client is: accept that batch first.
BATCH=$(sql "SELECT batch_id FROM proposals WHERE kind='profile_edit' LIMIT 1")
r=$(http POST "/clients/$CLIENT/proposals" --data-urlencode "_csrf=$(csrf_of /clients/$CLIENT)" \
    --data-urlencode "batch=$BATCH" --data-urlencode "action=accept_batch")
is "$(sql "SELECT name||'|'||company FROM clients WHERE id=$CLIENT")" "Dana Scully|Acme" "the client's details from the message are accepted"
r=$(http GET "/tasks/$TASK")
like "$(body_of "$r")" "href=\"/proposals/$PID\"" "the task page links to the PRD review"
r=$(http GET "/proposals/$PID")
is "$(status_of "$r")" 200 "the PRD review page"
like "$(body_of "$r")" '<h2>Requirements</h2>' "the PRD is rendered from Markdown"
like "$(body_of "$r")" 'Switchboard AI worker' "its history names the author"
unlike "$(body_of "$r")" '<script' "no script on the page"
csrf=$(csrf_of "/proposals/$PID")

# ---- edit: a commit by the user ---------------------------------------------------
EDITED=$(printf '%s\n\n## Notes from the reviewer\n\nDark mode follows the system setting.\n' "$DRAFT")
r=$(http POST "/proposals/$PID/edit" --data-urlencode "_csrf=$csrf" --data-urlencode "markdown=$EDITED")
is "$(status_of "$r")" 303 "the edit is committed"
is "$(git_repo log -1 --format='%an' -- "$PATHP")" "admin" "the new version is authored by the user"
like "$(git_repo show "HEAD:$PATHP")" 'follows the system setting' "the edited text is in the repository"
is "$(sql "SELECT document_commit FROM proposals WHERE id=$PID")" "$(git_repo rev-parse HEAD)" "the review covers the edited version"
r=$(http POST "/proposals/$PID/edit" --data-urlencode "_csrf=$csrf" --data-urlencode "markdown=")
is "$(status_of "$r")" 422 "an empty PRD is refused"
is "$(git_repo log --format=%H -- "$PATHP" | wc -l | tr -d ' ')" 2 "nothing committed for it"

# ---- revise: a job, a commit by the AI ----------------------------------------------
r=$(http POST "/proposals/$PID/revise" --data-urlencode "_csrf=$csrf" --data-urlencode "feedback=   ")
is "$(status_of "$r")" 422 "blank feedback is refused"
r=$(http POST "/proposals/$PID/revise" --data-urlencode "_csrf=$csrf" \
    --data-urlencode "feedback=Also mention that reports must be printable in light mode.")
is "$(status_of "$r")" 303 "revision requested"
is "$(sql "SELECT count(*) FROM jobs WHERE kind='prd_revise'")" 1 "a prd_revise job is queued"
drain_until "SELECT count(*) FROM events WHERE event_type='prd_revised'" 1
is "$(git_repo log --format=%H -- "$PATHP" | wc -l | tr -d ' ')" 3 "three versions now"
is "$(git_repo log -1 --format='%an' -- "$PATHP")" "Switchboard AI worker" "the revision is authored by the AI worker"
like "$(git_repo log -1 --format=%B -- "$PATHP")" "after feedback from user:admin" "its message names who asked"
REV=$(git_repo show "HEAD:$PATHP")
like "$REV" '## Review notes' "the revision records the feedback"
like "$REV" 'printable in light mode' "with the reviewer's words"
like "$REV" 'follows the system setting' "and keeps the user's edit"
is "$(sql "SELECT document_commit FROM proposals WHERE id=$PID")" "$(git_repo rev-parse HEAD)" "the review covers the revision"
r=$(http GET "/proposals/$PID")
like "$(body_of "$r")" 'Version 3' "the history lists three versions"
like "$(body_of "$r")" "from=[0-9a-f]{40}&amp;to=[0-9a-f]{40}" "with links to the changes between them"

# ---- the client hears about it ----------------------------------------------------------
r=$(http POST "/proposals/$PID/sms" --data-urlencode "_csrf=$csrf" --data-urlencode "body=")
is "$(status_of "$r")" 422 "an empty SMS is refused"
r=$(http GET "/proposals/$PID")
SMS=$(body_of "$r" | python3 -c 'import sys, re, html; m = re.search(r"<textarea id=\"prd-sms\"[^>]*>(.*?)</textarea>", sys.stdin.read(), re.S); print(html.unescape(m.group(1)))')
like "$SMS" '^Hi Dana, we wrote up your request' "the summary SMS is prepared"
r=$(http POST "/proposals/$PID/sms" --data-urlencode "_csrf=$csrf" --data-urlencode "body=$SMS")
is "$(status_of "$r")" 303 "summary SMS sent"
is "$(sql "SELECT status||'|'||author FROM messages WHERE direction='out' AND body LIKE 'Hi Dana, we wrote up%'")" \
   "queued|user:admin" "an outbound SMS queued by the user"
is "$(sql "SELECT count(*) FROM events WHERE event_type='prd_summary_sent'")" 1 "prd_summary_sent event"

# ---- isolation ---------------------------------------------------------------------------
is "$(sb_login agent2 'agent-password-2')" 303 "an agent of no client signs in"
use_jar agent2
r=$(http GET "/proposals/$PID")
is "$(status_of "$r")" 404 "the agent does not see the PRD"
c2=$(csrf_of /)
r=$(http POST "/proposals/$PID/decide" --data-urlencode "_csrf=$c2" --data-urlencode "action=accept")
is "$(status_of "$r")" 404 "nor approve it"
r=$(http POST "/proposals/$PID/edit" --data-urlencode "_csrf=$c2" --data-urlencode "markdown=# Mine")
is "$(status_of "$r")" 404 "nor edit it"
is "$(sql "SELECT status FROM proposals WHERE id=$PID")" pending "still pending"

# ---- approve -------------------------------------------------------------------------------
use_jar admin
APPROVED=$(git_repo rev-parse HEAD)
r=$(http POST "/proposals/$PID/decide" --data-urlencode "_csrf=$csrf" --data-urlencode "action=accept")
is "$(status_of "$r")" 303 "approved"
is "$(sql "SELECT status||'|'||decided_by||'|'||document_commit FROM proposals WHERE id=$PID")" \
   "accepted|user:admin|$APPROVED" "the proposal is accepted, by the user, at the reviewed version"
is "$(sql "SELECT status FROM tasks WHERE id=$TASK")" approved "the task is approved"
is "$(sql "SELECT count(*) FROM events WHERE event_type='prd_approved' AND actor='user:admin'")" 1 "prd_approved event names the user"
is "$(sql "SELECT count(*) FROM jobs WHERE kind='summary' AND dedupe_key='summary:prd:$PID'")" 1 "the summary job is queued"
drain_until "SELECT count(*) FROM events WHERE event_type='github_issue_created' AND task_id=$TASK" 1
ISSUE=$(curl -fsS "$FAKE_GITHUB_URL/_issues")
is "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$ISSUE")" 1 "the fake GitHub received one issue"
BODY=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["body"])' "$ISSUE")
like "$BODY" 'printable in light mode' "the issue carries the approved PRD"
like "$BODY" "at commit \`$APPROVED\`" "and names the approved commit"
like "$BODY" "switchboard-task:$TASK" "with the task marker"
is "$(python3 -c 'import json,sys; print(",".join(l if isinstance(l, str) else l["name"] for l in json.loads(sys.argv[1])[0]["labels"]))' "$ISSUE")" \
   "enhancement,urgency:$(sql "SELECT urgency FROM tasks WHERE id=$TASK")" "labelled enhancement and urgency"
NUM=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["number"])' "$ISSUE")
is "$(sql "SELECT json_extract(details,'\$.number')||'|'||(json_extract(details,'\$.url') LIKE '%/issues/'||json_extract(details,'\$.number')) FROM events WHERE event_type='github_issue_created' AND task_id=$TASK")" \
   "$NUM|1" "github_issue_created records the number and URL"
is "$(sql "SELECT count(*) FROM messages WHERE task_id=$TASK AND body LIKE '%steps%'")" 0 "no bug follow-up for a feature request"
drain_until "SELECT count(*) FROM jobs WHERE state NOT IN ('done')" 0
is "$(sql "SELECT state FROM jobs WHERE dedupe_key='summary:prd:$PID'")" done "the client summary was updated"

# ---- decided PRDs do not change ---------------------------------------------------------------
r=$(http POST "/proposals/$PID/edit" --data-urlencode "_csrf=$csrf" --data-urlencode "markdown=# Late")
is "$(status_of "$r")" 409 "an approved PRD cannot be edited"
r=$(http POST "/proposals/$PID/decide" --data-urlencode "_csrf=$csrf" --data-urlencode "action=reject")
is "$(status_of "$r")" 409 "nor decided twice"
r=$(http GET "/proposals/$PID")
like "$(body_of "$r")" 'accepted' "the page shows the decision"
unlike "$(body_of "$r")" "action=\"/proposals/$PID/edit\"" "and no edit form"

# ---- the API: an edited PRD approved with a token --------------------------------------------
OP=$("$SB_BIN" token add op-tok 2>/dev/null)
sms +14155550199 "Could you add an export to CSV button on the orders page? We need it for our accountant."
drain_until "SELECT count(*) FROM proposals WHERE kind='prd_review'" 2
PID2=$(sql "SELECT id FROM proposals WHERE kind='prd_review' ORDER BY id DESC LIMIT 1")
TASK2=$(sql "SELECT task_id FROM proposals WHERE id=$PID2")
PATH2=$(sql "SELECT path FROM documents WHERE id=(SELECT document_id FROM proposals WHERE id=$PID2)")
r=$(http GET "/api/artifacts/$PID2" -H "Authorization: Bearer $OP")
like "$(body_of "$r")" '"kind": ?"prd_review"' "GET /api/artifacts/:id shows the PRD proposal"
MD2=$(printf '# CSV export of orders\n\n## Requirements\n\n- One button exports the filtered orders as CSV.\n')
BODY2=$(python3 -c 'import json,sys; print(json.dumps({"status":"edited","editedValue":sys.argv[1]}))' "$MD2")
r=$(http PATCH "/api/artifacts/$PID2" -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' --data-binary "$BODY2")
is "$(status_of "$r")" 200 "PATCH edited: the edited PRD is approved"
is "$(git_repo log -1 --format='%an' -- "$PATH2")" "API token op-tok" "the edit is committed in the token's name"
is "$(git_repo show "HEAD:$PATH2")" "$MD2" "with exactly the edited Markdown"
is "$(sql "SELECT status||'|'||document_commit FROM proposals WHERE id=$PID2")|$(sql "SELECT status FROM tasks WHERE id=$TASK2")" \
   "edited|$(git_repo log -1 --format=%H -- "$PATH2")|approved" "the proposal is edited at that commit; the task approved"
drain_until "SELECT count(*) FROM events WHERE event_type='github_issue_created' AND task_id=$TASK2" 1
like "$(curl -fsS "$FAKE_GITHUB_URL/_issues")" 'One button exports the filtered orders as CSV' "the issue carries the edited PRD"
done_testing
