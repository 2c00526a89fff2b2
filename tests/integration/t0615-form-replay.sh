#!/usr/bin/env bash
# t0615-form-replay: every form that changes something is done once.  The
# list of forms is read from the route table (fcgi/routes.c): every POST
# route with R_CSRF, plus the signed-in POST routes that parse their own
# body (R_LOGIN with R_RAW_BODY: the multipart document upload).  Each is
# filled in on the page that shows it, as a browser would (tests/
# form_submit.py), and posted twice with the same form token, the second
# exactly as the first (a double click, the back button and send again):
# the first has an effect, the second changes nothing in the database and
# is sent where the first went with a page saying "This form was already
# submitted; nothing was done twice."  (Signing out and changing one's
# own password end the session, so their repeat lands on the sign-in
# page, also without a second effect.)  A route in the table without a
# case here fails the test: a new form must come with its replay check.
# Also: a refused submit (422) can be corrected and sent with the same
# token; a form posted without _form (a script) is not affected.
. "$(dirname "$0")/../lib.sh"
# GitHub "configured" (so an issue can be retried) but unreachable: the
# worker below runs without the token, nothing leaves the machine.
export GITHUB_TOKEN=ghp_sweep_0123456789 GITHUB_REPO=acme/widgets GITHUB_API_BASE=http://127.0.0.1:9 GITHUB_TIMEOUT_MS=200
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
sb_user agent 'agent-password-1'
sb_user zed 'zed-password-1'
sb_user pat 'pat-password-1'
ADMIN_ID=$(sql "SELECT id FROM users WHERE login='admin'")
AGENT_ID=$(sql "SELECT id FROM users WHERE login='agent'")
ZED_ID=$(sql "SELECT id FROM users WHERE login='zed'")
drain() {
    for _ in $(seq 60); do
        GITHUB_TOKEN= "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
        [ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued','running') AND run_at <= strftime('%s','now')*1000")" = 0 ] && return 0
    done
}

# ---- the routes, from the route table -----------------------------------------
ROUTES=$(sed -n 's/^[[:space:]]*{"POST", "\([^"]*\)", h_[a-z_]*, \([^}]*\)},.*/\1 \2/p' "$SB_ROOT/fcgi/routes.c" |
         awk '/R_CSRF/ || (/R_LOGIN/ && /R_RAW_BODY/) {print $1}')
[ "$(printf '%s\n' "$ROUTES" | grep -c .)" -ge 30 ]
ok $? "the route table lists the forms ($(printf '%s\n' "$ROUTES" | grep -c .) POST routes)"

# The order matters (a user is disabled before being enabled, signing out
# comes last); every route of the table must be here, and only those.
ORDER="/clients /clients/:id /clients/:id/summary /clients/:id/message /clients/:id/proposals /rules
/jobs/:id/retry /jobs/:id/cancel /simulator /users/new /users/:id/disable /users/:id/enable /users/:id/password
/users/:id/locks/clear /users/locks/clear /users/:id/clients /users/:id/clients/:client/detach /tasks/:id/reply /tasks/:id/status /tasks/:id/classify
/tasks/:id/assign /messages/:id/approve /messages/:id/reject /review/batch /reports/shares
/reports/shares/:id/revoke /documents /documents/:id/delete /github/issues/:task/retry /github/owners
/github/owners/:id/delete /proposals/:id/edit /proposals/:id/revise /proposals/:id/sms /proposals/:id/decide
/account/password /logout"
for r in $ROUTES; do
    printf '%s\n' $ORDER | grep -qxF -- "$r"
    ok $? "$r has a replay case in this test"
done
for r in $ORDER; do
    printf '%s\n' "$ROUTES" | grep -qxF -- "$r"
    ok $? "$r (a case here) is a form route of the table"
done

# ---- data made by the real flow --------------------------------------------------
sms +14155550101 "Hi, I'm Dana Scully from Acme Corp. Where is my invoice for March? You can email dana@acme.example"
sms +14155550102 "Where can I see my invoices?"
sms +14155550103 "Could you add a dark mode to the dashboard? We need it before the launch next month. It must work on phones too."
sms +14155550104 "How do I download my invoices as PDF?"
sms +14155550105 "Where can I update my billing address for invoices?"
drain
A=$(sql "SELECT id FROM clients WHERE phone='+14155550101'")
B=$(sql "SELECT id FROM clients WHERE phone='+14155550102'")
task_of() { sql "SELECT id FROM tasks WHERE client_id=(SELECT id FROM clients WHERE phone='$1') ORDER BY id LIMIT 1"; }
draft_of() { sql "SELECT id FROM messages WHERE task_id=$1 AND status='draft' ORDER BY id DESC LIMIT 1"; }
T1=$(task_of +14155550101); T2=$(task_of +14155550102); T4=$(task_of +14155550104); T5=$(task_of +14155550105)
D1=$(draft_of "$T1"); D4=$(draft_of "$T4"); D5=$(draft_of "$T5")
PRD=$(sql "SELECT id FROM proposals WHERE kind='prd_review' AND status='pending' LIMIT 1")
like "$A|$B|$T1|$T2|$D1|$D4|$D5|$PRD" '^[0-9]+(\|[0-9]+){7}$' "clients, tasks, AI drafts and a PRD to work on"
sql "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, last_error, client_id, created_at, updated_at)
     VALUES ('send', '{\"message_id\":999}', 'dead', 8, 8, 0, 'gave up', $A, 0, 0)"
JOB=$(sql "SELECT max(id) FROM jobs WHERE state='dead'")
sql "INSERT INTO github_issues (task_id, client_id, state, title, body, created_at, updated_at)
     VALUES ($T4, (SELECT client_id FROM tasks WHERE id=$T4), 'pending', 'Invoices as PDF', 'body', 0, 0)"
printf 'Minutes of the kickoff.\n' > "$SB_TMP/minutes.txt"
# Sign-in locks to clear: zed from one address, and one address for every login.
now_ms=$(($(date +%s) * 1000))
for i in 1 2 3 4 5; do
    sql "INSERT INTO login_attempts (login, addr, ok, created_at) VALUES ('zed', '10.9.9.9', 0, $now_ms)"
done
for i in $(seq 20); do
    sql "INSERT INTO login_attempts (login, addr, ok, created_at) VALUES ('guess$i', '10.8.8.8', 0, $now_ms)"
done

# ---- the sweep --------------------------------------------------------------------
TABLES=$(sql "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'
              AND name NOT IN ('form_submissions', 'shown_once', 'sessions', 'login_attempts') ORDER BY name")
FPSQL=$SB_TMP/fingerprint.sql
: > "$FPSQL"
for t in $TABLES; do echo "SELECT '== $t'; SELECT * FROM \"$t\";" >> "$FPSQL"; done
# sessions without their idle timer, which a page view may refresh
echo "SELECT '== sessions'; SELECT id_hash, user_id, csrf_token FROM sessions ORDER BY id_hash;" >> "$FPSQL"
fingerprint() { sql < "$FPSQL" | md5sum | cut -d' ' -f1; }
# the first's location with again=1 (before any #fragment)
again_of() {
    local loc=$1 frag=""
    case $loc in *'#'*) frag="#${loc#*#}"; loc=${loc%%#*} ;; esac
    case $loc in *'?'*) echo "$loc&again=1$frag" ;; *) echo "$loc?again=1$frag" ;; esac
}
# (the system's python3 when there is one: a version manager's shim starts slowly)
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
submit() { "$PY" "$SB_ROOT/tests/form_submit.py" --base "$SB_URL" --jar "$SB_JAR" "$@" 2>>"$SB_TMP/submit.err"; }

