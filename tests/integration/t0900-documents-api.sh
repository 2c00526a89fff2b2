#!/usr/bin/env bash
# t0900-documents-api: the documents JSON API on the real server.  Uploads
# (text, Markdown, PNG) land in the artifact repository as commits authored
# by the token's user with paths that read well, metadata in `documents`,
# events with the actor; new versions, history, download of any version,
# filters and pagination, delete (a commit; history keeps it); client
# isolation for a user token; and hostile uploads: traversal names, too
# large, content not matching the name, HTML disguised as an image,
# malformed multipart, each refused with nothing stored.
. "$(dirname "$0")/../lib.sh"
sb_env
export SWITCHBOARD_MAX_UPLOAD=200000
sb_start 4 || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
REPO=$SWITCHBOARD_DATA/artifacts.git
FIX=$SB_TMP/fix
mkdir -p "$FIX"

TOKEN=$("$SB_BIN" token add ops 2>/dev/null)
like "$TOKEN" '^[A-Za-z0-9_-]{20,}$' "operator token created"
AUTH=(-H "Authorization: Bearer $TOKEN")
api() { local m=$1 p=$2; shift 2; http "$m" "$p" "${AUTH[@]}" "$@"; }
jget() {
    python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$2"
}
git_r() { git --git-dir="$REPO" "$@"; }
commits() { git_r rev-list --count refs/heads/main 2>/dev/null || echo 0; }
ISO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'

# Clients and a task through the API; an agent attached to Acme only.
r=$(api POST /api/clients -H 'Content-Type: application/json' --data-binary '{"name":"Acme Corp","phone":"+14155550100"}')
ACME=$(jget 'd["id"]' "$(body_of "$r")")
r=$(api POST /api/clients -H 'Content-Type: application/json' --data-binary '{"name":"Globex","phone":"+14155550111"}')
GLOBEX=$(jget 'd["id"]' "$(body_of "$r")")
r=$(api POST /api/tasks -H 'Content-Type: application/json' --data-binary "{\"client_id\":$ACME,\"title\":\"Dark mode for the dashboard\",\"type\":\"feature_request\",\"urgency\":\"medium\"}")
is "$(status_of "$r")" 201 "a task for Acme"
TASK=$(jget 'd["id"]' "$(body_of "$r")")
sb_user ada 'correct horse battery staple 1'
"$SB_BIN" user attach ada "$ACME" >/dev/null
ADA_TOKEN=$("$SB_BIN" token add ada-laptop --user ada 2>/dev/null)
ADA=(-H "Authorization: Bearer $ADA_TOKEN")

# ---- upload text ---------------------------------------------------------
printf 'Steps to reproduce:\n1. open the dashboard\n2. it is bright\n' > "$FIX/notes.txt"
r=$(http POST /api/documents/upload "${ADA[@]}" -F "file=@$FIX/notes.txt;type=text/plain" -F "task_id=$TASK" -F "description=What the client sent")
is "$(status_of "$r")" 201 "upload a text file for a task: 201"
b=$(body_of "$r")
D1=$(jget 'd["id"]' "$b")
is "$(header Location)" "/api/documents/$D1" "Location names the document"
is "$(jget '[d["client_id"], d["task_id"], d["event_id"], d["file_name"], d["content_type"], d["size"]]' "$b")" \
   "[$ACME, $TASK, null, \"notes.txt\", \"text/plain\", $(wc -c < "$FIX/notes.txt")]" "metadata: client from the task, name, checked type, size"
is "$(jget 'd["path"]' "$b")" "clients/acme-corp-$ACME/tasks/$TASK-dark-mode-for-the-dashboard/notes.txt" "path reads well"
is "$(jget 'd["uploaded_by"]' "$b")" "api:ada-laptop" "uploaded_by is the token (the actor)"
like "$(jget 'd["created_at"]' "$b")" "$ISO" "created_at in ISO 8601"
C1=$(jget 'd["current_commit"]' "$b")
like "$C1" '^[0-9a-f]{40}$' "current_commit is a commit id"
is "$(git_r rev-parse refs/heads/main)" "$C1" "the branch points at that commit"
is "$(git_r log -1 --format='%an <%ae>' "$C1")" "ada <ada@users.switchboard.invalid>" "commit authored by the token's user"
like "$(git_r log -1 --format=%s "$C1")" "^Add notes.txt in task $TASK \(Dark mode for the dashboard\)$" "commit message says what and which task"
like "$(git_r log -1 --format=%B "$C1")" "Switchboard-Task: $TASK" "commit message carries the task"
is "$(git_r show "$C1:clients/acme-corp-$ACME/tasks/$TASK-dark-mode-for-the-dashboard/notes.txt" | md5sum)" "$(md5sum < "$FIX/notes.txt")" "content in the repository is the file"
is "$(sql "SELECT event_type||'|'||actor||'|'||client_id||'|'||task_id||'|'||json_extract(details,'\$.document_id') FROM events WHERE event_type LIKE 'document_%'")" \
   "document_uploaded|api:ada-laptop|$ACME|$TASK|$D1" "document_uploaded event with the actor"

