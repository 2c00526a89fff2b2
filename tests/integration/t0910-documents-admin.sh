#!/usr/bin/env bash
# t0910-documents-admin: the documents pages of the admin, with curl as the
# browser (no JavaScript anywhere): the multipart upload form and its CSRF
# check, the list with filters, a document's page (Markdown rendered with
# raw HTML left out, text shown escaped, an image inline), versions, the
# diff between two versions chosen with a GET form, downloads, delete, and
# client isolation for an agent.
. "$(dirname "$0")/../lib.sh"
sb_env
export SWITCHBOARD_MAX_UPLOAD=100000
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
REPO=$SWITCHBOARD_DATA/artifacts.git
FIX=$SB_TMP/fix
mkdir -p "$FIX"
git_r() { git --git-dir="$REPO" "$@"; }
commits() { git_r rev-list --count refs/heads/main 2>/dev/null || echo 0; }

sb_user boss 'correct horse battery staple 1' --admin
sb_user ann 'correct horse battery staple 2'
sql "INSERT INTO clients (name, phone, created_at, updated_at) VALUES ('Acme Corp', '+14155550100', 0, 0), ('Globex', '+14155550111', 0, 0)"
sql "INSERT INTO tasks (client_id, title, type, urgency, route, created_at, updated_at) VALUES (1, 'Checkout is broken', 'bug', 'urgent', 'HUMAN', 0, 0)"
"$SB_BIN" user attach ann 1 >/dev/null

is "$(sb_login boss 'correct horse battery staple 1')" 303 "admin signs in"
use_jar boss

r=$(http GET /documents)
is "$(status_of "$r")" 200 "GET /documents"
like "$(body_of "$r")" 'No documents yet' "empty state"
like "$(body_of "$r")" '<a href="/documents" aria-current="page">Documents</a>' "Documents in the navigation, current"
r=$(http GET "/documents/new?task=1")
is "$(status_of "$r")" 200 "GET /documents/new"
b=$(body_of "$r")
like "$b" '<form method="post" action="/documents" enctype="multipart/form-data"' "a multipart form, no JavaScript needed"
like "$b" 'name="_csrf" value="[0-9a-f]{32,}"' "the form carries the CSRF token"
like "$b" 'name="task_id" value="1"' "task prefilled from the query"
unlike "$b" '<script' "no script on the page"
CSRF=$(csrf_of /documents/new)

# ---- upload through the form -----------------------------------------------------
printf '# Checkout\n\nThe **pay** button does nothing.\n\n<script>alert("x")</script>\n\n[click](javascript:alert(1))\n' > "$FIX/report.md"
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/report.md" -F "task_id=1" -F "client_id=" -F "description=From the client's email")
is "$(status_of "$r")" 303 "upload: 303"
like "$(header Location)" '^/documents/[0-9]+\?done=uploaded$' "to the document's page"
DOC=$(header Location | sed 's|^/documents/\([0-9]*\).*|\1|')
is "$(sql "SELECT uploaded_by||'|'||client_id||'|'||task_id||'|'||content_type FROM documents WHERE id=$DOC")" \
   "user:boss|1|1|text/markdown" "stored with the user, the task's client, the checked type"
is "$(git_r log -1 --format='%an <%ae>')" "boss <boss@users.switchboard.invalid>" "commit authored by the signed-in user"
like "$(git_r log -1 --format=%B)" "From the client's email" "description in the commit message"
V1=$(git_r rev-parse HEAD)

r=$(http GET "/documents/$DOC?done=uploaded")
is "$(status_of "$r")" 200 "the document's page"
b=$(body_of "$r")
like "$b" 'Document uploaded' "flash after the upload"
like "$b" '<strong>pay</strong>' "Markdown rendered"
unlike "$b" '<script>alert' "raw HTML from the Markdown is not passed through"
unlike "$b" 'href="javascript:' "javascript: links are removed"
like "$b" 'raw HTML omitted' "cmark says what it left out"
like "$b" "clients/acme-corp-1/tasks/1-checkout-is-broken/report.md" "the path in the repository"
like "$b" "href=\"/documents/$DOC/download\?version=$V1\"" "download link for the version"
unlike "$b" 'id="h-diff"' "no diff form with one version"

# ---- missing or wrong CSRF: 403, nothing stored -----------------------------
before=$(commits)
r=$(http POST /documents -F "file=@$FIX/report.md" -F "client_id=1")
is "$(status_of "$r")" 403 "upload without _csrf: 403"
r=$(http POST /documents -F "_csrf=0000000000000000000000000000000000000000000000000000000000000000" -F "file=@$FIX/report.md" -F "client_id=1")
is "$(status_of "$r")" 403 "upload with a wrong _csrf: 403"
r=$(http POST /documents -H 'Content-Type: multipart/form-data; boundary=Q' --data-binary $'--Q\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n'"$CSRF"$'\r\n--Q\r\nbroken')
is "$(status_of "$r")" 403 "malformed multipart on the admin form: 403 (the token is not trusted from a broken form)"
SB_JAR_SAVE=$SB_JAR; SB_JAR=""
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/report.md" -F "client_id=1")
is "$(status_of "$r")" 303 "upload without a session: sent to sign in"
like "$(header Location)" '^/login' "...the login page"
SB_JAR=$SB_JAR_SAVE
is "$(commits)" "$before" "no commit from refused forms"
is "$(sql "SELECT count(*) FROM documents")" 1 "no row from refused forms"