# one PATTERN PAGE ACTION [form_submit.py options]: fill in ACTION's form on
# PAGE, post it, post it again; check the second had no effect and said so.
SESSION_ENDS=""
one() {
    local pattern=$1 page=$2 action=$3; shift 3
    local f0 f1 f2 r1 r2 st1 loc1 want body
    f0=$(fingerprint)
    rm -f "$SB_TMP/saved.json"
    r1=$(submit --page "$page" --action "$action" --save "$SB_TMP/saved.json" "$@")
    f1=$(fingerprint)
    r2=$(submit --replay "$SB_TMP/saved.json")
    f2=$(fingerprint)
    st1=${r1%% *}; loc1=${r1#* }
    is "$st1" 303 "$pattern: the form on $page is accepted"
    [ "$f1" != "$f0" ]
    ok $? "$pattern: the first submit has an effect"
    is "$f2" "$f1" "$pattern: the second, with the same form token, changes nothing"
    if [ -n "$SESSION_ENDS" ]; then
        is "$r2" "303 /login?next=%2F" "$pattern: the second finds the session ended (sign-in page)"
        return
    fi
    want="303 $(again_of "$loc1")"
    is "$r2" "$want" "$pattern: the second is sent where the first went"
    body=$(body_of "$(http GET "${want#303 }")")
    like "$body" 'This form was already submitted; nothing was done twice\.' "$pattern: and the page says so"
}

is "$(sb_login admin 'admin-password-1')" 303 "admin signs in"
use_jar admin
for r in $ORDER; do
    case $r in
    /clients) one "$r" /clients/new /clients --set name="Sweep Person" --set phone="+1 415 555 0199" ;;
    /clients/:id) one "$r" "/clients/$B" "/clients/$B" --set name="Bea Renamed" ;;
    /clients/:id/summary) one "$r" "/clients/$B" "/clients/$B/summary" --set summary="Asks about invoices." ;;
    /clients/:id/message) one "$r" "/clients/$B" "/clients/$B/message" --set body="Your invoice is on its way." ;;
    /clients/:id/proposals) one "$r" "/clients/$A" "/clients/$A/proposals" --button action=accept_batch ;;
    /rules) one "$r" /rules /rules --set threshold=0.65 ;;
    /jobs/:id/retry) one "$r" "/jobs?state=dead" "/jobs/$JOB/retry" ;;
    /jobs/:id/cancel) one "$r" "/jobs?state=failed" "/jobs/$JOB/cancel" ;;
    /simulator) one "$r" /simulator /simulator --set from="+14155550177" --set body="Is the office open on Friday?" ;;
    /users/new) one "$r" /users/new /users/new --set login=newbie --set name="New Bie" ;;
    /users/:id/disable) one "$r" "/users/$ZED_ID" "/users/$ZED_ID/disable" ;;
    /users/:id/enable) one "$r" "/users/$ZED_ID" "/users/$ZED_ID/enable" ;;
    /users/:id/password) one "$r" "/users/$ZED_ID" "/users/$ZED_ID/password" ;;
    /users/:id/locks/clear) one "$r" "/users/$ZED_ID" "/users/$ZED_ID/locks/clear" --set addr=10.9.9.9 ;;
    /users/locks/clear) one "$r" /users /users/locks/clear --set addr=10.8.8.8 ;;
    /users/:id/clients) one "$r" "/users/$AGENT_ID" "/users/$AGENT_ID/clients" --set client_id="$A" ;;
    /users/:id/clients/:client/detach) one "$r" "/users/$AGENT_ID" "/users/$AGENT_ID/clients/$A/detach" ;;
    /tasks/:id/reply) one "$r" "/tasks/$T2" "/tasks/$T2/reply" --set body="The invoices are under Billing." ;;
    /tasks/:id/status) one "$r" "/tasks/$T2" "/tasks/$T2/status" --set status=closed ;;
    /tasks/:id/classify) one "$r" "/tasks/$T2" "/tasks/$T2/classify" --set urgency=urgent ;;
    /tasks/:id/assign) one "$r" "/tasks/$T2" "/tasks/$T2/assign" --set assignee="$ADMIN_ID" ;;
    /messages/:id/approve) one "$r" "/tasks/$T1" "/messages/$D1/approve" ;;
    /messages/:id/reject) one "$r" "/tasks/$T4" "/messages/$D4/reject" ;;
    /review/batch) one "$r" /review /review/batch --check id="$D5" ;;
    /reports/shares) one "$r" /reports/shares /reports/shares --set client_id="$A" --set label="for Dana" ;;
    /reports/shares/:id/revoke)
        S=$(sql "SELECT max(id) FROM report_shares")
        one "$r" /reports/shares "/reports/shares/$S/revoke" ;;
    /documents) one "$r" "/documents/new?client=$A" /documents --file file="$SB_TMP/minutes.txt" --set description="Kickoff" ;;
    /documents/:id/delete)
        DOC=$(sql "SELECT max(id) FROM documents")
        one "$r" "/documents/$DOC" "/documents/$DOC/delete" ;;
    /github/issues/:task/retry) one "$r" /github "/github/issues/$T4/retry" ;;
    /github/owners) one "$r" /github/owners /github/owners --set pattern=invoice --set login=octocat ;;
    /github/owners/:id/delete)
        OW=$(sql "SELECT max(id) FROM owner_rules")
        one "$r" /github/owners "/github/owners/$OW/delete" ;;
    /proposals/:id/edit) one "$r" "/proposals/$PRD" "/proposals/$PRD/edit" --set markdown="# Dark mode