# ---- Markdown, new versions ---------------------------------------------------
printf '# Dark mode\n\nThe client wants a **dark** theme.\n\n<script>alert(1)</script>\n' > "$FIX/spec.md"
r=$(api POST /api/documents/upload -F "file=@$FIX/spec.md" -F "client_id=$ACME")
is "$(status_of "$r")" 201 "upload Markdown for a client (no task)"
D2=$(jget 'd["id"]' "$(body_of "$r")")
is "$(jget '[d["content_type"], d["path"], d["task_id"]]' "$(body_of "$r")")" "[\"text/markdown\", \"clients/acme-corp-$ACME/documents/spec.md\", null]" "markdown type; client documents folder"
is "$(git_r log -1 --format='%an <%ae>')" "API token ops <ops@tokens.switchboard.invalid>" "operator token named as author"
V1=$(git_r rev-parse HEAD)
printf '# Dark mode\n\nThe client wants a **dark** theme.\nAlso high contrast.\n' > "$FIX/spec.md"
r=$(api POST /api/documents/upload -F "file=@$FIX/spec.md" -F "client_id=$ACME" -F "description=Adds contrast")
is "$(status_of "$r")" 200 "same name, same place: a new version (200)"
b=$(body_of "$r")
is "$(jget '[d["id"], d["unchanged"], d["description"]]' "$b")" "[$D2, false, \"Adds contrast\"]" "same document, changed, description updated"
V2=$(jget 'd["current_commit"]' "$b")
is "$(sql "SELECT count(*) FROM documents")" 2 "no second row for a new version"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.previous_commit') FROM events WHERE event_type='document_updated'")" \
   "api:ops|$V1" "document_updated event with the previous commit"
before=$(commits)
r=$(api POST /api/documents/upload -F "file=@$FIX/spec.md" -F "document_id=$D2")
is "$(status_of "$r")" 200 "the same bytes again by document_id"
is "$(jget 'd["unchanged"]' "$(body_of "$r")")" true "unchanged: true"
is "$(commits)" "$before" "no commit for identical content"
is "$(sql "SELECT count(*) FROM events WHERE event_type='document_updated'")" 1 "no event for identical content"

printf '# Dark mode v3\n' > "$FIX/other-name.md"
r=$(api POST /api/documents/upload -F "file=@$FIX/other-name.md" -F "document_id=$D2")
is "$(status_of "$r")" 200 "a new version by document_id keeps the document's name"
is "$(jget 'd["file_name"]' "$(body_of "$r")")" spec.md "file name kept"
V3=$(jget 'd["current_commit"]' "$(body_of "$r")")

# ---- PNG --------------------------------------------------------------------------
python3 -c 'import struct,zlib,sys
def chunk(t,d): return struct.pack(">I",len(d))+t+d+struct.pack(">I",zlib.crc32(t+d)&0xffffffff)
raw=b"".join(b"\x00"+b"\xff\x00\x00"*4 for _ in range(4))
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n"+chunk(b"IHDR",struct.pack(">IIBBBBB",4,4,8,2,0,0,0))+chunk(b"IDAT",zlib.compress(raw))+chunk(b"IEND",b""))' > "$FIX/screen shot.png"
r=$(api POST /api/documents/upload -F "file=@$FIX/screen shot.png;type=image/png" -F "task_id=$TASK")
is "$(status_of "$r")" 201 "upload a PNG"
D3=$(jget 'd["id"]' "$(body_of "$r")")
is "$(jget 'd["content_type"]' "$(body_of "$r")")" image/png "checked as image/png"