# ---- a new version and the diff ---------------------------------------------------
printf '# Checkout\n\nThe **pay** button does nothing on Safari.\nSteps: add to cart, pay.\n' > "$FIX/v2.md"
r=$(http POST /documents -F "_csrf=$CSRF" -F "document_id=$DOC" -F "file=@$FIX/v2.md" -F "description=Safari only")
is "$(status_of "$r")" 303 "new version through the form"
is "$(header Location)" "/documents/$DOC?done=updated" "back to the same document"
V2=$(git_r rev-parse HEAD)
r=$(http GET "/documents/$DOC")
b=$(body_of "$r")
like "$b" 'on Safari' "the page shows the current version"
like "$b" 'id="h-diff"' "diff form once there are two versions"
like "$b" '<form method="get" action="/documents/[0-9]+#diff"' "the diff form is a GET form"
like "$b" "<option value=\"$V1\" selected>" "defaults: the older version as from"
r=$(http GET "/documents/$DOC?from=$V1&to=$V2")
b=$(body_of "$r")
like "$b" '<span class="d-del">-The \*\*pay\*\* button does nothing.</span>' "removed line marked"
like "$b" '<span class="d-add">\+The \*\*pay\*\* button does nothing on Safari.</span>' "added line marked"
like "$b" '<span class="d-del">-&lt;script&gt;alert\(&quot;x&quot;\)&lt;/script&gt;</span>' "diff text is escaped"
r=$(http GET "/documents/$DOC?from=$V2&to=$V2")
like "$(body_of "$r")" 'have the same content' "same version twice"
r=$(http GET "/documents/$DOC?from=$V1&to=0000000000000000000000000000000000000000")
like "$(body_of "$r")" 'Choose two versions of this document' "a commit that is not a version is refused"
r=$(http GET "/documents/$DOC?version=$V1")
is "$(status_of "$r")" 200 "view an earlier version"
like "$(body_of "$r")" 'You are looking at an earlier version' "says so"
unlike "$(body_of "$r")" 'on Safari' "shows the old content"
r=$(http GET "/documents/$DOC?version=nope")
is "$(status_of "$r")" 404 "an unknown version: 404"

r=$(http GET "/documents/$DOC/download?version=$V1")
is "$(status_of "$r")" 200 "download an earlier version"
cmp -s "$SB_TMP/body" "$FIX/report.md"; ok $? "byte for byte"
like "$(header Content-Disposition)" '^attachment; filename="report.md"' "as an attachment"
r=$(http GET "/documents/$DOC/download?inline=1")
like "$(header Content-Disposition)" '^attachment' "text is never inline, even when asked"

# ---- text and images ---------------------------------------------------------------
printf 'Error log:\n<b>not bold</b> & more\n' > "$FIX/log.txt"
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/log.txt" -F "client_id=1")
TXT=$(header Location | sed 's|^/documents/\([0-9]*\).*|\1|')
r=$(http GET "/documents/$TXT")
like "$(body_of "$r")" '<pre class="d-text">Error log:' "text shown in a pre"
like "$(body_of "$r")" '&lt;b&gt;not bold&lt;/b&gt; &amp; more' "text escaped"
python3 -c 'import struct,zlib,sys
def chunk(t,d): return struct.pack(">I",len(d))+t+d+struct.pack(">I",zlib.crc32(t+d)&0xffffffff)
raw=b"".join(b"\x00"+b"\x00\x80\xff"*4 for _ in range(4))
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n"+chunk(b"IHDR",struct.pack(">IIBBBBB",4,4,8,2,0,0,0))+chunk(b"IDAT",zlib.compress(raw))+chunk(b"IEND",b""))' > "$FIX/pixel.png"
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/pixel.png;type=image/png" -F "client_id=1")
is "$(status_of "$r")" 303 "upload a PNG through the form"
IMG=$(header Location | sed 's|^/documents/\([0-9]*\).*|\1|')
r=$(http GET "/documents/$IMG")
like "$(body_of "$r")" "<img src=\"/documents/$IMG/download\?inline=1\" alt=\"pixel.png\">" "image shown on the page"
http GET "/documents/$IMG/download?inline=1" >/dev/null
like "$(header Content-Disposition)" '^inline; filename="pixel.png"' "a checked image may be inline"
is "$(header Content-Type)" image/png "as image/png"

