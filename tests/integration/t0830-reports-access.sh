#!/usr/bin/env bash
# t0830-reports-access: /reports/ through the real lighttpd and program.
# Admins see the overview and every report; an agent sees only the
# reports of clients they are attached to (404 for the others, 403 for
# the overview); no path escapes the whitelist; files go out through
# X-Sendfile (lighttpd) or are streamed by the program
# (SWITCHBOARD_SENDFILE=0) with the same bytes; an admin's share link
# opens one client's report without an account and stops working when
# revoked.
. "$(dirname "$0")/../lib.sh"
sb_env
[ -x "$SB_GEN" ] || skip_all "no switchboard-gen in $(dirname "$SB_GEN")"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
"$SB_BIN" seed-demo --clients 3 --tasks 30 --events 330 --end 1790000000000 --seed 2 >/dev/null
SITE=$SWITCHBOARD_DATA/site
"$SB_GEN" --quiet
ok $? "site built in \$SWITCHBOARD_DATA/site"
sb_user admin admin-password-1 --admin
sb_user agent agent-password-1
"$SB_BIN" user attach agent 1 >/dev/null 2>&1 || sql "INSERT INTO client_members (user_id, client_id) SELECT id, 1 FROM users WHERE login = 'agent'"
t1=$(sql "SELECT min(id) FROM tasks WHERE client_id = 1")
t2=$(sql "SELECT min(id) FROM tasks WHERE client_id = 2")
name2=$(sql "SELECT name FROM clients WHERE id = 2")

# Not signed in: to the login page.
r=$(http GET /reports/clients/1/)
is "$(status_of "$r")" 303 "anonymous: redirected"
like "$(header Location)" '^/login' "to the login page"

is "$(sb_login admin admin-password-1)" 303 "admin signs in"
use_jar admin
r=$(http GET /reports/)
is "$(status_of "$r")" 200 "admin: the overview"
like "$(body_of "$r")" 'Overview of the desk' "it is the overview page"
is "$(header Content-Length)" "$(stat -c %s "$SITE/index.html")" "the whole file"
like "$(header Content-Type)" 'text/html' "as HTML"
like "$(header Content-Security-Policy)" "default-src 'none'" "with the security headers"
is "$(header X-Sendfile)" "" "the X-Sendfile header stays between the program and lighttpd"
is "$(status_of "$(http GET /reports)")" 303 "/reports redirects to /reports/"
r=$(http GET /reports/usage.csv)
is "$(status_of "$r")" 200 "admin: the overview's usage.csv"
like "$(header Content-Disposition)" 'attachment' "as a download"
r=$(http GET /reports/clients/2/)
is "$(status_of "$r")" 200 "admin: any client's report"
like "$(body_of "$r")" "$name2" "client 2's report"
is "$(status_of "$(http GET /reports/clients/2)")" 303 "the report without its slash redirects"
r=$(http GET "/reports/clients/2/tasks/$t2.html")
is "$(status_of "$r")" 200 "admin: a task timeline"
like "$(body_of "$r")" "Task #$t2" "the right task"
r=$(http GET /reports/clients/2/feed.atom)
like "$(header Content-Type)" 'application/atom\+xml' "the feed's type"
r=$(http GET /reports/clients/2/tasks.csv)
like "$(header Content-Type)" 'text/csv' "CSV's type"
like "$(header Content-Disposition)" 'filename="client-2-tasks.csv"' "CSV downloads with a name"
csv_rows=$(body_of "$r" | python3 -c 'import csv, sys; r = list(csv.reader(sys.stdin)); print(r[0][0], len(r) - 1, len({x[0] for x in r[1:]}))')
is "$csv_rows" "task_id $(sql "SELECT count(*) FROM tasks WHERE client_id = 2") $(sql "SELECT count(*) FROM tasks WHERE client_id = 2")" \
    "tasks.csv: one header, then every task of the client once (its months put together)"