# ---- show, versions, download ----------------------------------------------------
r=$(api GET "/api/documents/$D2")
is "$(status_of "$r")" 200 "GET /api/documents/:id"
b=$(body_of "$r")
is "$(jget '[v["commit"] for v in d["versions"]]' "$b")" "[\"$V3\", \"$V2\", \"$V1\"]" "versions newest first: the commits that touched the path"
is "$(jget '[v["author"] for v in d["versions"]]' "$b")" '["API token ops", "API token ops", "API token ops"]' "version authors"
like "$(jget 'd["versions"][0]["time"]' "$b")" "$ISO" "version time ISO 8601"
is "$(jget 'd["versions"][2]["download_url"]' "$b")" "/api/documents/$D2/download?version=$V1" "download_url per version"

r=$(api GET "/api/documents/$D1/download")
is "$(status_of "$r")" 200 "download"
is "$(body_of "$r")" "$(cat "$FIX/notes.txt")" "download returns the content"
is "$(header Content-Type)" "text/plain; charset=utf-8" "Content-Type from the checked type"
is "$(header Content-Disposition)" "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt" "attachment with a safe filename"
is "$(header X-Content-Type-Options)" nosniff "nosniff"
api GET "/api/documents/$D3/download" >/dev/null
cmp -s "$SB_TMP/body" "$FIX/screen shot.png"; ok $? "PNG downloaded byte for byte"
is "$(header Content-Type)" image/png "PNG content type"
is "$(header Content-Disposition)" "attachment; filename=\"screen shot.png\"; filename*=UTF-8''screen%20shot.png" "filename with a space"
r=$(api GET "/api/documents/$D2/download?version=$V1")
is "$(status_of "$r")" 200 "download an old version"
like "$(body_of "$r")" '<script>alert' "old version's content"
is "$(header ETag)" "\"$V1\"" "ETag names the version"
r=$(api GET "/api/documents/$D2/download?version=$C1")
is "$(status_of "$r")" 404 "a commit that is not a version of this document: 404"
r=$(api GET "/api/documents/$D2/download?version=nothex")
is "$(status_of "$r")" 422 "a malformed version: 422"

# ---- list, filters, pagination ---------------------------------------------------
r=$(api GET /api/documents)
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$D3, $D2, $D1]" "list newest first"
r=$(api GET "/api/documents?task_id=$TASK")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$D3, $D1]" "filter task_id"
r=$(api GET "/api/documents?client_id=$ACME&uploaded_by=ada-laptop")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$D1]" "filter uploaded_by (bare login)"
r=$(api GET "/api/documents?uploaded_by=api:ops")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$D3, $D2]" "filter uploaded_by (actor)"
r=$(api GET "/api/documents?from=2000-01-01&to=2001-01-01")
is "$(jget 'd["data"]' "$(body_of "$r")")" "[]" "date range excludes"
r=$(api GET "/api/documents?from=2000-01-01")
is "$(jget 'len(d["data"])' "$(body_of "$r")")" 3 "date range includes"
r=$(api GET "/api/documents?limit=2")
b=$(body_of "$r")
is "$(jget '[x["id"] for x in d["data"]]' "$b")" "[$D3, $D2]" "first page of two"
CUR=$(jget 'd["next_cursor"]' "$b")
r=$(api GET "/api/documents?limit=2&cursor=$CUR")
is "$(jget '[[x["id"] for x in d["data"]], d["next_cursor"]]' "$(body_of "$r")")" "[[$D1], null]" "second page, last"
r=$(api GET "/api/documents?from=yesterday")
is "$(status_of "$r")" 422 "bad date: 422"

# ---- events: an upload attached to an event -------------------------------------
EV=$(sql "SELECT id FROM events WHERE event_type='document_uploaded' AND json_extract(details,'\$.document_id')=$D1")
printf 'attached to an event\n' > "$FIX/ev.txt"
r=$(api POST /api/documents/upload -F "file=@$FIX/ev.txt" -F "event_id=$EV")
is "$(status_of "$r")" 201 "upload attached to an event"
D4=$(jget 'd["id"]' "$(body_of "$r")")
is "$(jget '[d["event_id"], d["client_id"], d["task_id"]]' "$(body_of "$r")")" "[$EV, $ACME, $TASK]" "client and task from the event"
r=$(api GET "/api/documents?event_id=$EV")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$D4]" "filter event_id"
r=$(api POST /api/documents/upload -F "file=@$FIX/ev.txt" -F "event_id=$EV" -F "client_id=$GLOBEX")
is "$(status_of "$r")" 422 "event of another client: 422"

