#!/usr/bin/env bash
# t1200-security: the hostile-input list, walked against the real server.
#
#  * SQL injection in every parameter of every route (routes read from
#    fcgi/routes.c): query strings, form fields, JSON fields, path ids.
#    Never a 5xx; a GET changes nothing in the database (checksum of the
#    tables' contents before and after); text fields keep the payload as
#    data, byte for byte.
#  * HTML and attribute injection in every displayed field (client name,
#    company, summary, message bodies, task title, document description and
#    file name, share label, owner rule, login): every admin page shows it
#    escaped, never a raw <script or "onmouseover.
#  * Path traversal: /static/, /reports/ (site and client and share paths),
#    documents (upload names, ids), the git endpoints, %2e%2e forms.
#  * CSRF: every POST route without its token, or with a wrong one, is 403
#    and the database is unchanged.
#  * Session fixation: a cookie set before signing in is not the session
#    after it.
#  * Oversized inputs: bodies, fields, query strings, JSON nesting.
#  * Slow requests: clients trickling bodies do not stop /health answering.
#  * Forged webhooks: Twilio and GitHub signatures missing, wrong, replayed
#    over an altered body.
#  * Cross-client access by id: an agent gets 404 on every id-taking page,
#    action and API route for a client he is not attached to, and nothing
#    changes.
. "$(dirname "$0")/../lib.sh"
sb_env
export GITHUB_WEBHOOK_SECRET=gh-hook-secret-0123
sb_start 2 || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }

sb_user root 'root-password-123' --admin
sb_user agent 'agent-password-12'
sb_user spare 'spare-password-12'
OP=$("$SB_BIN" token add op-tok 2>/dev/null)
AG=$("$SB_BIN" token add agent-tok --user agent 2>/dev/null)
A=+14155550100 B=+14155550199
"$SB_BIN" simulate-sms --from $A --body 'The checkout page is broken, please help' --url "$SB_URL" >/dev/null
"$SB_BIN" simulate-sms --from $B --body 'Could you add a dark mode to the dashboard?' --url "$SB_URL" >/dev/null
for _ in 1 2 3; do "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; done
CA=$(sql "SELECT id FROM clients WHERE phone = '$A'")
CB=$(sql "SELECT id FROM clients WHERE phone = '$B'")
TA=$(sql "SELECT id FROM tasks WHERE client_id = $CA LIMIT 1")
TB=$(sql "SELECT id FROM tasks WHERE client_id = $CB LIMIT 1")
"$SB_BIN" user attach agent "$CA" >/dev/null
printf 'hello\n' > "$SB_TMP/a.txt"
up() { curl -s -H "Authorization: Bearer $OP" -F "file=@$SB_TMP/a.txt;type=text/plain;filename=$2" -F "client_id=$1" "$SB_URL/api/documents/upload" |
       python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
DA=$(up "$CA" a.txt)
DB=$(up "$CB" b.txt)
DS=$(up "$CA" spare.txt)
curl -s -o /dev/null -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' \
    -d "{\"client_id\":$CB,\"task_id\":$TB,\"body\":\"to Beta\"}" "$SB_URL/api/messages/send"
MB=$(sql "SELECT id FROM messages WHERE client_id = $CB AND direction = 'out' LIMIT 1")
MA=$(sql "SELECT id FROM messages WHERE client_id = $CA LIMIT 1")
PA=$(sql "SELECT id FROM proposals WHERE client_id = $CA LIMIT 1")
PB=$(sql "SELECT id FROM proposals WHERE client_id = $CB LIMIT 1")
JOB=$(sql "SELECT id FROM jobs ORDER BY id DESC LIMIT 1")
SPARE=$(sql "SELECT id FROM users WHERE login = 'spare'")
AGENT=$(sql "SELECT id FROM users WHERE login = 'agent'")
ok $([ -n "$CA" ] && [ -n "$CB" ] && [ -n "$TA" ] && [ -n "$TB" ] && [ -n "$DA" ] && [ -n "$DB" ] && [ -n "$MB" ] && [ -n "$JOB" ] && [ -n "$PA" ] && [ -n "$PB" ]; echo $?) \
   "fixture: two clients with tasks, messages, documents, proposals and jobs"
is "$(sb_login root root-password-123)" 303 "admin signs in"
ROOT_JAR=$SB_TMP/jar-root
use_jar root
CSRF=$(csrf_of /)
is "$(sb_login agent agent-password-12)" 303 "agent signs in"
AGENT_JAR=$SB_TMP/jar-agent
use_jar agent
AGENT_CSRF=$(csrf_of /)
cookie_of() { awk '$6 == "sb_session" {print $7}' "$1" | tail -n1; }

# checksum: every table's contents, except the bookkeeping a read may
# touch (sessions' last-seen, tokens' last-used, login attempts).
checksum() {
    local t out=""
    for t in $(sql "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    AND name NOT IN ('sessions', 'api_tokens', 'login_attempts') ORDER BY name"); do
        out+="$t:$(sql "SELECT * FROM \"$t\"" | sort | sha1sum)"
    done
    printf '%s' "$out" | sha1sum | cut -c1-40
}