# ---- hostile uploads through the form -------------------------------------------
before=$(commits)
printf '<html><script>alert(1)</script></html>' > "$FIX/evil.png"
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/evil.png;type=image/png" -F "client_id=1" -F "description=keep me")
is "$(status_of "$r")" 415 "HTML disguised as PNG: 415"
b=$(body_of "$r")
like "$b" 'evil.png is named like a PNG image, but its content is HTML' "the reason next to the file field"
like "$b" 'aria-invalid="true"' "the field is marked"
like "$b" '>keep me</textarea>' "the description is kept"
head -c 100001 /dev/zero | tr '\0' x > "$FIX/big.txt"
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/big.txt" -F "client_id=1")
is "$(status_of "$r")" 413 "too large: 413"
like "$(body_of "$r")" 'largest accepted is 100000 bytes' "says the limit"
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/log.txt;filename=../../../../tmp/x.txt" -F "client_id=2" -F "task_id=1")
is "$(status_of "$r")" 422 "task of another client: 422"
r=$(http POST /documents -F "_csrf=$CSRF" -F "client_id=1")
is "$(status_of "$r")" 422 "no file chosen: 422"
like "$(body_of "$r")" 'Choose a file' "says to choose a file"
is "$(commits)" "$before" "nothing committed by refused forms"

# ---- the list ---------------------------------------------------------------------------
r=$(http GET /documents)
b=$(body_of "$r")
like "$b" "href=\"/documents/$DOC\">report.md</a>" "list shows documents"
like "$b" 'From the client&#39;s email|Safari only' "with their description"
r=$(http GET "/documents?task=1")
b=$(body_of "$r")
like "$b" 'report.md' "filter by task"
unlike "$b" 'pixel.png' "filter by task leaves others out"
r=$(http GET "/documents?by=nobody")
like "$(body_of "$r")" 'No document matches' "filter by uploader"
r=$(http GET "/documents?from=2999-01-01")
like "$(body_of "$r")" 'No document matches' "filter by date"
r=$(http GET "/documents?from=tomorrow")
is "$(status_of "$r")" 400 "a malformed date: 400"

# ---- delete ---------------------------------------------------------------------------------
r=$(http POST "/documents/$TXT/delete" --data-urlencode "_csrf=wrong")
is "$(status_of "$r")" 403 "delete with a wrong _csrf: 403"
r=$(http POST "/documents/$TXT/delete" --data-urlencode "_csrf=$CSRF")
is "$(status_of "$r")" 303 "delete: 303"
is "$(header Location)" "/documents/$TXT?done=deleted" "back to the page"
like "$(git_r log -1 --format=%s)" '^Delete log.txt from client 1 \(Acme Corp\)' "a commit removes it"
r=$(http GET "/documents/$TXT?done=deleted")
b=$(body_of "$r")
like "$b" 'This document was deleted' "the page says it is deleted"
like "$b" 'Download this version' "its versions can still be downloaded"
r=$(http GET "/documents/$TXT/download")
is "$(status_of "$r")" 404 "the current download of a deleted document: 404"
r=$(http POST "/documents/$TXT/delete" --data-urlencode "_csrf=$CSRF")
is "$(status_of "$r")" 409 "deleting twice: 409"
r=$(http GET /documents)
unlike "$(body_of "$r")" "href=\"/documents/$TXT\"" "deleted documents hidden from the list"
r=$(http GET "/documents?deleted=include")
like "$(body_of "$r")" "href=\"/documents/$TXT\"" "...unless asked for"

# ---- an agent sees only their clients' documents -----------------------------------------
r=$(http POST /documents -F "_csrf=$CSRF" -F "file=@$FIX/log.txt" -F "client_id=2")
GLOBEX_DOC=$(header Location | sed 's|^/documents/\([0-9]*\).*|\1|')
is "$(sb_login ann 'correct horse battery staple 2')" 303 "agent signs in"
use_jar ann
ACSRF=$(csrf_of /documents/new)
for p in "/documents/$GLOBEX_DOC" "/documents/$GLOBEX_DOC/download" "/documents/new?document=$GLOBEX_DOC"; do
    r=$(http GET "$p")
    is "$(status_of "$r")" 404 "agent: GET $p of another client's document is 404"
done
r=$(http POST "/documents/$GLOBEX_DOC/delete" --data-urlencode "_csrf=$ACSRF")
is "$(status_of "$r")" 404 "agent: delete another client's document is 404"
r=$(http POST /documents -F "_csrf=$ACSRF" -F "document_id=$GLOBEX_DOC" -F "file=@$FIX/log.txt")
is "$(status_of "$r")" 404 "agent: a new version of another client's document is 404"
r=$(http POST /documents -F "_csrf=$ACSRF" -F "file=@$FIX/log.txt" -F "client_id=2")
is "$(status_of "$r")" 404 "agent: upload for another client is 404"
r=$(http GET /documents)
b=$(body_of "$r")
like "$b" 'report.md' "agent lists their client's documents"
unlike "$b" "href=\"/documents/$GLOBEX_DOC\"" "...and not the other client's"
unlike "$b" '>Globex<' "the other client is not even in the filter"
r=$(http GET "/documents/$DOC")
is "$(status_of "$r")" 200 "agent opens their client's document"
is "$(sql "SELECT deleted_at IS NULL FROM documents WHERE id=$GLOBEX_DOC")" 1 "the other client's document is untouched"

done_testing
