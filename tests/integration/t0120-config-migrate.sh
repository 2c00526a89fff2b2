#!/usr/bin/env bash
# t0120-config-migrate: configuration sources and masking, migrations
# (applied once, checksums, a newer database), `make install` into a
# staging directory, and `make run` refusing a busy port.
. "$(dirname "$0")/../lib.sh"
sb_env
export TWILIO_AUTH_TOKEN=supersecret-token-value
printf 'SWITCHBOARD_PUBLIC_URL = https://desk.example.com/\nLLM_MODEL = "from-file"\n' > "$SWITCHBOARD_DATA/switchboard.conf"
export LLM_MODEL=from-env
out=$("$SB_BIN" config)
like "$out" 'SWITCHBOARD_PUBLIC_URL += https://desk.example.com +# file' "file values are read (trailing slash dropped)"
like "$out" 'LLM_MODEL += from-env +# environment' "the environment wins over the file"
like "$out" 'LLM_PROVIDER += builtin +# default' "defaults are shown as such"
like "$out" 'SWITCHBOARD_DB += [^ ]*/data/switchboard.db +# derived' "derived values say so"
unlike "$out" 'supersecret' "secrets are masked"
like "$out" 'TWILIO_AUTH_TOKEN += \*\*\*\*' "the masked secret is still visibly set"
printf 'NO_SUCH_SETTING = 1\n' >> "$SWITCHBOARD_DATA/switchboard.conf"
out=$("$SB_BIN" config 2>&1); rc=$?
is "$rc" 1 "an unknown setting in the file is an error"
like "$out" 'switchboard.conf:3: unknown setting NO_SUCH_SETTING' "naming the file, line and setting"
rm "$SWITCHBOARD_DATA/switchboard.conf"; unset LLM_MODEL

out=$("$SB_BIN" migrate 2>&1)
like "$out" 'applied migration 0001_core.sql' "migrate applies the first migration"
like "$out" 'is at schema [0-9]+' "and reports the schema"
out=$("$SB_BIN" migrate 2>&1)
unlike "$out" 'applied' "a second migrate applies nothing"
is "$(sql "SELECT count(*) FROM schema_migrations WHERE length(checksum) = 64")" "$(ls "$SB_ROOT"/migrations/*.sql | wc -l)" "every migration recorded with a checksum"
is "$(sql "PRAGMA journal_mode")" wal "the database is in WAL mode"
sql "INSERT INTO events (event_type, actor, created_at) VALUES ('x', 'test', 0)"
sql "UPDATE events SET actor = 'changed'" 2>/dev/null; ok $([ $? != 0 ]; echo $?) "events cannot be updated"
sql "DELETE FROM events" 2>/dev/null; ok $([ $? != 0 ]; echo $?) "events cannot be deleted"

good=$(sql "SELECT checksum FROM schema_migrations WHERE version = 1")
sql "UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1"
out=$("$SB_BIN" migrate 2>&1); rc=$?
is "$rc" 1 "an edited applied migration stops the program"
like "$out" 'migration 0001_core.sql was changed after it was applied' "naming the file and what to do"
out=$("$SB_BIN" worker --once 2>&1); rc=$?
is "$rc" 1 "every command that opens the database checks it"
sql "UPDATE schema_migrations SET checksum = '$good' WHERE version = 1"
sql "INSERT INTO schema_migrations VALUES (999, '0999_future.sql', 'x', 0)"
out=$("$SB_BIN" migrate 2>&1); rc=$?
is "$rc" 1 "a database newer than the program stops it"
like "$out" 'newer Switchboard|0999_future.sql' "with a message that says what to do"