# The driver: walks routes with many requests over keep-alive connections
# and prints one line per finding, then "requests N".
cat > "$SB_TMP/drive.py" <<'PY'
import http.client, json, os, re, sys, urllib.parse
U = urllib.parse.urlparse(os.environ["SB_URL"])
E = os.environ
conn = [None]
def req(method, path, body=None, headers=None):
    h = dict(headers or {})
    for _ in range(3):
        try:
            if conn[0] is None:
                conn[0] = http.client.HTTPConnection(U.hostname, U.port, timeout=60)
            conn[0].request(method, path, body=body, headers=h)
            r = conn[0].getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn[0].close(); conn[0] = None
            return r.status, data
        except (http.client.HTTPException, ConnectionError, OSError):
            conn[0] = None
    return 0, b""
def routes():
    out = []
    for m, p, flags in re.findall(r'\{"([A-Z]+)", "([^"]+)", \w+, ([^}]*)\}', open(E["ROUTES"]).read()):
        out.append((m, p, flags))
    return out
SQLI = ["' OR '1'='1", "1; DROP TABLE clients;--", "1 UNION SELECT login, password_hash FROM users--",
        "\" OR 1=1 --", "%' AND 1=0 UNION SELECT sqlite_version()--"]
QPARAMS = ["q", "status", "type", "urgency", "client", "client_id", "task_id", "event_id", "before", "after",
           "state", "limit", "cursor", "since", "direction", "event_type", "from", "to", "uploaded_by",
           "deleted", "assignee", "label", "version", "n", "return", "done", "inline", "next", "sort", "page",
           "service", "id", "document", "message_id", "by"]
FIELDS = ["name", "phone", "email", "company", "summary", "body", "login", "password", "confirm", "current",
          "role", "client_id", "client", "status", "type", "urgency", "assignee", "assignee_id", "threshold",
          "state", "from", "pattern", "priority", "label", "next", "everywhere", "as_is", "done", "skipped",
          "after", "return", "message_id", "task_id", "q", "n", "id", "auto_send", "route", "description",
          "expires", "days", "ids", "action", "reason"]
JFIELDS = ["name", "phone", "email", "company", "summary", "title", "body", "client_id", "task_id", "type",
           "urgency", "status", "assignee", "description", "to", "priority", "notes"]
cmd = sys.argv[1]
n = 0
def auth_for(path):
    if path.startswith("/api/"):
        return {"Authorization": "Bearer " + E["OP"]}
    return {"Cookie": "sb_session=" + E["ADMIN_COOKIE"]}
def fill(path, ids):
    return re.sub(r":(\w+)", lambda m: ids.get(m.group(1), "1"), path)
if cmd == "get-sqli":
    # every GET route, every known query parameter, every payload; and
    # every path parameter replaced by a payload.
    ids = json.loads(E["IDS"])
    for m, p, flags in routes():
        if m != "GET":
            continue
        base = fill(p, ids)
        # each parameter alone (so no other one's check hides it), then
        # all of them at once with each of the other payloads
        queries = [{name: SQLI[0]} for name in QPARAMS] + [{name: s for name in QPARAMS} for s in SQLI[1:]]
        for q in queries:
            path = base + "?" + urllib.parse.urlencode(q)
            st, _ = req("GET", path, headers=auth_for(p)); n += 1
            if st >= 500 or st == 0:
                print("FAIL %d GET %s" % (st, path))
        for s in SQLI:
            for k in re.findall(r":(\w+)", p):
                path = re.sub(":" + k, urllib.parse.quote(s, safe=""), p, count=1)
                path = fill(path, ids)
                st, _ = req("GET", path, headers=auth_for(p)); n += 1
                if st >= 500 or st == 0 or st == 200:
                    print("FAIL %d GET %s" % (st, path))
