#!/usr/bin/env bash
# t1000-backup: `switchboard backup DIR` while the desk runs (signed
# webhooks and document uploads arriving meanwhile), then `switchboard
# restore DIR` into a fresh data directory: the same rows in every table,
# the same document history, every document's commit present, and a server
# started on the restored data lets a user in.  Refusals: a backup into a
# non-empty directory, a damaged backup, a non-empty data directory
# without --force, a database another process has open.  --force keeps the
# replaced files aside; a backup from an older schema is migrated.
. "$(dirname "$0")/../lib.sh"
sb_env
printf 'SLA_URGENT_MINUTES = 45\n' > "$SWITCHBOARD_DATA/switchboard.conf"
chmod 0640 "$SWITCHBOARD_DATA/switchboard.conf"
sb_start 2 || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
LIVE=$SWITCHBOARD_DATA
REPO=$LIVE/artifacts.git
BK=$SB_TMP/backup
PW='correct horse battery staple 1'

# ---- a desk with data -----------------------------------------------------
sb_user ada "$PW" --admin
TOKEN=$("$SB_BIN" token add ops 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")
r=$(http POST /api/clients "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary '{"name":"Acme Corp","phone":"+14155550100"}')
is "$(status_of "$r")" 201 "a client"
ACME=$(body_of "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
printf 'First notes\n' > "$SB_TMP/notes.md"
r=$(http POST /api/documents/upload "${AUTH[@]}" -F "file=@$SB_TMP/notes.md" -F "client_id=$ACME")
is "$(status_of "$r")" 201 "a document"
for i in 1 2 3; do
    "$SB_BIN" simulate-sms --from +1415555010$i --body "Hello, question number $i about opening hours?" --url "$SB_URL" >/dev/null
done
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
like "$(sql "SELECT count(*) FROM tasks")" '^[1-9]' "the worker made tasks"

# ---- backup while webhooks and uploads keep coming -------------------------
before=$(sql "SELECT count(*) FROM messages")
(
    for i in $(seq 40); do
        "$SB_BIN" simulate-sms --from +1415555$((2000 + i)) --body "Busy hour message $i" --url "$SB_URL" >/dev/null 2>&1
    done
) &
SMS_LOOP=$!
(
    for i in $(seq 8); do
        printf 'Notes version %s\n' "$i" > "$SB_TMP/loop.md"
        curl -s -o /dev/null "${AUTH[@]}" -F "file=@$SB_TMP/loop.md;filename=loop-$i.md" -F "client_id=$ACME" \
            "$SB_URL/api/documents/upload"
    done
) &
DOC_LOOP=$!
for _ in $(seq 600); do [ "$(sql "SELECT count(*) FROM messages")" -gt $((before + 3)) ] && break; sleep 0.05; done
out=$("$SB_BIN" backup "$BK" 2>&1)
ok $? "backup succeeds while webhooks arrive"
like "$out" "^backup written to $BK: database at schema [0-9]+ \([0-9]+ rows in [0-9]+ tables\), artifact repository \(1 refs" "backup says what it wrote"
wait "$SMS_LOOP" "$DOC_LOOP"
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
is "$(ls "$BK" | sort | tr '\n' ' ')" "artifacts.bundle manifest.json switchboard.conf switchboard.db " "the backup's files"
is "$(stat -c %a "$BK/switchboard.conf" "$BK/switchboard.db" | tr '\n' ' ')" "600 600 " "config and database copies are private (0600)"
is "$(cat "$BK/switchboard.conf")" "SLA_URGENT_MINUTES = 45" "the config file is in the backup"
bq() { sql --db "$BK/switchboard.db" --read-only "$@"; }
is "$(bq 'PRAGMA integrity_check')" ok "the database copy is intact"
is "$(bq 'PRAGMA foreign_key_check' | wc -l)" 0 "no dangling references in the snapshot"
is "$(bq 'PRAGMA journal_mode')" delete "the copy is one self-contained file"
inbk=$(bq "SELECT count(*) FROM messages")
ok $([ "$inbk" -gt $((before + 3)) ] && [ "$inbk" -le "$(sql "SELECT count(*) FROM messages")" ]; echo $?) \
   "the snapshot holds messages that came in during the busy loop ($before before, $inbk in the backup)"
is "$(bq "SELECT count(*) FROM messages m WHERE direction = 'in' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id AND e.event_type = 'message_in')")" 0 \
   "every message in the snapshot has its event (transactions are whole)"
manifest() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"m": m}))' "$BK/manifest.json" "$1"; }
is "$(manifest 'm["tables"]["messages"]')" "$inbk" "the manifest counts the rows"
is "$(manifest 'm["schema"]')" "$(sql 'SELECT max(version) FROM schema_migrations')" "the manifest has the migration level"
is "$(manifest 'm["files"]["switchboard.db"]["sha256"]')" "$(sha256sum "$BK/switchboard.db" | cut -d' ' -f1)" "the manifest has each file's sha256"
HEAD_BK=$(manifest 'm["artifacts"]["head"]')
like "$HEAD_BK" '^[0-9a-f]{40}$' "the manifest has the repository's branch tip"
git init -q "$SB_TMP/probe"
git -C "$SB_TMP/probe" bundle verify "$BK/artifacts.bundle" >/dev/null 2>&1
ok $? "git accepts the bundle (git bundle verify)"

