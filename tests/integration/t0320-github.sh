#!/usr/bin/env bash
# t0320-github: the bug flow against a fake GitHub (real HTTP).  A bug SMS
# → worker → one issue with labels, assignee from the owner rules, a marker
# and a link back, plus a follow-up SMS draft.  GitHub's failure modes (500,
# a 502 that hid a created issue, a hung request, a rate limit, a 422)
# never give a task two issues.  Without a token the issue waits as a
# pending action until an admin retries.  The signed webhook: bad and
# missing signatures, closed / reopened / comment events, replays.
. "$(dirname "$0")/../lib.sh"
sb_env
fake_start github || { echo "not ok 1 - fake GitHub starts"; echo "1..1"; exit 1; }
export GITHUB_TOKEN=ghp_fake_token_0123456789
export GITHUB_REPO=acme/widgets
export GITHUB_API_BASE=$FAKE_GITHUB_URL
export GITHUB_WEBHOOK_SECRET="It's a Secret to Everybody"
export GITHUB_TIMEOUT_MS=1000
export JOB_BACKOFF_MS=50
export JOB_LEASE_SECONDS=2
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
GLOG=$SB_TMP/fake_github.log

# creates MARKER: issues the fake holds whose body carries MARKER
issues_with() {
    curl -fsS "$FAKE_GITHUB_URL/_issues" | python3 -c '
import json, sys
print(sum(1 for i in json.load(sys.stdin) if sys.argv[1] in (i["body"] or "")))' "$1"
}
# posts PATH_SUFFIX: POST requests the fake logged for paths ending so
posts() {
    python3 - "$GLOG" "$1" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) if (r := json.loads(l))["method"] == "POST" and r["path"].endswith(sys.argv[2])))
PY
}

# ---- owner rules in the admin ----
sb_user admin 'correct horse battery' --admin
is "$(sb_login admin 'correct horse battery')" 303 "admin signs in"
use_jar admin
r=$(http GET /github/owners)
is "$(status_of "$r")" 200 "GET /github/owners"
csrf=$(csrf_of /github/owners)
r=$(http POST /github/owners --data-urlencode "_csrf=$csrf" --data-urlencode "pattern=checkout" \
    --data-urlencode "login=bad login!" --data-urlencode "priority=5")
is "$(status_of "$r")" 422 "invalid login refused"
like "$(body_of "$r")" 'id="e-login"' "the error sits next to the login field"
r=$(http POST /github/owners --data-urlencode "_csrf=$csrf" --data-urlencode "pattern=checkout" \
    --data-urlencode "login=alice-dev" --data-urlencode "priority=lots")
is "$(status_of "$r")" 422 "invalid priority refused"
like "$(body_of "$r")" 'id="e-priority"' "the error sits next to the priority field"
r=$(http POST /github/owners --data-urlencode "_csrf=$csrf" --data-urlencode "pattern=  " \
    --data-urlencode "login=alice-dev")
like "$(body_of "$r")" 'id="e-pattern"' "empty pattern refused next to its field"
is "$(sql "SELECT count(*) FROM owner_rules")" 0 "nothing written for invalid rules"
r=$(http POST /github/owners --data-urlencode "_csrf=$csrf" --data-urlencode "pattern=checkout" \
    --data-urlencode "login=alice-dev" --data-urlencode "priority=5")
is "$(status_of "$r")" 303 "rule added"
http POST /github/owners --data-urlencode "_csrf=$csrf" --data-urlencode "pattern=payment" \
    --data-urlencode "login=bob-pay" --data-urlencode "priority=1" >/dev/null
http POST /github/owners --data-urlencode "_csrf=$csrf" --data-urlencode "pattern=zzz" \
    --data-urlencode "login=carol" >/dev/null
zid=$(sql "SELECT id FROM owner_rules WHERE pattern='zzz'")
r=$(http POST "/github/owners/$zid/delete" --data-urlencode "_csrf=$csrf")
is "$(status_of "$r")" 303 "rule deleted"
is "$(sql "SELECT group_concat(login, ',') FROM (SELECT login FROM owner_rules ORDER BY priority DESC)")" \
   "alice-dev,bob-pay" "two rules left, best first"
is "$(sql "SELECT count(*) FROM events WHERE event_type IN ('owner_rule_added','owner_rule_deleted')")" 4 \
   "rule changes are events"
r=$(http POST /github/owners --data-urlencode "pattern=x" --data-urlencode "login=eve")
is "$(status_of "$r")" 403 "adding a rule needs the CSRF token"