month=$(sql "SELECT strftime('%Y-%m', min(created_at) / 1000, 'unixepoch') FROM tasks WHERE client_id = 2")
r=$(http GET "/reports/clients/2/tasks-$month.html")
is "$(status_of "$r")" 200 "a month of the task list"
like "$(body_of "$r")" "Tasks opened in" "the month's page"
r=$(http GET "/reports/clients/2/tasks-$month.csv")
like "$(header Content-Disposition)" "filename=\"client-2-tasks-$month.csv\"" "a month's CSV downloads with a name"
is "$(status_of "$(http HEAD /reports/clients/2/index.html -I)")" 200 "HEAD works"

# Paths outside the whitelist.
for p in "/reports/clients/1/..%2F..%2F.gen%2Fstate" "/reports/clients/1/tasks/..%2F..%2Findex.html" \
         "/reports/clients/1/.gen" "/reports/clients/1/tasks/$t1.html.bak" "/reports/clients/1/tasks/0$t1.html" \
         "/reports/clients/1/tasks/-1.html" "/reports/clients/1/%2e%2e/2/index.html" "/reports/clients/1%2F..%2F2/" \
         "/reports/clients/01/" "/reports/clients/1/index.HTML" "/reports/.gen/state" "/reports/v" \
         "/reports/clients/1/tasks-2026-1.html" "/reports/clients/1/tasks-2026-01.htm" "/reports/clients/1/tasks-..-01.csv" \
         "/reports/clients/1/tasks/$t2.html" "/reports/clients/99/" "/reports/share/..%2Fclients/"; do
    s=$(status_of "$(http GET "$p")")
    case $s in 404|400|403) ok 0 "refused: $p ($s)" ;; *) ok 1 "refused: $p (got $s)" ;; esac
done
unlike "$(body_of "$(http GET "/reports/clients/1/tasks/$t2.html")")" "Task #$t2" "another client's task page is not reachable through client 1"

# An agent: their client only.
is "$(sb_login agent agent-password-1)" 303 "agent signs in"
use_jar agent
r=$(http GET /reports/)
is "$(status_of "$r")" 200 "agent: /reports/ answers"
like "$(body_of "$r")" 'href="/reports/clients/1/"' "listing their client's report"
unlike "$(body_of "$r")" 'Overview of the desk|/reports/clients/2/' "not the overview, not other clients"
is "$(status_of "$(http GET /reports/clients/1/)")" 200 "agent: their client's report"
is "$(status_of "$(http GET "/reports/clients/1/tasks/$t1.html")")" 200 "agent: their client's task page"
r=$(http GET /reports/clients/2/)
is "$(status_of "$r")" 404 "agent: another client's report is 404"
unlike "$(body_of "$r")" "$name2" "and says nothing about it"
is "$(status_of "$(http GET "/reports/clients/2/tasks/$t2.html")")" 404 "agent: another client's task page is 404"
is "$(status_of "$(http GET /reports/clients/2/tasks.csv)")" 404 "agent: another client's CSV is 404"
is "$(status_of "$(http GET /reports/index.html)")" 403 "agent: the overview is 403"
is "$(status_of "$(http GET /reports/usage.csv)")" 403 "agent: the desk's usage is 403"
is "$(status_of "$(http GET /reports/shares)")" 403 "agent: share links are 403"

