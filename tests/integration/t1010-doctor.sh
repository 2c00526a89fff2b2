#!/usr/bin/env bash
# t1010-doctor: `switchboard doctor` on a healthy desk (a real server,
# Twilio, LLM and GitHub fakes, a worker that ran, reports built) passes
# with one line per check; then each fault gives its FAIL or WARN line and
# the exit status: a public URL that leads nowhere, a public URL the
# program behind the web server does not share, a world-readable database,
# a database owned by someone else, a stale and a missing worker
# heartbeat, an unreachable provider, migrations behind, stale reports, a
# broken config file.  GET /health/url shows the address the program
# reconstructs from what the web server passed.
. "$(dirname "$0")/../lib.sh"
sb_env
fake_start twilio || { echo "not ok 1 - fake Twilio starts"; echo "1..1"; exit 1; }
fake_start llm || { echo "not ok 1 - fake LLM starts"; echo "1..1"; exit 1; }
fake_start github || { echo "not ok 1 - fake GitHub starts"; echo "1..1"; exit 1; }
export TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
export TWILIO_AUTH_TOKEN=doctor-token
export TWILIO_FROM_NUMBER=+15005550006
export TWILIO_API_BASE=$FAKE_TWILIO_URL
export LLM_PROVIDER=openai LLM_BASE_URL=$FAKE_LLM_URL/v1 LLM_API_KEY=sk-doctor-secret-key
export GITHUB_TOKEN=ghp_doctorsecret GITHUB_REPO=acme/app GITHUB_API_BASE=$FAKE_GITHUB_URL
export GITHUB_WEBHOOK_SECRET=hook-secret
sb_start 1 || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
DB=$SWITCHBOARD_DATA/switchboard.db
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
"$SB_GEN" --quiet 2>>"$SB_TMP/gen.log"
printf 'SLA_LOW_MINUTES = 2880\n' > "$SWITCHBOARD_DATA/switchboard.conf"
chmod 0600 "$SWITCHBOARD_DATA/switchboard.conf"

# ---- /health/url ---------------------------------------------------------------
r=$(http GET /health/url -H 'Host: desk.example.com' -H 'X-Forwarded-Proto: https')
is "$(status_of "$r")" 200 "GET /health/url answers"
j=$(body_of "$r")
jf() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1" <<<"$j"; }
is "$(jf 'd["url"]')" "http://desk.example.com/health/url" "it shows the URL rebuilt from the Host header and scheme"
is "$(jf 'd["signed_url"]')" "$SWITCHBOARD_PUBLIC_URL/health/url" "and the URL a signature would be checked against"
is "$(jf 'd["forwarded"]["proto"]')" "https" "and what a proxy said in X-Forwarded-Proto"
unlike "$j" "$TWILIO_AUTH_TOKEN|$SWITCHBOARD_DATA" "it shows no secret and no path on disk"

# ---- healthy --------------------------------------------------------------------
out=$("$SB_BIN" doctor 2>&1)
ok $? "doctor passes on a healthy desk (exit 0)"
unlike "$out" '^FAIL' "no FAIL line"
for c in config public-url twilio llm github data-dir database migrations worker reports web reach-twilio reach-llm reach-github; do
    like "$out" "^OK +$c " "an OK line for $c"
done
like "$out" "OK +web .*reaches the program, which sees the same address" "the web server passes the public address through"
like "$out" '0 failed, [0-9]+ warnings$' "a summary line"
unlike "$out" "$TWILIO_AUTH_TOKEN|$LLM_API_KEY|$GITHUB_TOKEN|$GITHUB_WEBHOOK_SECRET" "no secret printed"
like "$(grep -c '"method": "GET"' "$SB_TMP/fake_twilio.log")" '^[1-9]' "Twilio was asked (an authenticated read)"
json=$("$SB_BIN" doctor --json)
ok $? "doctor --json exits 0 too"
is "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["fail"], len(d["checks"]) >= 14, sorted({c["status"] for c in d["checks"]})[0])' <<<"$json")" "0 True OK" \
   "--json gives the checks and the counts"

# doctor CHECK... prints that check's line; status of the run.
doc() { "$SB_BIN" doctor 2>&1; }
line() { grep -E "^(OK|WARN|FAIL) +$1 " <<<"$2"; }