# ---- a bug SMS opens one issue ----
sms +14155550101 "The checkout page crashes when I submit the payment"
drain_until "SELECT state FROM github_issues WHERE task_id = 1" open
is "$(sql "SELECT type FROM tasks WHERE id = 1")" bug "classified as a bug"
is "$(sql "SELECT state||' #'||number FROM github_issues WHERE task_id = 1")" "open #1" "issue #1 recorded"
is "$(posts /repos/acme/widgets/issues)" 1 "one create request"
is "$(issues_with 'switchboard-task:1 ')" 1 "the fake holds one issue with the task's marker"
issue=$(curl -fsS "$FAKE_GITHUB_URL/_issues" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]))')
like "$issue" '"labels": \[\{[^]]*"name": "bug"' "label bug"
like "$issue" '"name": "urgency:medium"' "urgency label"
like "$issue" '"assignees": \[\{"login": "alice-dev"' "owner rule with the highest priority picks the assignee"
like "$issue" "$SB_URL/tasks/1" "the body links back to the task"
like "$issue" 'checkout page crashes' "the body quotes the client's report"
unlike "$issue" '4155550101' "no phone number in the issue"
like "$issue" '"title": "The checkout page crashes' "title from the task"
is "$(python3 -c 'import json,sys; print(all(json.loads(l)["headers_ok"] and json.loads(l)["auth_ok"] for l in open(sys.argv[1])))' "$GLOG")" \
   True "every request had the required headers and the token"
like "$(head -n1 "$GLOG")" '"user_agent": "switchboard/' "User-Agent names the program"
unlike "$(cat "$GLOG")" 'ghp_fake_token' "the fake never logged the token (sanity)"
is "$(sql "SELECT json_extract(details, '\$.number')||' '||json_extract(details, '\$.owner') FROM events WHERE event_type='github_issue_created'")" \
   "1 alice-dev" "github_issue_created with number and owner"
like "$(sql "SELECT json_extract(details, '\$.url') FROM events WHERE event_type='github_issue_created'")" \
   '^https://github.com/acme/widgets/issues/1$' "and the issue URL"
draft=$(sql "SELECT status||'|'||ai_generated||'|'||body FROM messages WHERE id = (SELECT followup_message_id FROM github_issues WHERE task_id=1)")
like "$draft" '^draft\|1\|' "follow-up SMS is an AI draft awaiting review"
like "$draft" 'steps' "it asks for the steps"
like "$draft" 'browser or device' "the browser or device"
like "$draft" 'screenshot' "and a screenshot"
is "$(sql "SELECT count(*) FROM messages WHERE direction='out' AND status NOT IN ('draft')")" 0 "nothing was sent to the client"

# The job again (a retry after a crash): no second issue.
sql "INSERT INTO jobs (kind, payload, dedupe_key, task_id, run_at, created_at, updated_at)
     VALUES ('github_issue', '{\"task_id\":1}', 'again', 1, 0, 0, 0)"
worker
is "$(posts /repos/acme/widgets/issues)" 1 "running the job twice does not create a second issue"
is "$(sql "SELECT count(*) FROM messages WHERE direction='out' AND task_id=1 AND body LIKE '%steps%'")" 1 \
   "nor a second follow-up draft"

# A later message on the bug task becomes a comment, once.
sms +14155550101 "It happens on my iPhone in Safari"
drain_until "SELECT state FROM github_comments" posted
is "$(posts /issues/1/comments)" 1 "later message posted as one comment"
like "$(curl -fsS "$FAKE_GITHUB_URL/_issues")" 'It happens on my iPhone in Safari' "comment carries the message"
is "$(sql "SELECT count(*) FROM events WHERE event_type='github_comment_posted'")" 1 "github_comment_posted event"

# ---- failures ----
fake_control github '{"mode":"500","count":1}'
sms +14155550102 "The login button does nothing, error shown"
drain_until "SELECT state FROM github_issues WHERE task_id = 2" open
is "$(issues_with 'switchboard-task:2 ')" 1 "500 then success: one issue"
like "$(cat "$SB_TMP/worker.log")" 'GitHub: HTTP 500' "the 500 was logged and retried"

fake_control github '{"mode":"502","count":1}'
sms +14155550103 "App crashes on startup with an error"
drain_until "SELECT state FROM github_issues WHERE task_id = 3" open
is "$(issues_with 'switchboard-task:3 ')" 1 "502 after GitHub created it: adopted, not created twice"
is "$(sql "SELECT json_extract(details, '\$.adopted') FROM events WHERE event_type='github_issue_created' AND task_id=3")" 1 \
   "the created issue was found by its marker"