# Share links.
use_jar admin
csrf=$(csrf_of /reports/shares)
r=$(http POST /reports/shares --data-urlencode "client_id=2" --data-urlencode "label=for the client" --data-urlencode "_csrf=$csrf")
is "$(status_of "$r")" 303 "admin makes a share link"
show=$(header Location)
like "$show" '^/reports/shares\?done=created&link=[0-9]+&secret=[0-9]+$' "and is sent to the list (the link is not in the URL)"
link=$(body_of "$(http GET "$show")" | grep -o 'http://[^<]*/reports/share/[0-9a-f]*/' | head -1)
like "$link" '/reports/share/[0-9a-f]{64}/$' "the link is shown there"
again=$(body_of "$(http GET "$show")")
unlike "$again" '/reports/share/[0-9a-f]{64}/' "once: reloading does not show it again"
like "$again" 'New link not shown again' "and says so"
token=${link##*/share/}; token=${token%/}
is "$(sql "SELECT count(*) FROM report_shares WHERE token_hash = '$token'")" 0 "only a hash of the token is stored"
is "$(sql "SELECT count(*) FROM events WHERE event_type = 'report_share_created' AND client_id = 2")" 1 "event report_share_created"
r=$(http POST /reports/shares --data-urlencode "client_id=2" --data-urlencode "_csrf=bad")
is "$(status_of "$r")" 403 "making a link needs the CSRF token"
SB_JAR=""
r=$(http GET "/reports/share/$token/")
is "$(status_of "$r")" 200 "anyone with the link: client 2's report"
like "$(body_of "$r")" "$name2" "the right report"
is "$(status_of "$(http GET "/reports/share/$token/tasks/$t2.html")")" 200 "its task pages"
is "$(status_of "$(http GET "/reports/share/$token/tasks.csv")")" 200 "its CSV"
is "$(status_of "$(http GET "/reports/share/$token/tasks/$t1.html")")" 404 "not another client's task"
is "$(status_of "$(http GET "/reports/share/$token")")" 303 "the link without its slash redirects"
# Client-safe by default: no AI share, no cost, no internal actors or
# decisions, in any file the link opens.
page=$(body_of "$(http GET "/reports/share/$token/")")
for w in 'Replies by the AI' 'Estimated LLM cost' 'AI and people' 'Review of AI drafts' 'Classifier' \
         'Language model usage' 'usage.csv' 'feed.atom'; do
    unlike "$page" "$w" "the share report has no \"$w\""
done
like "$page" 'Median first response' "but has the client's figures"
staff=$(curl -s -b "$SB_TMP/jar-admin" "$SB_URL/reports/clients/2/")
like "$staff" 'Replies by the AI' "the staff report keeps the internal figures"
like "$staff" 'Estimated LLM cost' "and the cost"
task=$(body_of "$(http GET "/reports/share/$token/tasks/$t2.html")")
like "$task" "Task #$t2" "the share's task page"
for w in 'Draft' 'Proposal' 'Classified' 'routed to' 'AI route' 'handled by a person' 'Summary' 'r-actor' 'by the AI' 'by a person'; do
    unlike "$task" "$w" "the share's timeline has no \"$w\""
done
like "$task" 'Message received' "the share's timeline has the messages"
stask=$(curl -s -b "$SB_TMP/jar-admin" "$SB_URL/reports/clients/2/tasks/$t2.html")
like "$stask" 'r-actor' "the staff timeline keeps the actors"
like "$stask" 'Classified' "and the internal events"
is "$(status_of "$(http GET "/reports/share/$token/usage.csv")")" 404 "the share has no usage.csv"
is "$(status_of "$(http GET "/reports/share/$token/feed.atom")")" 404 "nor the feed"
head_safe=$(body_of "$(http GET "/reports/share/$token/tasks.csv")" | head -n1 | tr -d '\r')
is "$head_safe" "task_id,title,type,urgency,status,opened_at,first_inbound_at,first_response_at,first_response_seconds,sla_target_seconds,sla,closed_at,resolution_seconds,reopened,messages_in,replies_sent,timeline" \
   "the share's tasks.csv has the client-safe columns"
csv_safe=$(body_of "$(http GET "/reports/share/$token/tasks.csv")" | python3 -c 'import csv, sys; r = list(csv.reader(sys.stdin)); print(len(r) - 1)')
is "$csv_safe" "$(sql "SELECT count(*) FROM tasks WHERE client_id = 2")" "with every task of the client"
r=$(http GET "/reports/share/$token/tasks-$month.csv")
is "$(status_of "$r")" 200 "a month's CSV through the share"
unlike "$(body_of "$r" | head -n1)" 'ai_replies|route|drafts' "with the client-safe columns"
# (another last character: replacing it with a fixed one would, now and
# then, give the token back unchanged)
case $token in *0) wrong=${token%?}1 ;; *) wrong=${token%?}0 ;; esac
is "$(status_of "$(http GET "/reports/share/$wrong/")")" 404 "a wrong token is 404"
is "$(status_of "$(http GET "/reports/share/nothex/")")" 404 "a malformed token is 404"
is "$(status_of "$(http GET /reports/)")" 303 "the link does not open anything else"
use_jar admin
id=$(sql "SELECT id FROM report_shares WHERE client_id = 2 ORDER BY id DESC LIMIT 1")
like "$(body_of "$(http GET /reports/shares)")" "for the client" "the admin page lists the link"
r=$(http POST "/reports/shares/$id/revoke" --data-urlencode "_csrf=$(csrf_of /reports/shares)")
is "$(status_of "$r")" 303 "admin revokes it"
SB_JAR=""
is "$(status_of "$(http GET "/reports/share/$token/")")" 404 "a revoked link stops working"
is "$(status_of "$(http GET "/reports/share/$token/tasks/$t2.html")")" 404 "for every page"
use_jar admin
is "$(status_of "$(http POST /reports/shares/999/revoke --data-urlencode "_csrf=$(csrf_of /reports/shares)")")" 404 "revoking an unknown link is 404"
r=$(http POST /reports/shares --data-urlencode "client_id=424242" --data-urlencode "_csrf=$(csrf_of /reports/shares)")
is "$(status_of "$r")" 422 "a link for a client that does not exist is refused"

