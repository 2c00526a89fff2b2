# tests/lib.sh - shared helpers for the integration tests (bash, TAP).
#
# Each test file sources this, calls sb_start to get a private data
# directory and a real lighttpd serving the real FastCGI program on a free
# loopback port, drives it with curl, and ends with done_testing.
# SB_BIN selects the program (the sanitizer pass points it at build/san).
# sb_stop (run on exit) fails the test if the error log holds a sanitizer
# report.

set -u
# The system's own tools first: the tests run python3 and curl
# thousands of times, and a version manager's shim earlier in PATH (pyenv's
# python3 is a shell script that starts several more) makes each call
# many times slower.  `make deps` installs the Debian ones.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
SB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SB_BUILD=${SB_BUILD:-build}
SB_BIN=${SB_BIN:-$SB_ROOT/$SB_BUILD/bin/switchboard}
case $SB_BIN in /*) ;; *) SB_BIN=$SB_ROOT/$SB_BIN ;; esac
SB_GEN=${SB_GEN:-$(dirname "$SB_BIN")/switchboard-gen}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:log_path=stderr}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

T_N=0
T_FAIL=0
ok() { # ok COND_EXIT_STATUS DESCRIPTION
    T_N=$((T_N + 1))
    if [ "$1" = 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
    T_N=$((T_N + 1))
    if [ "$1" = "$2" ]; then echo "ok $T_N - $3"
    else
        echo "not ok $T_N - $3"; T_FAIL=$((T_FAIL + 1))
        printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
    fi
}
like() { # like GOT REGEX DESCRIPTION
    T_N=$((T_N + 1))
    if printf '%s' "$1" | grep -qE -- "$2"; then echo "ok $T_N - $3"
    else
        echo "not ok $T_N - $3"; T_FAIL=$((T_FAIL + 1))
        printf '#   got: %s\n#   expected to match: %s\n' "$(printf '%s' "$1" | head -c 600)" "$2"
    fi
}
unlike() {
    T_N=$((T_N + 1))
    if printf '%s' "$1" | grep -qE -- "$2"; then
        echo "not ok $T_N - $3"; T_FAIL=$((T_FAIL + 1))
        printf '#   got: %s\n#   expected NOT to match: %s\n' "$(printf '%s' "$1" | head -c 600)" "$2"
    else echo "ok $T_N - $3"; fi
}
diag() { printf '# %s\n' "$*"; }
done_testing() {
    sb_stop
    echo "1..$T_N"
    [ "$T_FAIL" = 0 ]
    exit $?
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

SB_TMP=""
SB_JAR=""
SB_LIGHTTPD_PID=""
# sb_env: a private data directory and settings, without a web server.
sb_env() {
    SB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbtest.XXXXXX")
    export SWITCHBOARD_DATA=$SB_TMP/data
    mkdir -p "$SWITCHBOARD_DATA"
    export SWITCHBOARD_ALLOW_ROOT=1
    unset SWITCHBOARD_DB SWITCHBOARD_TEMPLATES SWITCHBOARD_STATIC
    export TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN:-test-auth-token-0123456789}
    export TWILIO_ACCOUNT_SID=${TWILIO_ACCOUNT_SID:-}
    trap 'sb_stop' EXIT
}
# sb_start [PROCS]: private data dir + lighttpd + the program; sets SB_URL.
sb_start() {
    [ -n "$SB_TMP" ] || sb_env
    SB_PORT=$(free_port)
    export SWITCHBOARD_PUBLIC_URL=${SWITCHBOARD_PUBLIC_URL_OVERRIDE:-http://127.0.0.1:$SB_PORT}
    SB_URL=http://127.0.0.1:$SB_PORT
    mkdir -p "$SB_TMP/run"
    BIND=127.0.0.1 PORT=$SB_PORT BIN=$SB_BIN STATIC=$SB_ROOT/static RUNDIR=$SB_TMP/run \
        PROCS=${1:-2} ERRORLOG=$SB_TMP/error.log \
        "$SB_ROOT/deploy/render-conf" "$SB_ROOT/deploy/lighttpd.conf" > "$SB_TMP/lighttpd.conf" || return 1
    lighttpd -D -f "$SB_TMP/lighttpd.conf" 2>>"$SB_TMP/error.log" &
    SB_LIGHTTPD_PID=$!
    # Up to 30 s: a sanitizer build on a loaded machine starts slowly.
    for _ in $(seq 600); do
        curl -fs "$SB_URL/health" >/dev/null 2>&1 && return 0
        kill -0 "$SB_LIGHTTPD_PID" 2>/dev/null || break
        sleep 0.05
    done
    diag "server did not come up; error log:"; sed 's/^/#   /' "$SB_TMP/error.log" | tail -20
    return 1
}
sb_stop() {
    trap - EXIT
    fake_stop_all
    if [ -n "$SB_LIGHTTPD_PID" ]; then
        kill "$SB_LIGHTTPD_PID" 2>/dev/null
        wait "$SB_LIGHTTPD_PID" 2>/dev/null
        SB_LIGHTTPD_PID=""
        sleep 0.2
    fi
    if [ -n "$SB_TMP" ]; then
        if [ -f "$SB_TMP/error.log" ] && grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$SB_TMP/error.log"; then
            T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
            echo "not ok $T_N - sanitizer report in the server error log"
            grep -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$SB_TMP/error.log" | head -60 | sed 's/^/#   /'
        fi
        [ -n "${SB_KEEP:-}" ] && diag "kept $SB_TMP" || rm -rf "$SB_TMP"
        SB_TMP=""
    fi
}
# sb_log: the server's error log (request log lines, program messages).
# worker: one `switchboard worker --once` (its log in $SB_TMP/worker.log).
worker() { "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"; }
# drain_until QUERY WANT: run the worker until QUERY prints WANT (15 s at most)
drain_until() {
    for _ in $(seq 75); do
        worker
        [ "$(sql "$1")" = "$2" ] && return 0
        sleep 0.2
    done
}
# sms FROM BODY: a signed inbound SMS to the running server (simulate-sms).
sms() { "$SB_BIN" simulate-sms --from "$1" --body "$2" --url "$SB_URL" >/dev/null; }
# report_tasks_csv DIR: a client report's tasks.csv as the program serves
# it: the monthly tasks-YYYY-MM.csv files in month order under one header.
report_tasks_csv() {
    local f first=1
    for f in "$1"/tasks-*.csv; do
        [ -e "$f" ] || continue
        if [ $first = 1 ]; then cat "$f"; first=0; else tail -n +2 "$f"; fi
    done
}
sb_log() { cat "$SB_TMP/error.log" 2>/dev/null; }

# http METHOD PATH [curl args...]: prints "STATUS\nBODY"; headers in $SB_TMP/h
http() {
    local m=$1 p=$2; shift 2
    local jar=()
    [ -n "${SB_JAR:-}" ] && jar=(-b "$SB_JAR" -c "$SB_JAR")
    curl -s -o "$SB_TMP/body" -D "$SB_TMP/h" -w '%{http_code}' -X "$m" "${jar[@]}" "$@" "$SB_URL$p"
    echo
    cat "$SB_TMP/body"
}
status_of() { head -n1 <<<"$1"; }
body_of() { tail -n +2 <<<"$1"; }
header() { grep -i "^$1:" "$SB_TMP/h" | head -n1 | cut -d: -f2- | sed 's/^ //; s/\r$//'; }
# sql QUERY...: run SQL against the test database (switchboard sql: rows as
# the sqlite3 shell's list mode prints them; no QUERY reads standard input)
sql() { "$SB_BIN" sql "$@"; }

# fake_start NAME: start tests/fakes/fake_NAME.py on a free port; sets
# FAKE_<NAME>_URL (e.g. FAKE_TWILIO_URL) and logs to $SB_TMP/fake_NAME.log.
fake_start() {
    local name=$1 port upper
    [ -n "$SB_TMP" ] || sb_env
    upper=$(printf '%s' "$name" | tr a-z A-Z)
    python3 -u "$SB_ROOT/tests/fakes/fake_$name.py" --port 0 --log "$SB_TMP/fake_$name.log" \
        > "$SB_TMP/fake_$name.out" 2>>"$SB_TMP/fake_$name.err" &
    eval "FAKE_${upper}_PID=$!"
    SB_FAKE_PIDS="${SB_FAKE_PIDS:-} $!"
    for _ in $(seq 400); do
        port=$(sed -n 's/^listening \([0-9]*\).*/\1/p' "$SB_TMP/fake_$name.out" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { diag "fake_$name did not start"; return 1; }
    eval "FAKE_${upper}_URL=http://127.0.0.1:$port"
}
# fake_control NAME JSON: switch a fake's behaviour (POST /_control).
fake_control() {
    local upper; upper=$(printf '%s' "$1" | tr a-z A-Z)
    eval "curl -fsS -X POST -H 'Content-Type: application/json' -d '$2' \"\$FAKE_${upper}_URL/_control\"" >/dev/null
}
fake_stop_all() {
    for p in ${SB_FAKE_PIDS:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    SB_FAKE_PIDS=""
}

# sb_user LOGIN PASSWORD [--admin]: create an account from the command line.
sb_user() { printf '%s\n' "$2" | "$SB_BIN" user add "$1" --password-file - ${3:-} >/dev/null; }
# sb_login LOGIN PASSWORD: sign in through the login form with a cookie jar
# ($SB_TMP/jar-LOGIN, made current in SB_JAR); prints the HTTP status.
sb_login() {
    SB_JAR=$SB_TMP/jar-$1
    rm -f "$SB_JAR"
    local csrf
    csrf=$(curl -s -c "$SB_JAR" -b "$SB_JAR" "$SB_URL/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
    curl -s -c "$SB_JAR" -b "$SB_JAR" -o /dev/null -w '%{http_code}' --data-urlencode "login=$1" \
        --data-urlencode "password=$2" --data-urlencode "_csrf=$csrf" --data-urlencode "next=/" "$SB_URL/login"
}
# use_jar LOGIN: make LOGIN's cookie jar current (sb_login in $(...) runs
# in a subshell, so its SB_JAR does not reach the caller).
use_jar() { SB_JAR=$SB_TMP/jar-$1; }
# csrf_of PATH: the CSRF token of the forms on PATH, for the current SB_JAR.
csrf_of() {
    curl -s -b "$SB_JAR" -c "$SB_JAR" "$SB_URL$1" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1
}