# ---- client isolation --------------------------------------------------------------
r=$(api POST /api/documents/upload -F "file=@$FIX/notes.txt" -F "client_id=$GLOBEX")
is "$(status_of "$r")" 201 "a Globex document (operator)"
DG=$(jget 'd["id"]' "$(body_of "$r")")
for p in "/api/documents/$DG" "/api/documents/$DG/download"; do
    r=$(http GET "$p" "${ADA[@]}")
    is "$(status_of "$r")" 404 "agent token: GET $p of another client is 404"
done
r=$(http DELETE "/api/documents/$DG" "${ADA[@]}")
is "$(status_of "$r")" 404 "agent token: DELETE of another client's document is 404"
r=$(http GET /api/documents "${ADA[@]}")
is "$(jget 'sorted(x["client_id"] for x in d["data"])' "$(body_of "$r")")" "[$ACME, $ACME, $ACME, $ACME]" "agent lists only their clients' documents"
r=$(http POST /api/documents/upload "${ADA[@]}" -F "file=@$FIX/notes.txt" -F "client_id=$GLOBEX")
is "$(status_of "$r")" 404 "agent cannot upload for another client"
r=$(http POST /api/documents/upload "${ADA[@]}" -F "file=@$FIX/ev.txt" -F "document_id=$DG")
is "$(status_of "$r")" 404 "agent cannot add a version to another client's document"
r=$(http GET /api/documents)
is "$(status_of "$r")" 401 "no token: 401"

# ---- delete ----------------------------------------------------------------------------
r=$(api DELETE "/api/documents/$D1")
is "$(status_of "$r")" 200 "DELETE /api/documents/:id"
b=$(body_of "$r")
is "$(jget 'd["deleted"]' "$b")" true "deleted: true"
DC=$(jget 'd["commit"]' "$b")
is "$(git_r rev-parse HEAD)" "$DC" "a commit removes it"
like "$(git_r log -1 --format=%s)" "^Delete notes.txt from task $TASK" "delete commit message"
! git_r cat-file -e "HEAD:clients/acme-corp-$ACME/tasks/$TASK-dark-mode-for-the-dashboard/notes.txt" 2>/dev/null; ok $? "file gone at the tip"
git_r cat-file -e "$C1:clients/acme-corp-$ACME/tasks/$TASK-dark-mode-for-the-dashboard/notes.txt"; ok $? "history keeps it"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.commit') FROM events WHERE event_type='document_deleted'")" "api:ops|$DC" "document_deleted event"
r=$(api GET "/api/documents/$D1/download")
is "$(status_of "$r")" 404 "download of a deleted document: 404"
r=$(api GET "/api/documents/$D1/download?version=$C1")
is "$(status_of "$r")" 200 "its old version still downloads"
r=$(api GET "/api/documents/$D1")
is "$(jget '[len(d["versions"]), d["versions"][0]["deleted"], d["versions"][0]["download_url"]]' "$(body_of "$r")")" \
   '[2, true, null]' "versions list the deletion"
r=$(api DELETE "/api/documents/$D1")
is "$(status_of "$r")" 409 "deleting twice: 409"
r=$(api GET "/api/documents")
unlike "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "\\b$D1\\b" "deleted documents hidden by default"
r=$(api GET "/api/documents?deleted=only")
is "$(jget '[x["id"] for x in d["data"]]' "$(body_of "$r")")" "[$D1]" "deleted=only"
r=$(http POST /api/documents/upload "${ADA[@]}" -F "file=@$FIX/notes.txt" -F "task_id=$TASK")
is "$(status_of "$r")" 200 "uploading the same name again brings it back"
is "$(jget '[d["id"], d["deleted"], d["restored"]]' "$(body_of "$r")")" "[$D1, false, true]" "restored, same document"

# ---- concurrent uploads: four FastCGI processes, no commit lost ---------------
before=$(commits)
docs_before=$(sql "SELECT count(*) FROM documents")
for i in $(seq 1 12); do
    printf 'parallel file %s\n' "$i" > "$FIX/par-$i.txt"
    printf 'shared version %s\n' "$i" > "$FIX/shared-$i.txt"