# An admin may include the internal figures when making the link.
r=$(http POST /reports/shares --data-urlencode "client_id=2" --data-urlencode "internal=1" --data-urlencode "_csrf=$(csrf_of /reports/shares)")
is "$(status_of "$r")" 303 "admin makes a link with the internal figures"
full=$(body_of "$(http GET "$(header Location)")" | grep -o 'http://[^<]*/reports/share/[0-9a-f]*/' | head -1)
full=${full##*/share/}; full=${full%/}
is "$(sql "SELECT json_extract(details, '\$.internal') FROM events WHERE event_type = 'report_share_created' ORDER BY id DESC LIMIT 1")" 1 \
   "the choice is kept with the link's event"
like "$(body_of "$(http GET /reports/shares)")" 'Internal figures too' "the admin page says which links show them"
SB_JAR=""
page=$(body_of "$(http GET "/reports/share/$full/")")
like "$page" 'Replies by the AI' "that link shows the AI share"
like "$page" 'Estimated LLM cost' "and the cost"
like "$(body_of "$(http GET "/reports/share/$full/tasks/$t2.html")")" 'r-actor' "and the full timeline"
is "$(status_of "$(http GET "/reports/share/$full/usage.csv")")" 200 "and usage.csv"
use_jar admin

# The same bytes when the program streams the files itself.
curl -s -b "$SB_TMP/jar-admin" "$SB_URL/reports/clients/2/index.html" > "$SB_TMP/via-sendfile"
cmp -s "$SB_TMP/via-sendfile" "$(readlink -f "$SITE/clients/2")/index.html"
ok $? "X-Sendfile: the file's bytes"
sb_stop_keep() { kill "$SB_LIGHTTPD_PID" 2>/dev/null; wait "$SB_LIGHTTPD_PID" 2>/dev/null; SB_LIGHTTPD_PID=""; sleep 0.2; }
sb_stop_keep
export SWITCHBOARD_SENDFILE=0
sb_start || { ok 1 "server restarts"; done_testing; }
is "$(sb_login admin admin-password-1)" 303 "admin signs in again"
use_jar admin
r=$(http GET /reports/clients/2/index.html)
is "$(status_of "$r")" 200 "streamed by the program"
cmp -s "$SB_TMP/body" "$SB_TMP/via-sendfile"
ok $? "the same bytes as with X-Sendfile"
is "$(header Content-Length)" "$(stat -c %s "$SB_TMP/via-sendfile")" "with its length"
is "$(status_of "$(http GET "/reports/clients/1/tasks/$t1.html")")" 200 "task pages too"
is "$(status_of "$(http GET "/reports/clients/1/..%2F..%2F.gen%2Fstate")")" 404 "and the same refusals"
unset SWITCHBOARD_SENDFILE

# Before a site exists: a clear 404.
rm -rf "$SITE"
r=$(http GET /reports/clients/1/)
is "$(status_of "$r")" 404 "no site yet: 404"
like "$(body_of "$r")" "rebuilt every minute" "saying reports are rebuilt every minute"

done_testing
