# bench/lib.sh - shared helpers for the benchmark drivers (bash).
#
# Each driver sources this, starts one or more lighttpd instances with
# bench_server_start (configuration rendered from deploy/lighttpd.conf by
# deploy/render-conf, a free loopback port, a private data directory under
# one temporary directory) and drives them with wrk.  Everything started
# here is stopped, and the temporary directory removed, on exit
# (BENCH_KEEP=1 keeps it).  Figures only: nothing here passes or fails on
# time.
#
# Environment: SB_BIN (the program), BENCH_HELPERS (directory of the
# compiled bench helpers), BENCH_SECONDS (length of each timed run, 10).

set -u
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SB_BIN=${SB_BIN:-$BENCH_ROOT/build/bin/switchboard}
case $SB_BIN in /*) ;; *) SB_BIN=$BENCH_ROOT/$SB_BIN ;; esac
BENCH_HELPERS=${BENCH_HELPERS:-$BENCH_ROOT/build/bench}
case $BENCH_HELPERS in /*) ;; *) BENCH_HELPERS=$BENCH_ROOT/$BENCH_HELPERS ;; esac
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}

# The program's settings: defaults, except what a benchmark needs.
export SWITCHBOARD_ALLOW_ROOT=1
unset SWITCHBOARD_DB SWITCHBOARD_TEMPLATES SWITCHBOARD_STATIC SWITCHBOARD_SYNC SWITCHBOARD_LOG_REQUESTS
unset TWILIO_ACCOUNT_SID TWILIO_FROM_NUMBER TWILIO_MESSAGING_SERVICE_SID LLM_PROVIDER
export TWILIO_AUTH_TOKEN=bench-auth-token-0123456789abcdef
# Twilio signs the URL it calls; the program checks against this setting,
# whatever port the benchmark's lighttpd happens to use.
export SWITCHBOARD_PUBLIC_URL=https://switchboard.bench.invalid

BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbbench.XXXXXX")
BENCH_PIDS=""
bench_cleanup() {
    local p
    for p in $BENCH_PIDS; do bench_kill_tree "$p"; done
    BENCH_PIDS=""
    if [ -n "${BENCH_KEEP:-}" ]; then echo "(kept $BENCH_TMP)" >&2; else rm -rf "$BENCH_TMP"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# bench_children PID: the PIDs of PID's child processes
bench_children() { pgrep -P "$1" 2>/dev/null || true; }

# bench_kill_tree PID: stop a lighttpd we started and its FastCGI processes.
# The program does not leave its accept loop on SIGTERM while it is idle
# (libfcgi retries accept() on EINTR), so FastCGI processes still alive a
# moment after lighttpd has gone are killed.
bench_kill_tree() {
    local pid=$1 kids k i alive
    kill -0 "$pid" 2>/dev/null || return 0
    kids=$(bench_children "$pid")
    kill "$pid" 2>/dev/null
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for k in $kids; do kill "$k" 2>/dev/null; done
    for i in $(seq 10); do
        alive=""
        for k in $kids; do kill -0 "$k" 2>/dev/null && alive="$alive $k"; done
        [ -z "$alive" ] && break
        sleep 0.05
    done
    for k in $alive; do kill -9 "$k" 2>/dev/null; done
    return 0
}

# bench_server_start NAME BIN PROCS [WAIT_SECONDS]: a lighttpd on a free
# port serving BIN with PROCS FastCGI processes, data in
# $BENCH_TMP/NAME/data.  Sets SRV_URL, SRV_PID, SRV_DIR, SRV_DATA.
bench_server_start() {
    local name=$1 bin=$2 procs=$3 wait=${4:-20} port i
    SRV_DIR=$BENCH_TMP/$name
    SRV_DATA=$SRV_DIR/data
    mkdir -p "$SRV_DIR/run" "$SRV_DATA"
    port=$(free_port)
    SRV_URL=http://127.0.0.1:$port
    BIND=127.0.0.1 PORT=$port BIN=$bin STATIC=$BENCH_ROOT/static RUNDIR=$SRV_DIR/run \
        PROCS=$procs ERRORLOG=$SRV_DIR/error.log \
        "$BENCH_ROOT/deploy/render-conf" "$BENCH_ROOT/deploy/lighttpd.conf" > "$SRV_DIR/lighttpd.conf" ||
        die "cannot render the lighttpd configuration"
    SWITCHBOARD_DATA=$SRV_DATA lighttpd -D -f "$SRV_DIR/lighttpd.conf" 2>>"$SRV_DIR/error.log" &
    SRV_PID=$!
    BENCH_PIDS="$BENCH_PIDS $SRV_PID"
    for i in $(seq $((wait * 20))); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$SRV_URL/health" 2>/dev/null)" = 200 ]; then
            # every FastCGI process is up before the clock starts
            bench_wait_procs "$SRV_PID" "$procs"
            return 0
        fi
        kill -0 "$SRV_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "$name: the server did not come up; error log:" >&2
    tail -20 "$SRV_DIR/error.log" >&2
    exit 1
}
bench_wait_procs() {
    local i
    for i in $(seq 100); do
        [ "$(bench_children "$1" | wc -l)" -ge "$2" ] && return 0
        sleep 0.05
    done
}
bench_server_stop() {
    local pid=$1 p rest=""
    bench_kill_tree "$pid"
    for p in $BENCH_PIDS; do [ "$p" = "$pid" ] || rest="$rest $p"; done
    BENCH_PIDS=$rest
}

# sb_migrate DATA: create the schema before the FastCGI processes start
sb_migrate() {
    mkdir -p "$1" && SWITCHBOARD_DATA=$1 "$SB_BIN" migrate >"$BENCH_TMP/migrate.log" 2>&1 ||
        { cat "$BENCH_TMP/migrate.log" >&2; die "migrate failed"; }
}

# sb_signin URL DATA: make an account "bench" from the command line and sign
# in through the login form; sets SB_SESSION (the sb_session cookie's
# value) or leaves it empty when this build has no accounts.
sb_signin() {
    local url=$1 data=$2 jar=$BENCH_TMP/jar.$RANDOM csrf
    SB_SESSION=""
    "$SB_BIN" user --help 2>/dev/null | grep -q 'user add' || return 0
    printf '%s\n' 'bench-password-0123' |
        SWITCHBOARD_DATA=$data "$SB_BIN" user add bench --admin --password-file - >/dev/null 2>&1 || return 0
    csrf=$(curl -s -c "$jar" -b "$jar" "$url/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
    curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode login=bench \
        --data-urlencode password=bench-password-0123 --data-urlencode "_csrf=$csrf" "$url/login"
    SB_SESSION=$(awk '$6 == "sb_session" {print $7}' "$jar" 2>/dev/null | tail -n1)
    rm -f "$jar"
}

# wrk_plain URL [WRK ARGS...]: wrk --latency with the default request;
# sets W_RPS, W_P99_MS, W_REQS, W_BAD (non-2xx/3xx answers + socket
# errors).  The raw output is kept in $BENCH_TMP/wrk.last.
wrk_plain() {
    local out=$BENCH_TMP/wrk.last url=$1; shift
    wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_SECONDS}s" --latency "$@" "$url" > "$out" 2>&1 ||
        { cat "$out" >&2; die "wrk failed"; }
    W_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    W_P99_MS=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' "$out")
    W_REQS=$(awk '/requests in/ {print $1}' "$out")
    W_BAD=$(awk '/Non-2xx or 3xx responses:/ {n+=$NF} /Socket errors:/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$out")
}

# wrk_drive URL REQFILE MODE QUOTA SECONDS [THREADS CONNECTIONS]: run
# bench/drive.lua; sets D_SENT D_ANSWERED D_OK D_SECS D_RPS (200s per
# second) D_P50_MS D_P99_MS D_EXHAUSTED D_SOCKERR D_STATUSES.
wrk_drive() {
    local url=$1 reqs=$2 mode=$3 quota=$4 secs=$5 threads=${6:-$BENCH_THREADS} conns=${7:-$BENCH_CONNECTIONS}
    local out=$BENCH_TMP/wrk.last marks max line
    marks=$(mktemp -d "$BENCH_TMP/marks.XXXXXX")
    # wrk's -d is only a safety net: the script ends the run itself
    if [ "$secs" -gt 0 ]; then max=$((secs + 60)); else max=${BENCH_MAX_SECONDS:-300}; fi
    BENCH_REQS=$reqs BENCH_MODE=$mode BENCH_QUOTA=$quota BENCH_RUN_SECONDS=$secs BENCH_THREADS=$threads \
        BENCH_MARKS=$marks wrk -t"$threads" -c"$conns" -d"${max}s" --timeout 30s --latency \
        -s "$BENCH_ROOT/bench/drive.lua" "$url" > "$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
    line=$(grep '^BENCH_RESULT ' "$out") || { cat "$out" >&2; die "wrk gave no result"; }
    kv() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    D_SENT=$(kv sent); D_ANSWERED=$(kv answered); D_OK=$(kv ok)
    D_SECS=$(awk -v u="$(kv duration_us)" 'BEGIN {printf "%.3f", u / 1e6}')
    D_RPS=$(awk -v n="$D_OK" -v s="$D_SECS" 'BEGIN {printf "%.1f", (s > 0 ? n / s : 0)}')
    D_P50_MS=$(awk -v u="$(kv p50_us)" 'BEGIN {printf "%.2f", u / 1000}')
    D_P99_MS=$(awk -v u="$(kv p99_us)" 'BEGIN {printf "%.2f", u / 1000}')
    D_EXHAUSTED=$(kv exhausted_threads); D_SOCKERR=$(kv sock_errors); D_STATUSES=$(kv statuses)
    rm -rf "$marks"
}

# cpu_ticks PID...: user + system CPU time of the processes, in clock ticks
cpu_ticks() {
    local p t=0
    for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
    echo "$t"
}
# us_per_req TICKS REQUESTS: CPU microseconds per request
us_per_req() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-"}'; }

# vmrss PID: resident set size in kB
vmrss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# ratio A B: A/B as a percentage with one decimal
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a"}'; }

hr() { printf '%*s\n' "${1:-78}" '' | tr ' ' -; }