done
pids=()
for i in $(seq 1 12); do
    curl -s -o "$SB_TMP/par-$i.out" -w '%{http_code}\n' "${AUTH[@]}" -F "file=@$FIX/par-$i.txt" -F "client_id=$GLOBEX" "$SB_URL/api/documents/upload" > "$SB_TMP/par-$i.code" &
    pids+=($!)
    curl -s -o "$SB_TMP/sh-$i.out" -w '%{http_code}\n' "${AUTH[@]}" -F "file=@$FIX/shared-$i.txt;filename=shared.txt" -F "client_id=$GLOBEX" "$SB_URL/api/documents/upload" > "$SB_TMP/sh-$i.code" &
    pids+=($!)
done
wait "${pids[@]}" # not a bare wait: lighttpd is a background job of this shell too
is "$(cat "$SB_TMP"/par-*.code | sort | uniq -c | tr -s ' ' | sed 's/^ //')" "12 201" "12 parallel uploads of distinct files: all 201"
is "$(cat "$SB_TMP"/sh-*.code | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ' ')" "11 200 1 201 " "12 parallel uploads of one name: one new document, 11 new versions"
is "$(( $(commits) - before ))" 24 "24 commits on the branch, none lost"
is "$(( $(sql "SELECT count(*) FROM documents") - docs_before ))" 13 "13 new documents"
SH=$(sql "SELECT id FROM documents WHERE file_name='shared.txt'")
SHPATH=$(sql "SELECT path FROM documents WHERE id=$SH")
is "$(git_r log --format=%H -- "$SHPATH" | wc -l | tr -d ' ')" 12 "the shared file has 12 versions in git"
is "$(sql "SELECT current_commit FROM documents WHERE id=$SH")" "$(git_r log -1 --format=%H -- "$SHPATH")" "its current_commit is the newest version"
is "$(sql "SELECT count(*) FROM events WHERE event_type='document_updated' AND json_extract(details,'\$.document_id')=$SH")" 11 "one document_updated event per version"

# ---- hostile uploads: nothing stored ----------------------------------------------------
rows_before=$(sql "SELECT count(*)||'/'||(SELECT count(*) FROM events) FROM documents")
commits_before=$(commits)
printf 'innocent\n' > "$FIX/plain.txt"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt;filename=../../../etc/passwd.txt" -F "client_id=$ACME")
is "$(status_of "$r")" 201 "traversal name: stored under a safe base name"
is "$(jget 'd["path"]' "$(body_of "$r")")" "clients/acme-corp-$ACME/documents/passwd.txt" "../ dropped: inside the client's folder"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt;filename=..\\..\\windows\\evil.md" -F "client_id=$ACME")
is "$(jget 'd["file_name"]' "$(body_of "$r")")" "evil.md" "backslash path dropped"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt;filename=.git" -F "client_id=$ACME")
is "$(jget '[d["file_name"], d["content_type"]]' "$(body_of "$r")")" '["git", "text/plain"]' ".git becomes git"
rows_before=$(sql "SELECT count(*)||'/'||(SELECT count(*) FROM events) FROM documents")
commits_before=$(commits)

head -c 200001 /dev/zero | tr '\0' 'a' > "$FIX/big.txt"
r=$(api POST /api/documents/upload -F "file=@$FIX/big.txt" -F "client_id=$ACME")
is "$(status_of "$r")" 413 "larger than SWITCHBOARD_MAX_UPLOAD: 413"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" "largest accepted is 200000 bytes" "413 says the limit"
head -c 1100000 /dev/zero | tr '\0' 'a' > "$FIX/huge.txt"
r=$(api POST /api/documents/upload -F "file=@$FIX/huge.txt" -F "client_id=$ACME")
is "$(status_of "$r")" 413 "larger than the request body limit: 413"