fake_control github '{"mode":"hang","count":1}'
sms +14155550104 "The export button is broken, error every time"
drain_until "SELECT state FROM github_issues WHERE task_id = 4" open
is "$(issues_with 'switchboard-task:4 ')" 1 "hung request (timeout): no duplicate issue"
like "$(cat "$SB_TMP/worker.log")" 'may have been created' "the timeout was treated as maybe created"

fake_control github '{"mode":"403-ratelimit","count":1}'
sms +14155550105 "Search page crashes with an error"
drain_until "SELECT state FROM github_issues WHERE task_id = 5" open
is "$(issues_with 'switchboard-task:5 ')" 1 "primary rate limit (403, remaining 0): retried after the reset, one issue"
like "$(cat "$SB_TMP/worker.log")" 'rate limit exceeded' "rate limit logged"

fake_control github '{"mode":"422","count":1}'
sms +14155550106 "The upload fails with an error message"
drain_until "SELECT state FROM github_issues WHERE task_id = 6" failed
is "$(sql "SELECT state FROM jobs WHERE kind='github_issue' AND task_id=6")" dead "422 is permanent: the job is dead"
is "$(sql "SELECT count(*) FROM events WHERE event_type='github_issue_failed' AND task_id=6")" 1 "github_issue_failed event"
r=$(http GET /github)
like "$(body_of "$r")" 'Validation Failed' "the admin page shows GitHub's answer"

# ---- without a token: a pending action, then retry once configured ----
before=$(posts /repos/acme/widgets/issues)
sms +14155550107 "The invoice page crashes with an error"
for _ in 1 2 3 4 5; do GITHUB_TOKEN= "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; done
is "$(sql "SELECT state FROM github_issues WHERE task_id = 7")" pending "no token: the issue is pending"
is "$(posts /repos/acme/widgets/issues)" "$before" "and nothing reached GitHub"
is "$(sql "SELECT count(*) FROM events WHERE event_type='github_issue_pending' AND task_id=7")" 1 "github_issue_pending event"
like "$(sql "SELECT body FROM github_issues WHERE task_id = 7")" 'switchboard-task:7 ' "the rendered body is kept"
is "$(sql "SELECT count(*) FROM messages WHERE task_id=7 AND status='draft' AND body LIKE '%steps%'")" 1 \
   "the follow-up draft exists without GitHub too"
r=$(http GET /github)
is "$(status_of "$r")" 200 "GET /github"
like "$(body_of "$r")" 'invoice page crashes' "the pending issue's body is shown to copy"
like "$(body_of "$r")" 'action="/github/issues/7/retry"' "with a retry button"
csrf=$(csrf_of /github)
r=$(http POST /github/issues/7/retry --data-urlencode "_csrf=$csrf")
is "$(status_of "$r")" 303 "retry now"
drain_until "SELECT state FROM github_issues WHERE task_id = 7" open
is "$(issues_with 'switchboard-task:7 ')" 1 "configured and retried: created once"
r=$(http POST /github/issues/1/retry --data-urlencode "_csrf=$csrf")
is "$(status_of "$r")" 409 "an issue on GitHub already cannot be retried"
use_jar nobody
r=$(http GET /github)
like "$(status_of "$r")" '^(302|303)$' "signed out: /github redirects to the login"
use_jar admin

# ---- webhooks ----
# wh EVENT DELIVERY PAYLOAD_JSON [SIGNATURE]: deliver through the fake
wh() {
    python3 - "$SB_URL/webhook/github" "$1" "$2" "$3" "${4-}" "$FAKE_GITHUB_URL/_webhook" "$GITHUB_WEBHOOK_SECRET" <<'PY'
import json, sys, urllib.request
url, event, delivery, payload, sig, fake, secret = sys.argv[1:8]
req = {"url": url, "event": event, "delivery": delivery, "payload": json.loads(payload), "secret": secret}
if sig != "":
    req["signature"] = "" if sig == "none" else sig
r = urllib.request.urlopen(urllib.request.Request(fake, data=json.dumps(req).encode(),
                           headers={"Content-Type": "application/json"}))
print(json.load(r)["status"])
PY
}
# issue_payload ACTION NUMBER: an issues payload for acme/widgets made from
# GitHub's documented example of the issues event (tests/fixtures/github).
EX=$SB_ROOT/tests/fixtures/github
issue_payload() {
    python3 - "$EX/issues_reopened.payload.json" "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["action"] = sys.argv[2]
p["issue"]["number"] = int(sys.argv[3])
p["issue"]["state"] = "closed" if sys.argv[2] == "closed" else "open"
p["issue"]["state_reason"] = "completed" if sys.argv[2] == "closed" else "reopened"
p["issue"]["closed_at"] = "2026-01-01T00:00:00Z" if sys.argv[2] == "closed" else None
p["repository"]["full_name"] = "acme/widgets"
print(json.dumps(p))
PY
}
closed=$(issue_payload closed 1)
is "$(wh issues d-bad "$closed" "sha256=$(printf '0%.0s' $(seq 64))")" 403 "bad signature: 403"
is "$(wh issues d-none "$closed" none)" 401 "missing signature: 401"
like "$(sb_log)" 'invalid X-Hub-Signature-256' "the bad signature is logged"
is "$(sql "SELECT status FROM tasks WHERE id=1")/$(sql "SELECT count(*) FROM github_deliveries")" "open/0" \
   "and nothing changed"