Edited by a person." ;;
    /proposals/:id/revise) one "$r" "/proposals/$PRD" "/proposals/$PRD/revise" --set feedback="Say more about phones." ;;
    /proposals/:id/sms) one "$r" "/proposals/$PRD" "/proposals/$PRD/sms" --set body="Here is the plan for dark mode." ;;
    /proposals/:id/decide) one "$r" "/proposals/$PRD" "/proposals/$PRD/decide" --button action=accept ;;
    /account/password)
        is "$(sb_login pat 'pat-password-1')" 303 "pat signs in"
        use_jar pat
        SESSION_ENDS=1
        one "$r" /account/password /account/password --set current=pat-password-1 --set password=pat-chosen-pw-2 \
            --set confirm=pat-chosen-pw-2
        SESSION_ENDS=""
        use_jar admin ;;
    /logout) SESSION_ENDS=1; one "$r" /tasks /logout; SESSION_ENDS="" ;;
    *) ok 1 "$r: no case" ;;
    esac
done
[ -s "$SB_TMP/submit.err" ] && diag "form_submit.py: $(head -c 600 "$SB_TMP/submit.err")"

# ---- refused, corrected, sent with the same token ----------------------------------
is "$(sb_login admin 'admin-password-1')" 303 "admin signs in again"
use_jar admin
n=$(sql "SELECT count(*) FROM clients")
r=$(submit --page /clients/new --action /clients --set name="Cora" --set phone="call me" --save "$SB_TMP/bad.json")
is "${r%% *}" 422 "a form with a bad field is refused"
"$PY" - "$SB_TMP/bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d['fields'] = [[k, '+14155550166' if k == 'phone' else v] for k, v in d['fields']]
json.dump(d, open(sys.argv[1], 'w'))
EOF
r=$(submit --replay "$SB_TMP/bad.json")
is "${r%% *}" 303 "corrected, the same form (same token) goes through"
is "$(sql "SELECT count(*) FROM clients")" $((n + 1)) "and makes the client once"
r=$(submit --replay "$SB_TMP/bad.json")
like "$r" '^303 .*again=1' "sent once more: already submitted"
is "$(sql "SELECT count(*) FROM clients")" $((n + 1)) "still one"

# ---- scripts without a form token are not affected --------------------------------------
T=$(csrf_of /clients)
for i in 1 2; do
    http POST "/tasks/$T2/reply" --data-urlencode "_csrf=$T" --data-urlencode "body=Scripted reply" >/dev/null
done
is "$(sql "SELECT count(*) FROM messages WHERE task_id=$T2 AND body='Scripted reply'")" 2 \
   "two POSTs without _form: two replies, as before"
is "$(sql "SELECT count(*) FROM form_submissions WHERE path='/tasks/$T2/reply'")" 1 "and no submission kept for them"
done_testing