# As root: the command-line tools run in a data directory that belongs to
# root (a root-only development machine), not in one of a service user;
# serving always needs SWITCHBOARD_ALLOW_ROOT=1.
sql "DELETE FROM schema_migrations WHERE version = 999"
if [ "$(id -u)" = 0 ]; then
    out=$(env -u SWITCHBOARD_ALLOW_ROOT "$SB_BIN" migrate 2>&1); rc=$?
    is "$rc" 0 "as root, migrate runs in a data directory that belongs to root"
    chown nobody "$SWITCHBOARD_DATA"
    out=$(env -u SWITCHBOARD_ALLOW_ROOT "$SB_BIN" migrate 2>&1); rc=$?
    is "$rc" 1 "as root, migrate refuses a data directory that belongs to another user"
    like "$out" "refusing to run as root: the data directory $SWITCHBOARD_DATA does not belong to root.*sudo -u.*SWITCHBOARD_ALLOW_ROOT=1" \
        "and says why, and how to run it instead"
    out=$(env -u SWITCHBOARD_ALLOW_ROOT "$SB_GEN" --quiet 2>&1); rc=$?
    is "$rc" 1 "switchboard-gen refuses it too"
    out=$(SWITCHBOARD_ALLOW_ROOT=1 "$SB_BIN" migrate 2>&1); rc=$?
    is "$rc" 0 "SWITCHBOARD_ALLOW_ROOT=1 overrides"
    chown 0 "$SWITCHBOARD_DATA"
    out=$(env -u SWITCHBOARD_ALLOW_ROOT timeout 5 "$SB_BIN" serve --socket "$SB_TMP/root.sock" 2>&1); rc=$?
    is "$rc" 1 "as root, serving refuses even in a data directory that belongs to root"
    like "$out" 'refusing to serve as root.*SWITCHBOARD_ALLOW_ROOT=1' "and says why and how to override"
    out=$(env -u SWITCHBOARD_ALLOW_ROOT timeout 5 "$SB_BIN" < /dev/null 2>&1); rc=$?
    ok $([ "$rc" != 0 ] && ! grep -q 'refusing to serve' <<<"$out"; echo $?) \
        "run without a command from a shell it prints the help (it is not under a web server)"
else
    for _ in 1 2 3 4 5 6 7 8; do ok 0 "# SKIP not running as root"; done
fi

# make install into a staging directory; the installed program finds its files.
stage=$SB_TMP/stage
make -C "$SB_ROOT" -s install PREFIX=/opt/sb DESTDIR="$stage" >/dev/null 2>&1
ok $? "make install succeeds"
ok $([ -x "$stage/opt/sb/bin/switchboard" ] && [ -f "$stage/opt/sb/share/switchboard/templates/pages/home.mustache" ] \
     && [ -f "$stage/opt/sb/share/switchboard/static/switchboard.css" ] && [ -f "$stage/opt/sb/share/switchboard/migrations/0001_core.sql" ] \
     && [ -f "$stage/opt/sb/share/switchboard/deploy/lighttpd.conf" ]; echo $?) "binary, templates, static files, migrations and deploy examples installed"
# The installed copy finds its files next to itself (PREFIX/share).
out=$(SWITCHBOARD_DATA=$SB_TMP/d2 "$stage/opt/sb/bin/switchboard" config 2>&1)
like "$out" "SWITCHBOARD_TEMPLATES += $stage/opt/sb/share/switchboard/templates " "the installed program finds its templates under its prefix"
out=$(cd "$SB_TMP" && printf '{"who":"installed"}' > d.json && printf 'Hello {{who}}' > t.mustache && "$stage/opt/sb/bin/switchboard" render t.mustache d.json)
is "$out" "Hello installed" "the installed program runs"

# A second `make run` on a busy port fails with a clear message.
port=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen(1); time.sleep(20)" &
lp=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
out=$(PORT=$port BIN=$SB_BIN SWITCHBOARD_DATA=$SB_TMP/d3 "$SB_ROOT/deploy/run-local" 2>&1); rc=$?
kill $lp 2>/dev/null; wait $lp 2>/dev/null
is "$rc" 1 "make run on a busy port exits with an error"
like "$out" "port $port on 127.0.0.1 is already in use" "and says why"
done_testing