# ---- the public URL ---------------------------------------------------------------
out=$(SWITCHBOARD_PUBLIC_URL=http://127.0.0.1:$(free_port) doc)
is "$?" 1 "a public URL with nothing behind it fails"
like "$(line web "$out")" '^FAIL +web +cannot reach http://127.0.0.1:[0-9]+/health/url: .*Hint: SWITCHBOARD_PUBLIC_URL must be' "FAIL web: cannot reach, with a hint"
out=$(SWITCHBOARD_PUBLIC_URL=http://localhost:$SB_PORT doc)
is "$?" 1 "a public URL the program does not share fails"
like "$(line web "$out")" "^FAIL +web +the program behind http://localhost:$SB_PORT has SWITCHBOARD_PUBLIC_URL=http://127.0.0.1:$SB_PORT" \
   "FAIL web: names both values"

# ---- files ------------------------------------------------------------------------
chmod 0755 "$SB_TMP" "$SWITCHBOARD_DATA"
chmod 0644 "$DB"
out=$(doc)
is "$?" 1 "a world-readable database fails"
like "$(line database "$out")" "^FAIL +database +the database $DB is readable by every user on this machine \(mode 0644\).*chmod o-rwx" \
   "FAIL database: readable by every user, with the chmod"
chmod 0600 "$DB"
chmod 0700 "$SB_TMP"
out=$(doc)
ok $? "fixed: passes again"
if [ "$(id -u)" = 0 ]; then
    chown nobody "$DB"
    out=$(doc)
    is "$?" 1 "a database owned by another user fails"
    like "$(line database "$out")" "^FAIL +database +the database $DB belongs to nobody, but this runs as root" "FAIL database: names the owner"
    chown 0 "$DB"
fi

# ---- the worker -------------------------------------------------------------------
now=$(($(date +%s) * 1000))
sql "UPDATE settings SET updated_at = $((now - 300000)) WHERE name = 'worker_heartbeat'"
out=$(doc)
ok $? "a heartbeat 5 minutes old only warns"
like "$(line worker "$out")" '^WARN +worker +last heartbeat 3[0-9][0-9]s ago' "WARN worker: its age"
sql "UPDATE settings SET updated_at = $((now - 3600000)) WHERE name = 'worker_heartbeat'"
out=$(doc)
is "$?" 1 "a heartbeat an hour old fails"
like "$(line worker "$out")" '^FAIL +worker +last heartbeat 60 minutes ago: no worker is running.*Hint: is `switchboard worker` running' "FAIL worker: stale, with a hint"
sql "DELETE FROM settings WHERE name = 'worker_heartbeat'"
like "$(line worker "$(doc)")" '^FAIL +worker +no worker has ever run' "FAIL worker: never ran"
"$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
like "$(line worker "$(doc)")" '^OK +worker +last heartbeat [0-9]s ago' "a worker run makes it OK again"

# ---- providers ---------------------------------------------------------------------
dead=$(free_port)
out=$(LLM_BASE_URL=http://127.0.0.1:$dead/v1 doc)
is "$?" 1 "an unreachable LLM provider fails"
like "$(line reach-llm "$out")" "^FAIL +reach-llm +cannot reach http://127.0.0.1:$dead/v1: .*\(connect\)" "FAIL reach-llm: cannot connect"
out=$(TWILIO_API_BASE=http://127.0.0.1:$dead doc)
like "$(line reach-twilio "$out")" "^FAIL +reach-twilio +cannot reach" "FAIL reach-twilio when Twilio's API cannot be reached"
out=$(GITHUB_API_BASE=http://127.0.0.1:$dead doc)
like "$(line reach-github "$out")" "^FAIL +reach-github +cannot reach http://127.0.0.1:$dead" "FAIL reach-github when GitHub's API cannot be reached"
out=$(GITHUB_REPO=no-slash doc)
like "$(line github "$out")" "^FAIL +github +GITHUB_TOKEN is set but GITHUB_REPO is 'no-slash'" "FAIL github: GITHUB_REPO malformed"
out=$(TWILIO_AUTH_TOKEN= doc)
like "$(line twilio "$out")" '^FAIL +twilio +TWILIO_AUTH_TOKEN is empty' "FAIL twilio: no auth token"
out=$(TWILIO_ACCOUNT_SID= doc)
like "$(line twilio "$out")" '^WARN +twilio +no TWILIO_ACCOUNT_SID: outbound SMS use the log channel' "WARN twilio: log channel"
unlike "$out" 'reach-twilio' "and Twilio is not asked"

# ---- reports -------------------------------------------------------------------------
touch -d '2 hours ago' "$SWITCHBOARD_DATA/site/.gen/state"
like "$(line reports "$(doc)")" '^WARN +reports +switchboard-gen last built .* 120 minutes ago' "WARN reports: stale"

# ---- migrations and the config file -------------------------------------------------------
top=$(sql "SELECT max(version) FROM schema_migrations")
row=$(sql "SELECT version || '|' || name || '|' || checksum || '|' || applied_at FROM schema_migrations WHERE version = $top")
sql "DELETE FROM schema_migrations WHERE version = $top"
prev=$(sql "SELECT max(version) FROM schema_migrations")  # numbers may have gaps
out=$(doc)
is "$?" 1 "migrations behind fail"
like "$(line migrations "$out")" "^FAIL +migrations +the database is at schema $prev, this program needs $top.*switchboard migrate" "FAIL migrations: names both levels"
IFS='|' read -r v n c a <<<"$row"
sql "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($v, '$n', '$c', $a)"
chmod 0640 "$SWITCHBOARD_DATA/switchboard.conf"
like "$(line config-file "$(doc)")" '^WARN +config-file .*readable by its group \(mode 0640\)' "WARN config-file: group-readable"
printf 'NO_SUCH_SETTING = 1\n' > "$SWITCHBOARD_DATA/switchboard.conf"
out=$(doc)
is "$?" 1 "a broken config file fails"
like "$(line config "$out")" '^FAIL +config +.*switchboard.conf:1: unknown setting NO_SUCH_SETTING' "FAIL config: file and line"
rm -f "$SWITCHBOARD_DATA/switchboard.conf"

done_testing