printf '<!DOCTYPE html><html><script>alert(document.cookie)</script></html>' > "$FIX/fake.png"
r=$(api POST /api/documents/upload -F "file=@$FIX/fake.png;type=image/png" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "HTML disguised as a PNG: 415"
is "$(jget 'd["error"]["code"]' "$(body_of "$r")")" type_mismatch "code type_mismatch"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" "fake.png is named like a PNG image, but its content is HTML" "clear message"
printf 'just text' > "$FIX/photo.jpg"
r=$(api POST /api/documents/upload -F "file=@$FIX/photo.jpg" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "text named .jpg: 415"
cp "$FIX/screen shot.png" "$FIX/readme.txt"
r=$(api POST /api/documents/upload -F "file=@$FIX/readme.txt" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "a PNG named .txt: 415"
printf 'caf\xe9 latin-1\n' > "$FIX/latin1.csv"
r=$(api POST /api/documents/upload -F "file=@$FIX/latin1.csv" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "text that is not UTF-8: 415"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" "not UTF-8 text" "says UTF-8"
printf 'a\0b\n' > "$FIX/nul.md"
r=$(api POST /api/documents/upload -F "file=@$FIX/nul.md" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "text with a NUL: 415"
printf '<html><body>hi</body></html>' > "$FIX/page.html"
r=$(api POST /api/documents/upload -F "file=@$FIX/page.html" -F "client_id=$ACME")
is "$(jget '[d["error"]["code"]]' "$(body_of "$r")")" '["active_content"]' "an .html file is refused"
printf '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' > "$FIX/logo.svg"
r=$(api POST /api/documents/upload -F "file=@$FIX/logo.svg" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "an SVG is refused"
r=$(api POST /api/documents/upload -F "file=@$FIX/page.html;filename=noext" -F "client_id=$ACME")
is "$(status_of "$r")" 415 "HTML without an extension is refused"
printf '\x7fELF\x02\x01\x01\x00\x00' > "$FIX/tool.bin"
r=$(api POST /api/documents/upload -F "file=@$FIX/tool.bin" -F "client_id=$ACME")
is "$(jget 'd["error"]["code"]' "$(body_of "$r")")" unsupported_type "an unknown binary is refused"
: > "$FIX/empty.txt"
r=$(api POST /api/documents/upload -F "file=@$FIX/empty.txt" -F "client_id=$ACME")
is "$(status_of "$r")" 422 "an empty file: 422"

# malformed multipart
r=$(api POST /api/documents/upload -H 'Content-Type: multipart/form-data; boundary=XyZ' \
    --data-binary $'--XyZ\r\nContent-Disposition: form-data; name="client_id"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nno closing boundary')
is "$(status_of "$r")" 400 "multipart without its closing boundary: 400"
like "$(jget 'd["error"]["message"]' "$(body_of "$r")")" "malformed" "says malformed"
r=$(api POST /api/documents/upload -H 'Content-Type: multipart/form-data' --data-binary 'x')
is "$(status_of "$r")" 400 "multipart without a boundary: 400"
r=$(api POST /api/documents/upload -H 'Content-Type: multipart/form-data; boundary=XyZ' \
    --data-binary $'--XyZ\nContent-Disposition: form-data; name="file"; filename="a.txt"\n\nbare LF\n--XyZ--\n')
is "$(status_of "$r")" 400 "bare LF line breaks: 400"
r=$(api POST /api/documents/upload -H 'Content-Type: application/json' --data-binary '{"file":"x"}')
is "$(status_of "$r")" 415 "not multipart: 415"
r=$(api POST /api/documents/upload -F "client_id=$ACME" -F "description=no file")
is "$(status_of "$r")" 422 "no file part: 422"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt" -F "client_id=$ACME" -F "client_id=$GLOBEX")
is "$(status_of "$r")" 422 "a field twice: 422"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt" -F "client_id=abc")
is "$(status_of "$r")" 422 "a non-numeric id: 422"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt" -F "surprise=1" -F "client_id=$ACME")
is "$(status_of "$r")" 422 "an unknown field: 422"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt")
is "$(jget 'd["error"]["field"]' "$(body_of "$r")")" client_id "no owner: 422 on client_id"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt" -F "task_id=999999")
is "$(status_of "$r")" 404 "unknown task: 404"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt" -F "client_id=$GLOBEX" -F "task_id=$TASK")
is "$(status_of "$r")" 422 "task of another client: 422"
r=$(api POST /api/documents/upload -F "file=@$FIX/plain.txt" -F "client_id=$ACME" -F "description=$(head -c 1001 /dev/zero | tr '\0' x)")
is "$(status_of "$r")" 422 "description too long: 422"

is "$(sql "SELECT count(*)||'/'||(SELECT count(*) FROM events) FROM documents")" "$rows_before" "refused uploads stored no row and no event"
is "$(commits)" "$commits_before" "refused uploads made no commit"
git_r fsck --strict >/dev/null 2>&1; ok $? "git fsck: the repository is sound"

done_testing