out=$("$SB_BIN" backup "$BK" 2>&1)
is "$?" 1 "a backup into a non-empty directory is refused"
like "$out" "is not empty" "and says why"

# ---- restore into a fresh data directory ----------------------------------
NEW=$SB_TMP/restored
out=$(SWITCHBOARD_DATA=$NEW "$SB_BIN" restore "$BK" 2>&1)
ok $? "restore into a fresh data directory"
like "$out" "restored $NEW from $BK" "restore says what it did"
rq() { sql --db "$NEW/switchboard.db" "$@"; }
same=0
for t in $(bq "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
    a=$(bq "SELECT * FROM \"$t\" ORDER BY 1" | sha256sum)
    b=$(rq "SELECT * FROM \"$t\" ORDER BY 1" | sha256sum)
    [ "$a" = "$b" ] || { diag "table $t differs"; same=1; }
done
ok $same "every table's rows are the same as in the backup"
is "$(rq "SELECT count(*) FROM messages")" "$inbk" "message count restored"
is "$(git --git-dir="$NEW/artifacts.git" rev-parse refs/heads/main)" "$HEAD_BK" "the repository's branch tip is the backup's"
mkdir -p "$SB_TMP/cl"
git clone -q "$BK/artifacts.bundle" "$SB_TMP/cl/fromb" 2>/dev/null
is "$(git --git-dir="$NEW/artifacts.git" log --format='%H %an %s' refs/heads/main)" "$(git -C "$SB_TMP/cl/fromb" log --format='%H %an %s' main)" \
   "git log of the restored repository matches the bundle"
missing=0
for c in $(rq "SELECT current_commit FROM documents"); do
    git --git-dir="$NEW/artifacts.git" cat-file -e "$c^{commit}" 2>/dev/null || missing=$((missing + 1))
done
is "$missing" 0 "every document's commit is in the restored repository"
git --git-dir="$NEW/artifacts.git" fsck --no-progress >/dev/null 2>&1
ok $? "the restored repository passes git fsck"
is "$(git --git-dir="$NEW/artifacts.git" config http.receivepack)" false "the restored repository is read-only over HTTP"
is "$(stat -c %a "$NEW/switchboard.conf")" 600 "restored config is 0600"
is "$(cat "$NEW/switchboard.conf")" "SLA_URGENT_MINUTES = 45" "restored config content"

# A server on the restored data: health, and Ada signs in.
sb_stop_server() { kill "$SB_LIGHTTPD_PID" 2>/dev/null; wait "$SB_LIGHTTPD_PID" 2>/dev/null; SB_LIGHTTPD_PID=""; }
sb_stop_server
export SWITCHBOARD_DATA=$NEW
sb_start 1 || { echo "not ok - server on the restored data"; done_testing; }
is "$(status_of "$(http GET /health)")" 200 "a server starts on the restored data"
is "$(sb_login ada "$PW")" 303 "ada signs in on the restored desk"
use_jar ada
r=$(http GET /tasks)
is "$(status_of "$r")" 200 "the task list opens"
like "$(body_of "$r")" "opening hours" "with the tasks from before the backup"

# ---- refusals ---------------------------------------------------------------
out=$("$SB_BIN" restore "$BK" 2>&1)
is "$?" 1 "restore refuses a database another process has open"
like "$out" "open in another process" "and says to stop the services"
sb_stop_server
out=$("$SB_BIN" restore "$BK" 2>&1)
is "$?" 1 "restore refuses a non-empty data directory without --force"
like "$out" "is not empty.*--force" "and names --force"
rq "INSERT INTO settings (name, value, updated_at) VALUES ('marker', 'old', 1)"
out=$("$SB_BIN" restore --force "$BK" 2>&1)
ok $? "restore --force succeeds"
aside=$(ls -d "$NEW"/replaced-* 2>/dev/null | head -n1)
like "$aside" "replaced-[0-9]{8}T[0-9]{6}Z$" "the replaced files are kept aside"
is "$(sql --db "$aside/switchboard.db" --read-only "SELECT value FROM settings WHERE name = 'marker'")" old "the old database is among them"
is "$(rq "SELECT count(*) FROM settings WHERE name = 'marker'")" 0 "the restored database is the backup's"

DAMAGED=$SB_TMP/damaged
cp -r "$BK" "$DAMAGED"
printf 'x' >> "$DAMAGED/artifacts.bundle"
out=$(SWITCHBOARD_DATA=$SB_TMP/never "$SB_BIN" restore "$DAMAGED" 2>&1)
is "$?" 1 "a damaged backup is refused"
like "$out" "artifacts.bundle does not match the manifest" "naming the damaged file"
ok $([ ! -e "$SB_TMP/never" ]; echo $?) "and nothing was written"

# ---- an older backup is migrated ----------------------------------------------
last=$(ls "$SB_ROOT/migrations" | tail -n1)
if grep -vE '^\s*(--|$)' "$SB_ROOT/migrations/$last" | grep -qiE '^\s*(ALTER|DROP|INSERT|UPDATE|DELETE)\b'; then
    diag "skipping the older-backup check: $last does more than create tables"
else
    OLD=$SB_TMP/old
    cp -r "$BK" "$OLD"
    ver=$((10#${last%%_*}))
    for t in $(grep -oiE 'CREATE TABLE (IF NOT EXISTS )?[a-z_]+' "$SB_ROOT/migrations/$last" | awk '{print $NF}'); do
        sql --db "$OLD/switchboard.db" "DROP TABLE $t"
    done
    sql --db "$OLD/switchboard.db" "DELETE FROM schema_migrations WHERE version = $ver"
    python3 - "$OLD" <<'PY'
import hashlib, json, os, sqlite3, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
db = sqlite3.connect(os.path.join(d, "switchboard.db"))
m["schema"] = db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
m["tables"] = {t: db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for (t,) in
               db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")}
db.close()
for name in m["files"]:
    b = open(os.path.join(d, name), "rb").read()
    m["files"][name] = {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
json.dump(m, open(os.path.join(d, "manifest.json"), "w"))
PY
    out=$(SWITCHBOARD_DATA=$SB_TMP/fromold "$SB_BIN" restore "$OLD" 2>&1)
    ok $? "a backup from an older schema restores"
    like "$out" "applied migration $last" "and is migrated"
    is "$(sql --db "$SB_TMP/fromold/switchboard.db" 'SELECT max(version) FROM schema_migrations')" \
       "$(sql 'SELECT max(version) FROM schema_migrations')" "to the current schema"
fi

done_testing