elif cmd == "post-sqli":
    # every form POST route: each field alone with a payload, then all at
    # once; every JSON route: each field with a payload; path ids too.
    ids = json.loads(E["IDS"])
    skip = set(E.get("SKIP", "").split())
    for m, p, flags in routes():
        if m == "GET" or p in skip:
            continue
        base = fill(p, ids)
        h = auth_for(p)
        if "R_FORM" in flags:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            bodies = [{"_csrf": E["CSRF"], f: SQLI[0]} for f in FIELDS]
            bodies += [dict({f: s for f in FIELDS}, _csrf=E["CSRF"]) for s in SQLI[1:]]
            for q in bodies:
                st, _ = req(m, base, urllib.parse.urlencode(q), h); n += 1
                if st >= 500 or st == 0:
                    print("FAIL %d %s %s %s" % (st, m, base, urllib.parse.urlencode(q)[:80]))
        elif "R_TOKEN" in flags and "upload" not in p and p != "/api/documents":
            h["Content-Type"] = "application/json"
            for doc in [{f: SQLI[0]} for f in JFIELDS] + [{f: s for f in JFIELDS} for s in SQLI[1:]]:
                st, _ = req(m, base, json.dumps(doc), h); n += 1
                if st >= 500 or st == 0:
                    print("FAIL %d %s %s %s" % (st, m, base, json.dumps(doc)[:80]))
        for s in SQLI[:3]:
            for k in re.findall(r":(\w+)", p):
                path = fill(re.sub(":" + k, urllib.parse.quote(s, safe=""), p, count=1), ids)
                hh = dict(h)
                hh["Content-Type"] = "application/x-www-form-urlencoded"
                st, _ = req(m, path, urllib.parse.urlencode({"_csrf": E["CSRF"]}), hh); n += 1
                if st >= 500 or st == 0 or 200 <= st < 400:
                    print("FAIL %d %s %s" % (st, m, path))
elif cmd == "csrf":
    # every POST route with a signed-in admin's cookie: no token, a wrong
    # token, a token in the cookie only.  Webhooks, git and API are not
    # cookie-authenticated and are skipped.
    ids = json.loads(E["IDS"])
    for m, p, flags in routes():
        if m != "POST" or p.startswith(("/api/", "/webhook/", "/git/")):
            continue
        base = fill(p, ids)
        bodies = [("name=x&login=root&password=root-password-123", "application/x-www-form-urlencoded"),
                            ("_csrf=" + "0" * 64 + "&name=x&login=root&password=root-password-123", "application/x-www-form-urlencoded"),
                            ("--XX\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\n1\r\n--XX\r\n"
                             "Content-Disposition: form-data; name=\"file\"; filename=\"c.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n",
                             "multipart/form-data; boundary=XX")]
        # a form route refuses multipart before anything else (415); the
        # upload route reads multipart and checks its token itself
        bodies = bodies[2:] if "R_FORM" not in flags else bodies[:2]
        for body, ctype in bodies:
            h = {"Cookie": "sb_session=" + E["ADMIN_COOKIE"] + "; sb_csrf=" + "1" * 64, "Content-Type": ctype}
            st, _ = req("POST", base, body, h); n += 1
            if st != 403:
                print("FAIL %d POST %s (%s)" % (st, base, body[:20]))
elif cmd == "cross":
    # the agent (session and token) on the other client's ids
    ids = json.loads(E["IDS"])
    ck = {"Cookie": "sb_session=" + E["AGENT_COOKIE"]}
    tok = {"Authorization": "Bearer " + E["AG"]}
    form = dict(ck, **{"Content-Type": "application/x-www-form-urlencoded"})
    body = urllib.parse.urlencode({"_csrf": E["AGENT_CSRF"], "body": "x", "status": "closed", "type": "bug",
                                   "urgency": "low", "name": "Mine now", "summary": "s", "assignee_id": E["AGENT_ID"],
                                   "ids": ids["message"], "action": "approve", "as_is": "1"})
    for m, p, flags in routes():
        if not re.search(r":(id|client|task)\b", p) or p.startswith(("/reports/share/", "/webhook/")):
            continue
        if "R_ADMIN" in flags or p.startswith("/users/"):
            continue
        if p.startswith("/clients/") or p.startswith("/api/clients/") or p.startswith("/reports/clients/"):
            v = {"id": ids["client"], "client": ids["client"], "file": "index.html"}
        elif p.startswith(("/tasks/", "/api/tasks/")):
            v = {"id": ids["task"]}
        elif p.startswith("/messages/"):
            v = {"id": ids["message"]}
        elif "/documents/" in p:
            v = {"id": ids["document"]}
        elif p.startswith("/api/customers/"):
            v = {"id": ids["client"]}
        elif p.startswith(("/api/artifacts/", "/proposals/")):
            v = {"id": ids["proposal"]}
        else:
            print("UNCOVERED %s %s" % (m, p)); continue
        path = re.sub(r":(\w+)", lambda x: v.get(x.group(1), "x"), p)
        if p.startswith("/api/"):
            h = dict(tok, **{"Content-Type": "application/json"})
            patch = {"status": "rejected"} if "/artifacts/" in p else {"name": "Mine now", "status": "closed", "title": "t"}
            st, _ = req(m, path, json.dumps(patch) if m == "PATCH" else None, h)
        elif m == "POST":
            st, _ = req(m, path, body, form)
        else:
            st, _ = req(m, path, None, ck)
        n += 1
        print("%s %s %d" % (m, p, st))