is "$(wh issues d-1 "$closed")" 200 "closed: 200"
is "$(sql "SELECT status FROM tasks WHERE id=1")" closed "the linked task is closed"
is "$(sql "SELECT state FROM github_issues WHERE task_id=1")" closed "the issue row is closed"
is "$(sql "SELECT count(*) FROM events WHERE event_type='github_issue_closed' AND task_id=1")" 1 "github_issue_closed event"
is "$(sql "SELECT count(*) FROM messages WHERE task_id=1 AND status='draft' AND body LIKE '%fixed%'")" 1 \
   "a resolution SMS draft is proposed"
is "$(wh issues d-1 "$closed")" 200 "the same delivery again: 200"
is "$(sql "SELECT count(*) FROM messages WHERE task_id=1 AND status='draft' AND body LIKE '%fixed%'")/$(sql "SELECT count(*) FROM events WHERE event_type='github_issue_closed'")" \
   "1/1" "a repeated delivery changes nothing"
is "$(wh issues d-2 "$(issue_payload reopened 1)")" 200 "reopened: 200"
is "$(sql "SELECT status FROM tasks WHERE id=1")/$(sql "SELECT state FROM github_issues WHERE task_id=1")" "open/open" \
   "the task reopens"
comment=$(python3 - "$EX/issue_comment_created.payload.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["issue"]["number"] = 1
p["repository"]["full_name"] = "acme/widgets"
p["comment"]["body"] = "Fixed in the next release; could the client confirm? " + "x" * 400
print(json.dumps(p))
PY
)
is "$(wh issue_comment d-3 "$comment")" 200 "comment: 200"
ev=$(sql "SELECT details FROM events WHERE event_type='github_comment'")
like "$ev" '"author":"Codertocat"' "github_comment records the author"
like "$ev" '"excerpt":"Fixed in the next release' "and an excerpt"
is "$(sql "SELECT length(json_extract(details, '\$.excerpt')) <= 201 FROM events WHERE event_type='github_comment'")" 1 \
   "the excerpt is short"
is "$(wh issues d-4 "$(issue_payload closed 999)")" 200 "unknown issue number: 200"
like "$(sb_log)" 'issue #999, which no task is linked to' "and a log line"
is "$(wh ping d-5 "$(cat "$EX/ping_payload.json")")" 200 "ping: 200"
r=$(python3 - "$SB_URL/webhook/github" "$FAKE_GITHUB_URL/_webhook" "$GITHUB_WEBHOOK_SECRET" "$(issue_payload reopened 2)" <<'PY'
import json, sys, urllib.request
url, fake, secret, payload = sys.argv[1:5]
req = {"url": url, "event": "issues", "delivery": "d-form", "payload": json.loads(payload), "secret": secret,
       "content_type": "application/x-www-form-urlencoded"}
r = urllib.request.urlopen(urllib.request.Request(fake, data=json.dumps(req).encode(),
                           headers={"Content-Type": "application/json"}))
print(json.load(r)["status"])
PY
)
is "$r" 200 "a form-encoded delivery (payload=...) is verified over the whole body"
# The documented vector: exact file bytes and their published signature.
sig=$(python3 -c 'import json,sys; print([v for v in json.load(open(sys.argv[1]))["vectors"] if v["file"]=="ping_payload.json"][0]["x_hub_signature_256"])' "$EX/signatures.json")
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: ping' \
    -H 'X-GitHub-Delivery: d-vector' -H "X-Hub-Signature-256: $sig" --data-binary "@$EX/ping_payload.json" "$SB_URL/webhook/github")
is "$r" 200 "the signatures.json vector verifies over the raw body"
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: ping' \
    -H 'X-GitHub-Delivery: d-vector2' -H "X-Hub-Signature-256: $sig" --data-binary "@$EX/issues_opened.payload.json" "$SB_URL/webhook/github")
is "$r" 403 "a signature for other bytes is refused"
is "$(sql "SELECT count(*) FROM github_deliveries")" 7 "each accepted delivery recorded once"
done_testing
