#!/usr/bin/env bash
# t0920-git-clone: the artifact repository cloned over HTTP from the
# lighttpd this test starts (deploy/lighttpd.conf rendered by
# deploy/render-conf), through /git/artifacts.git: read-only smart HTTP
# by git-http-backend behind the program's own authentication.  The clone
# is checked with the git command line (files, git log, git show); fetch
# sees new commits; pushing is refused; wrong or missing credentials and
# agents are refused.
. "$(dirname "$0")/../lib.sh"
command -v git >/dev/null || skip_all "git is not installed"
BACKEND=${SWITCHBOARD_GIT_HTTP_BACKEND:-/usr/lib/git-core/git-http-backend}
[ -x "$BACKEND" ] || skip_all "git-http-backend is not installed ($BACKEND)"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
FIX=$SB_TMP/fix
mkdir -p "$FIX"
export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
HOSTPORT=${SB_URL#http://}

TOKEN=$("$SB_BIN" token add cloner 2>/dev/null)
sb_user boss 'correct horse battery staple 1' --admin
sb_user ann 'correct horse battery staple 2'
ANN_TOKEN=$("$SB_BIN" token add ann-laptop --user ann 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")
sql "INSERT INTO clients (name, phone, created_at, updated_at) VALUES ('Acme Corp', '+14155550100', 0, 0)"
sql "INSERT INTO tasks (client_id, title, type, urgency, route, created_at, updated_at) VALUES (1, 'Dark mode', 'feature_request', 'low', 'AI', 0, 0)"

# An empty repository clones too (the program creates it on first use).
git clone -q "http://x:$TOKEN@$HOSTPORT/git/artifacts.git" "$SB_TMP/empty" 2>"$SB_TMP/clone0.err"
ok $? "clone of the still empty repository"

printf '# Dark mode\n\nFirst draft.\n' > "$FIX/prd.md"
r=$(http POST /api/documents/upload "${AUTH[@]}" -F "file=@$FIX/prd.md" -F "task_id=1")
is "$(status_of "$r")" 201 "a PRD uploaded"
printf '# Dark mode\n\nSecond draft, with contrast.\n' > "$FIX/prd.md"
r=$(http POST /api/documents/upload "${AUTH[@]}" -F "file=@$FIX/prd.md" -F "task_id=1" -F "description=Adds contrast")
is "$(status_of "$r")" 200 "a second version"
printf 'minutes\n' > "$FIX/minutes.txt"
r=$(http POST /api/documents/upload "${AUTH[@]}" -F "file=@$FIX/minutes.txt" -F "client_id=1")
is "$(status_of "$r")" 201 "a client document"

# ---- clone with an API token as the Basic password --------------------------------
git clone -q "http://cloner:$TOKEN@$HOSTPORT/git/artifacts.git" "$SB_TMP/clone" 2>"$SB_TMP/clone.err"
ok $? "git clone over HTTP with an API token"
[ -s "$SB_TMP/clone.err" ] && sed 's/^/#   /' "$SB_TMP/clone.err"
C=$SB_TMP/clone
is "$(cat "$C/clients/acme-corp-1/tasks/1-dark-mode/prd.md")" "$(printf '# Dark mode\n\nSecond draft, with contrast.')" "the PRD's current version is checked out"
is "$(cat "$C/clients/acme-corp-1/documents/minutes.txt")" minutes "the client document too"
is "$(git -C "$C" rev-parse --abbrev-ref HEAD)" main "branch main"
is "$(git -C "$C" log --format=%s -- clients/acme-corp-1/tasks/1-dark-mode/prd.md | wc -l | tr -d ' ')" 2 "git log: two versions of the PRD"
like "$(git -C "$C" log -1 --format='%an|%s' -- clients/acme-corp-1/tasks/1-dark-mode/prd.md)" \
     '^API token cloner\|Update prd.md in task 1 \(Dark mode\)$' "git log: author and message of the last version"
FIRST=$(git -C "$C" log --format=%H -- clients/acme-corp-1/tasks/1-dark-mode/prd.md | tail -n1)
like "$(git -C "$C" show "$FIRST:clients/acme-corp-1/tasks/1-dark-mode/prd.md")" 'First draft' "git show: the first version's content"
like "$(git -C "$C" show --stat HEAD~1)" 'prd.md' "git show: what a commit changed"
git -C "$C" fsck --strict >/dev/null 2>&1; ok $? "the clone passes git fsck"
is "$(git -C "$C" rev-parse HEAD)" "$(git --git-dir="$SWITCHBOARD_DATA/artifacts.git" rev-parse refs/heads/main)" "the clone has the server's tip"

# ---- fetch sees new commits (delete included) -------------------------------------------
r=$(http DELETE /api/documents/2 "${AUTH[@]}")
is "$(status_of "$r")" 200 "a document deleted"
git -C "$C" pull -q 2>"$SB_TMP/pull.err"
ok $? "git pull over HTTP"
[ ! -e "$C/clients/acme-corp-1/documents/minutes.txt" ]; ok $? "the deletion arrives"
like "$(git -C "$C" log -1 --format=%s)" '^Delete minutes.txt' "git log shows the deletion"

# ---- an administrator's login and password ---------------------------------------------
git clone -q "http://boss:correct%20horse%20battery%20staple%201@$HOSTPORT/git/artifacts.git" "$SB_TMP/clone2" 2>/dev/null
ok $? "clone with an administrator's login and password"
GIT_PROTOCOL_V2_CLONE=$SB_TMP/clone3
git -c protocol.version=2 clone -q "http://x:$TOKEN@$HOSTPORT/git/artifacts.git" "$GIT_PROTOCOL_V2_CLONE" 2>/dev/null
ok $? "clone with protocol version 2"

# ---- refusals ------------------------------------------------------------------------------
! git clone -q "http://$HOSTPORT/git/artifacts.git" "$SB_TMP/no" 2>"$SB_TMP/no.err"; ok $? "no credentials: refused"
r=$(http GET "/git/artifacts.git/info/refs?service=git-upload-pack")
is "$(status_of "$r")" 401 "no credentials: 401"
like "$(header WWW-Authenticate)" '^Basic realm=' "asks for Basic credentials"
! git clone -q "http://boss:wrong@$HOSTPORT/git/artifacts.git" "$SB_TMP/no2" 2>/dev/null; ok $? "a wrong password: refused"
! git clone -q "http://x:not-a-token@$HOSTPORT/git/artifacts.git" "$SB_TMP/no3" 2>/dev/null; ok $? "a wrong token: refused"
r=$(http GET "/git/artifacts.git/info/refs?service=git-upload-pack" -u "ann:correct horse battery staple 2")
is "$(status_of "$r")" 403 "an agent's password: 403 (the repository holds every client)"
r=$(http GET "/git/artifacts.git/info/refs?service=git-upload-pack" -u "x:$ANN_TOKEN")
is "$(status_of "$r")" 403 "an agent's token: 403"
r=$(http GET "/git/artifacts.git/info/refs?service=git-upload-pack" -H "Authorization: Bearer $TOKEN" | head -n1)
is "$(status_of "$r")" 200 "Bearer token accepted too"
is "$(header Content-Type)" application/x-git-upload-pack-advertisement "smart HTTP advertisement"
r=$(http GET "/git/artifacts.git/info/refs" -u "x:$TOKEN")
is "$(status_of "$r")" 404 "the dumb protocol is not served"
r=$(http GET "/git/artifacts.git/HEAD" -u "x:$TOKEN")
is "$(status_of "$r")" 404 "no raw file access"
r=$(http GET "/git/artifacts.git/config" -u "x:$TOKEN")
is "$(status_of "$r")" 404 "the repository's config is not served"

# ---- pushing is refused ------------------------------------------------------------------
echo hacked > "$C/clients/acme-corp-1/tasks/1-dark-mode/prd.md"
git -C "$C" -c user.name=X -c user.email=x@example.com commit -qam "tamper"
tip=$(git --git-dir="$SWITCHBOARD_DATA/artifacts.git" rev-parse refs/heads/main)
! git -C "$C" push -q origin main 2>"$SB_TMP/push.err"; ok $? "git push is refused"
like "$(cat "$SB_TMP/push.err")" '403' "with 403"
r=$(http GET "/git/artifacts.git/info/refs?service=git-receive-pack" -u "x:$TOKEN")
is "$(status_of "$r")" 403 "receive-pack advertisement: 403"
r=$(http POST "/git/artifacts.git/git-receive-pack" -u "x:$TOKEN" -H 'Content-Type: application/x-git-receive-pack-request' --data-binary '0000')
is "$(status_of "$r")" 403 "receive-pack: 403"
is "$(git --git-dir="$SWITCHBOARD_DATA/artifacts.git" rev-parse refs/heads/main)" "$tip" "the server's branch did not move"

done_testing