print("requests %d" % n)
PY
drive() { SB_URL=$SB_URL ROUTES=$SB_ROOT/fcgi/routes.c OP=$OP AG=$AG CSRF=$CSRF AGENT_CSRF=$AGENT_CSRF \
    ADMIN_COOKIE=$(cookie_of "$ROOT_JAR") AGENT_COOKIE=$(cookie_of "$AGENT_JAR") AGENT_ID=$AGENT \
    python3 "$SB_TMP/drive.py" "$@"; }
IDS="{\"id\":\"$TA\",\"client\":\"$CA\",\"task\":\"$TA\",\"token\":\"0000\",\"file\":\"index.html\"}"
fails() { grep -E '^(FAIL|UNCOVERED)' <<<"$1" | head -20; }
reqs() { sed -n 's/^requests //p' <<<"$1"; }

# ---- SQL injection: GET ----------------------------------------------------
before=$(checksum)
out=$(IDS=$IDS drive get-sqli)
is "$(fails "$out")" "" "SQL injection in every GET route's query parameters and path ids: no 5xx, ids are 4xx"
diag "GET injection requests: $(reqs "$out")"
is "$(checksum)" "$before" "and the database is unchanged"
is "$(sql "PRAGMA integrity_check")" ok "the database is intact"

# ---- SQL injection: POST (forms, JSON, path ids) --------------------------
# Routes that end the session or a user's access are walked last by hand.
IDS="{\"id\":\"$TA\",\"client\":\"$CA\",\"task\":\"$TA\"}"
users_before=$(sql "SELECT count(*) || ':' || group_concat(login) FROM users")
out=$(IDS=$IDS SKIP="/logout /users/:id/disable /users/:id/password /account/password /login" drive post-sqli)
is "$(fails "$out")" "" "SQL injection in every form field, JSON field and path id of every POST/PATCH route: no 5xx"
diag "POST injection requests: $(reqs "$out")"
# multipart fields of the two upload routes (API and admin form)
bad=""
for f in client_id task_id event_id document_id description; do
    for s in "' OR '1'='1" "1; DROP TABLE documents;--"; do
        st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP" -F "file=@$SB_TMP/a.txt;type=text/plain" \
            --form-string "$f=$s" "$SB_URL/api/documents/upload")
        [ "${st:0:1}" = 5 ] && bad+=" api:$f:$st"
        st=$(curl -s -o /dev/null -w '%{http_code}' -b "$ROOT_JAR" -F "_csrf=$CSRF" -F "file=@$SB_TMP/a.txt;type=text/plain" \
            --form-string "$f=$s" "$SB_URL/documents")
        [ "${st:0:1}" = 5 ] && bad+=" page:$f:$st"
    done
done
is "$bad" "" "SQL injection in every multipart field of the upload routes: no 5xx"
is "$(sql "PRAGMA integrity_check")" ok "the database is intact"
is "$(sql "SELECT count(*) FROM sqlite_master WHERE name IN ('clients','users','tasks','messages','events')")" 5 "no table dropped"
like "$(sql "SELECT count(*) || ':' || group_concat(login) FROM users")" "^${users_before%%:*}:|^[0-9]+:" "users table still readable"
r=$(http POST /login --data-urlencode "login=root' --" --data-urlencode "password=' OR '1'='1" --data-urlencode "_csrf=$(csrf_of /login)")
unlike "$(status_of "$r")" '^(303|5..)$' "login with an injected login and password does not sign in"
r=$(http POST /login --data-urlencode "login=root' OR '1'='1" --data-urlencode "password=x" --data-urlencode "_csrf=$(csrf_of /login)")
unlike "$(status_of "$r")" '^(303|5..)$' "nor with OR '1'='1 in the login"
# payloads are data: stored and shown byte for byte
use_jar root
P="Robert'); DROP TABLE clients;-- \" OR 1=1"
r=$(http POST /clients --data-urlencode "_csrf=$CSRF" --data-urlencode "name=$P" --data-urlencode "phone=+14155550177")
is "$(status_of "$r")" 303 "a client named with SQL is created"
is "$(sql "SELECT name FROM clients WHERE phone = '+14155550177'")" "$P" "and its name is stored as sent"
r=$(http POST /api/tasks -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' \
    --data-binary "$(python3 -c 'import json,sys; print(json.dumps({"client_id": int(sys.argv[1]), "title": sys.argv[2], "type": "bug", "urgency": "low"}))' "$CA" "$P")")
is "$(status_of "$r")" 201 "a task titled with SQL is created through the API"
is "$(sql "SELECT title FROM tasks ORDER BY id DESC LIMIT 1")" "$P" "and its title is stored as sent"
r=$(http GET "/clients?q=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "' OR 1=1 --")")
unlike "$(body_of "$r")" "href=\"/clients/$CB\"" "a client search for ' OR 1=1 -- matches nothing"

# ---- HTML and attribute injection -----------------------------------------
X='<script>alert(1)</script>"onmouseover="alert(2)'"'"'><img src=x onerror=alert(3)>'
r=$(http POST /clients/$CA --data-urlencode "_csrf=$CSRF" --data-urlencode "name=Acme $X" --data-urlencode "phone=$A" \
    --data-urlencode "company=Co $X" --data-urlencode "email=a@example.com")
is "$(status_of "$r")" 303 "client name and company with markup saved"
http POST /clients/$CA/summary --data-urlencode "_csrf=$CSRF" --data-urlencode "summary=Sum $X" >/dev/null
"$SB_BIN" simulate-sms --from $A --body "Inbound $X" --url "$SB_URL" >/dev/null
for _ in 1 2 3; do "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; done
http POST /tasks/$TA/reply --data-urlencode "_csrf=$CSRF" --data-urlencode "body=Reply $X" >/dev/null
http POST /api/tasks -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' \
    --data-binary "$(python3 -c 'import json,sys; print(json.dumps({"client_id": int(sys.argv[1]), "title": "Title " + sys.argv[2], "type": "bug", "urgency": "low"}))' "$CA" "$X")" >/dev/null
curl -s -o /dev/null -H "Authorization: Bearer $OP" -F "file=@$SB_TMP/a.txt;type=text/plain;filename=x\"onmouseover=\"a<script>.txt" \
    -F "client_id=$CA" --form-string "description=Desc $X" "$SB_URL/api/documents/upload"
http POST /reports/shares --data-urlencode "_csrf=$CSRF" --data-urlencode "client_id=$CA" --data-urlencode "label=Label $X" >/dev/null
http POST /github/owners --data-urlencode "_csrf=$CSRF" --data-urlencode "pattern=pat $X" --data-urlencode "login=octocat" >/dev/null
http POST /users/new --data-urlencode "_csrf=$CSRF" --data-urlencode "login=u$X" --data-urlencode "password=long-enough-password" >/dev/null
cat "$SB_TMP/body" > "$SB_TMP/pages.html"
http POST /simulator --data-urlencode "_csrf=$CSRF" --data-urlencode "from=$B" --data-urlencode "body=Sim $X" >/dev/null
for _ in 1 2 3; do "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; done
is "$(sql "SELECT count(*) FROM clients WHERE name LIKE '%<script>%'") $(sql "SELECT count(*) FROM documents WHERE description LIKE '%<script>%'")" \
   "1 1" "the markup is stored as data"
DX=$(sql "SELECT id FROM documents WHERE description LIKE '%<script>%'")
shown=0
for p in / /tasks /tasks/$TA /tasks/$TB /clients /clients/$CA /clients/$CB /review /activity /documents /documents/$DX \
         /users /users/$AGENT /github /github/owners /reports/shares /jobs /simulator /rules "/tasks?q=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$X")"; do
    r=$(http GET "$p")
    [ "$(status_of "$r")" = 200 ] || diag "GET $p: $(status_of "$r")"
    cat "$SB_TMP/body" >> "$SB_TMP/pages.html"
    grep -q '&lt;script&gt;alert(1)' "$SB_TMP/body" && shown=$((shown + 1))
done
ok $([ "$shown" -ge 8 ]; echo $?) "the injected text shows, escaped, on the admin pages ($shown pages)"
is "$(grep -oiE '<script|"onmouseover|<img src=x' "$SB_TMP/pages.html" | sort | uniq -c | tr -s ' ')" "" \
   "no raw <script, \"onmouseover, <img or onerror anywhere in the admin pages"
use_jar agent
r=$(http GET /tasks/$TA); cat "$SB_TMP/body" > "$SB_TMP/agent.html"
r=$(http GET /clients/$CA); cat "$SB_TMP/body" >> "$SB_TMP/agent.html"
is "$(grep -ciE '<script|"onmouseover' "$SB_TMP/agent.html")" 0 "nor on the agent's pages"
use_jar root

# ---- path traversal -------------------------------------------------------
"$SB_GEN" >/dev/null 2>&1 || "$SB_GEN" build >/dev/null 2>&1
printf 'secret-outside-the-site\n' > "$SWITCHBOARD_DATA/outside.txt"
bad=""
for p in "/static/../../../../etc/passwd" "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd" "/static/..%2f..%2f..%2fetc%2fpasswd" \
         "/static/%2e%2e%2f%2e%2e%2foutside.txt" "/reports/..%2fswitchboard.db" "/reports/%2e%2e/switchboard.db" \
         "/reports/%2e%2e%2foutside.txt" "/reports/clients/$CA/..%2f..%2f..%2fswitchboard.db" \
         "/reports/clients/$CA/%2e%2e%2f%2e%2e%2foutside.txt" "/reports/clients/$CA/tasks/..%2f..%2f..%2foutside.txt" \
         "/reports/clients/..%2f..%2f/index.html" "/reports/share/..%2f..%2foutside.txt/x" \
         "/documents/..%2f..%2fswitchboard.db" "/documents/$DA/download?version=..%2f..%2fHEAD" \
         "/api/documents/$DA/download?version=../../../etc/passwd" "/git/artifacts.git/..%2f..%2fswitchboard.db" \
         "/git/artifacts.git/info/refs?service=..%2f..%2fbin%2fsh" "/git/artifacts.git/info/refs?service=git-upload-pack%00" \
         "/%2e%2e/%2e%2e/etc/passwd" "/reports/....//....//switchboard.db"; do
    h=(-b "$ROOT_JAR" -H "Authorization: Bearer $OP")
    st=$(curl -s --path-as-is -o "$SB_TMP/tb" -w '%{http_code}' "${h[@]}" "$SB_URL$p")
    if [ "${st:0:1}" = 5 ] || grep -qaE 'root:x:0|secret-outside|SQLite format' "$SB_TMP/tb"; then bad+=" $st:$p"; fi
done
is "$bad" "" "path traversal in /static/, /reports/, documents and git paths reaches nothing outside (and no 5xx)"
d0=$(sql "SELECT coalesce(max(id), 0) FROM documents")
for name in "../../../evil.txt" "..%2f..%2fevil.txt" "/etc/cron.d/evil.txt" "a/../../evil.txt" '..\..\evil.txt'; do
    st=$(curl -s -o "$SB_TMP/tb" -w '%{http_code}' -H "Authorization: Bearer $OP" \
        -F "file=@$SB_TMP/a.txt;type=text/plain;filename=$name" -F "client_id=$CA" "$SB_URL/api/documents/upload")
    unlike "$st" '^5' "upload named $name: $st"
done
is "$(sql "SELECT count(*) FROM documents WHERE id > $d0 AND (path NOT LIKE 'clients/client-$CA/documents/%'
                  OR path LIKE '%/../%' OR file_name LIKE '%/%' OR file_name LIKE '%\\%' OR file_name IN ('.', '..'))")" 0 \
   "no stored document path or name climbs out"
is "$(find "$SB_TMP" -name 'evil.txt' | wc -l)" 0 "no file named evil.txt written anywhere"

# ---- CSRF -----------------------------------------------------------------
before=$(checksum)
out=$(IDS="{\"id\":\"$SPARE\",\"client\":\"$CA\"}" drive csrf)
is "$(fails "$out")" "" "every cookie-authenticated POST route without a valid token: 403"
diag "CSRF requests: $(reqs "$out")"
is "$(checksum)" "$before" "and nothing changed"
r=$(http POST /login --data-urlencode "login=root" --data-urlencode "password=root-password-123" -b /dev/null)
is "$(status_of "$r")" 403 "login without the pre-session token: 403"

# ---- session fixation -----------------------------------------------------
FIX=$(printf 'f%.0s' $(seq 64))
J=$SB_TMP/jar-fix
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tsb_session\t%s\n' "$FIX" > "$J"
t=$(curl -s -b "$J" -c "$J" "$SB_URL/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
st=$(curl -s -b "$J" -c "$J" -o /dev/null -w '%{http_code}' --data-urlencode login=root --data-urlencode password=root-password-123 \
    --data-urlencode "_csrf=$t" "$SB_URL/login")
is "$st" 303 "sign in with a planted session cookie"
after=$(awk '$6 == "sb_session" {print $7}' "$J" | tail -n1)
ok $([ -n "$after" ] && [ "$after" != "$FIX" ]; echo $?) "the session after sign-in is a new one"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sb_session=$FIX" "$SB_URL/tasks")
is "$st" 303 "the planted cookie is not signed in"
is "$(sql "SELECT count(*) FROM sessions WHERE id_hash = '$(printf '%s' "$FIX" | sha256sum | cut -c1-64)'")" 0 "and no session row carries it"
old=$(cookie_of "$ROOT_JAR")
t=$(curl -s -b "$ROOT_JAR" -c "$ROOT_JAR" "$SB_URL/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
curl -s -b "$ROOT_JAR" -c "$ROOT_JAR" -o /dev/null --data-urlencode login=root --data-urlencode password=root-password-123 \
    --data-urlencode "_csrf=$t" "$SB_URL/login"
new=$(cookie_of "$ROOT_JAR")
ok $([ "$old" != "$new" ]; echo $?) "signing in again over a live session gives a new session id"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sb_session=$old" "$SB_URL/tasks")
is "$st" 303 "and the old one no longer works"
use_jar root
CSRF=$(csrf_of /)

# ---- oversized inputs ------------------------------------------------------
head -c 1100000 /dev/zero | tr '\0' a > "$SB_TMP/big"
before=$(checksum)
for p in /webhook/twilio /webhook/twilio/status /webhook/github /login /api/clients /api/tasks /api/messages/send; do
    st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP" -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary @"$SB_TMP/big" "$SB_URL$p")
    is "$st" 413 "a 1.1 MB body to $p: 413"
done
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$ROOT_JAR" --data-binary @"$SB_TMP/big" -H 'Content-Type: application/x-www-form-urlencoded' "$SB_URL/clients")
is "$st" 413 "a 1.1 MB form to /clients: 413"
head -c 11000000 /dev/zero > "$SB_TMP/huge"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP" -F "file=@$SB_TMP/huge;type=text/plain" -F "client_id=$CA" "$SB_URL/api/documents/upload")
is "$st" 413 "an 11 MB upload: 413"
is "$(checksum)" "$before" "nothing written by oversized bodies"
st=$(python3 - "$SB_PORT" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
c.request("GET", "/tasks?q=" + "a" * 200000)
print(c.getresponse().status)
PY
)
like "$st" '^4(00|13|14|31)$' "a 200 kB query string: $st"
nest=$(python3 -c 'print("[" * 5000 + "]" * 5000)')
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' --data-binary "$nest" "$SB_URL/api/clients")
like "$st" '^4[0-9][0-9]$' "JSON nested 5000 deep: $st"
{ printf '_csrf=%s&' "$CSRF"; python3 -c 'print("&".join("f%d=x" % i for i in range(20000)))'; } > "$SB_TMP/many"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$ROOT_JAR" --data-binary "@$SB_TMP/many" -H 'Content-Type: application/x-www-form-urlencoded' "$SB_URL/clients")
like "$st" '^4[0-9][0-9]$' "a form of 20,000 fields: $st"
long=$(head -c 100000 /dev/zero | tr '\0' n)
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$ROOT_JAR" --data-urlencode "_csrf=$CSRF" --data-urlencode "name=$long" --data-urlencode "phone=+14155550166" "$SB_URL/clients")
like "$st" '^4[0-9][0-9]$' "a 100 kB client name: $st"
is "$(sql "SELECT count(*) FROM clients WHERE phone = '+14155550166'")" 0 "and it is not stored"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sb_session=$(head -c 9000 /dev/zero | tr '\0' c)" "$SB_URL/tasks")
like "$st" '^(303|4[0-9][0-9])$' "a 9 kB cookie: $st"

# ---- slow requests ---------------------------------------------------------
# Ten clients (five times the FastCGI processes) each trickle a body one
# byte at a time; while they are still sending, /health and a page answer.
cat > "$SB_TMP/slow.py" <<'PY'
import socket, sys, time, os
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.create_connection((host, port))
    s.sendall(b"POST /webhook/twilio HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 100000\r\n\r\nFrom=%2B1")
    socks.append(s)
open(sys.argv[4], "w").write("started\n")
while not os.path.exists(sys.argv[5]):
    for s in socks:
        try: s.send(b"1")
        except OSError: pass
    time.sleep(0.2)
alive = 0
for s in socks:
    try: s.send(b"1"); alive += 1
    except OSError: pass
open(sys.argv[4], "a").write("alive %d\n" % alive)
PY
python3 "$SB_TMP/slow.py" 127.0.0.1 "$SB_PORT" 10 "$SB_TMP/slow.out" "$SB_TMP/slow.stop" &
SLOW=$!
for _ in $(seq 200); do [ -s "$SB_TMP/slow.out" ] && break; sleep 0.05; done
sleep 1
okh=0
for _ in 1 2 3 4 5; do
    [ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$SB_URL/health")" = 200 ] && okh=$((okh + 1))
done
is "$okh" 5 "/health answers while ten slow bodies are being trickled"
st=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -b "$ROOT_JAR" "$SB_URL/tasks")
is "$st" 200 "and so does an admin page"
touch "$SB_TMP/slow.stop"
wait "$SLOW"
like "$(cat "$SB_TMP/slow.out")" 'alive (10|[1-9])' "the slow clients were still connected while the others were served"

# ---- forged webhooks -------------------------------------------------------
post_tw() { python3 "$SB_ROOT/tests/twilio_post.py" "$SB_URL/webhook/twilio" "$TWILIO_AUTH_TOKEN" "$@"; }
SID=SM$(printf 'a%.0s' $(seq 32))
n0=$(sql "SELECT count(*) FROM messages")
r=$(post_tw --no-sig MessageSid=$SID From=$A To=+15005550006 Body=forged)
is "$(status_of "$r")" 403 "Twilio webhook without a signature: 403"
r=$(post_tw --sig "$(printf 'x%.0s' $(seq 28))" MessageSid=$SID From=$A To=+15005550006 Body=forged)
is "$(status_of "$r")" 403 "with a wrong signature: 403"
sig=$(python3 - "$TWILIO_AUTH_TOKEN" "$SB_URL/webhook/twilio" <<'PY'
import base64, hashlib, hmac, sys
p = sorted([("MessageSid", "SM" + "a" * 32), ("From", "+14155550100"), ("To", "+15005550006"), ("Body", "original")])
s = sys.argv[2] + "".join(k + v for k, v in p)
print(base64.b64encode(hmac.new(sys.argv[1].encode(), s.encode(), hashlib.sha1).digest()).decode())
PY
)
r=$(post_tw --sig "$sig" MessageSid=$SID From=$A To=+15005550006 Body=original)
is "$(status_of "$r")" 200 "the genuine request: 200"
r=$(post_tw --sig "$sig" MessageSid=$SID From=$A To=+15005550006 Body=altered)
is "$(status_of "$r")" 403 "its signature replayed over an altered body: 403"
r=$(post_tw --sig "$sig" MessageSid=${SID%a}b From=$A To=+15005550006 Body=original)
is "$(status_of "$r")" 403 "replayed with another MessageSid: 403"
r=$(post_tw --sign-url "http://evil.example/webhook/twilio" MessageSid=${SID%a}c From=$A To=+15005550006 Body=x)
is "$(status_of "$r")" 403 "signed for another URL: 403"
r=$(post_tw --sig "$sig" MessageSid=$SID From=$A To=+15005550006 Body=original)
is "$(status_of "$r")" 200 "the genuine request replayed as is: 200"
is "$(sql "SELECT count(*) FROM messages") $(sql "SELECT group_concat(body) FROM messages WHERE external_id = '$SID'")" "$((n0 + 1)) original" \
   "exactly one message stored, with the signed body"
r=$(python3 "$SB_ROOT/tests/twilio_post.py" "$SB_URL/webhook/twilio/status" "$TWILIO_AUTH_TOKEN" --sig "$sig" MessageSid=$SID MessageStatus=failed)
is "$(status_of "$r")" 403 "a status callback with another request's signature: 403"
ghsig() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$GITHUB_WEBHOOK_SECRET" | sed 's/.*= //'; }
GB='{"action":"closed","issue":{"number":1,"state":"closed","html_url":"https://github.com/o/r/issues/1"},"repository":{"full_name":"o/r"},"sender":{"login":"x"}}'
gh() { curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'X-GitHub-Event: issues' -H "X-GitHub-Delivery: $1" "${@:3}" --data-binary "$2" "$SB_URL/webhook/github"; }
g0=$(sql "SELECT count(*) FROM github_deliveries")$(checksum)
like "$(gh d-1 "$GB")" '^40[13]$' "GitHub webhook without a signature: 401/403"
is "$(gh d-2 "$GB" -H "X-Hub-Signature-256: sha256=$(printf '0%.0s' $(seq 64))")" 403 "with a wrong signature: 403"
is "$(gh d-3 "${GB/closed/reopened}" -H "X-Hub-Signature-256: sha256=$(ghsig "$GB")")" 403 "a signature replayed over an altered body: 403"
is "$(gh d-4 "$GB" -H "X-Hub-Signature-256: sha1=$(ghsig "$GB")")" 403 "a SHA-256 HMAC labelled sha1: 403"
is "$(sql "SELECT count(*) FROM github_deliveries")$(checksum)" "$g0" "forged GitHub deliveries change nothing"

# ---- cross-client access by id --------------------------------------------
before=$(checksum)
out=$(IDS="{\"client\":\"$CB\",\"task\":\"$TB\",\"message\":\"$MB\",\"document\":\"$DB\",\"proposal\":\"$PB\"}" drive cross)
is "$(fails "$out")" "" "every id-taking page, action and API route is covered"
is "$(grep -vE '^requests ' <<<"$out" | grep -vE ' 404$' | head -20)" "" "the agent gets 404 on all of them for the other client"
diag "cross-client requests: $(reqs "$out")"
is "$(checksum)" "$before" "and nothing changed"
out=$(IDS="{\"client\":\"$CA\",\"task\":\"$TA\",\"message\":\"$MA\",\"document\":\"$DA\",\"proposal\":\"$PA\"}" drive cross)
like "$(grep -E '^GET /(clients|tasks|documents|proposals)/:id ' <<<"$out" | awk '{print $3}' | sort -u | tr '\n' ' ')" '^200 $' \
   "while his own client's pages answer 200"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$AGENT_JAR" "$SB_URL/reports/clients/$CB/")
is "$st" 404 "the agent's report path for the other client: 404"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AG" "$SB_URL/api/documents?client_id=$CB")
like "$st" '^(200|404)$' "documents listed for the other client: $st"
unlike "$(curl -s -H "Authorization: Bearer $AG" "$SB_URL/api/documents?client_id=$CB")" "\"id\": *$DB[,}]" "and never the other client's document"
unlike "$(curl -s -H "Authorization: Bearer $AG" "$SB_URL/api/messages?client_id=$CB")" "to Beta" "nor its messages"
unlike "$(curl -s -H "Authorization: Bearer $AG" "$SB_URL/api/events?client_id=$CB")" "dark mode" "nor its events"

done_testing
