#!/usr/bin/env bash
# bench/http.sh - `make bench-http`: GET /health and GET / through lighttpd
# and FastCGI, beside a minimal libfcgi responder (bench/min_responder.c,
# the ceiling) served through the same rendered configuration with the same
# number of processes, in the same run.  wrk, BENCH_SECONDS per row.
# BENCH_HTTP_PROCS (2) FastCGI processes for both.
. "$(dirname "$0")/lib.sh"
PROCS=${BENCH_HTTP_PROCS:-2}
MIN=$BENCH_HELPERS/min_responder
[ -x "$MIN" ] || die "$MIN is missing (make bench-http builds it)"

sb_migrate "$BENCH_TMP/sb/data"
bench_server_start sb "$SB_BIN" "$PROCS"
SB_URL=$SRV_URL SB_PID=$SRV_PID
bench_server_start min "$MIN" "$PROCS"
MIN_URL=$SRV_URL MIN_PID=$SRV_PID

# GET / is the signed-in home page: sign in once (an account made from the
# command line) and send the session cookie.  Without accounts (or if the
# sign-in fails) the row measures what an anonymous GET / answers.
cookie=()
home_note="anonymous"
sb_signin "$SB_URL" "$BENCH_TMP/sb/data"
if [ -n "$SB_SESSION" ]; then cookie=(-H "Cookie: sb_session=$SB_SESSION"); home_note="signed in"; fi
status() { curl -s -o /dev/null -w '%{http_code}' "${@:2}" "$1"; }
st_min=$(status "$MIN_URL/health")
st_health=$(status "$SB_URL/health")
st_home=$(status "$SB_URL/" "${cookie[@]}")

# measure LIGHTTPD_PID URL [WRK ARGS]: wrk, plus the CPU time lighttpd and
# its FastCGI processes used per request; sets M_RPS M_P99 M_BAD M_FCGI M_LTP
measure() {
    local lpid=$1 url=$2 kids f0 l0; shift 2
    kids=$(bench_children "$lpid")
    f0=$(cpu_ticks $kids); l0=$(cpu_ticks "$lpid")
    wrk_plain "$url" "$@"
    M_FCGI=$(us_per_req $(( $(cpu_ticks $kids) - f0 )) "$W_REQS")
    M_LTP=$(us_per_req $(( $(cpu_ticks "$lpid") - l0 )) "$W_REQS")
    M_RPS=$(printf '%.1f' "$W_RPS") M_P99=$W_P99_MS M_BAD=$W_BAD
}
# The ceiling runs between the program's two rows, so a change in the
# machine's load during the run shows in both comparisons alike.
measure "$SB_PID" "$SB_URL/health";           hl=("$M_RPS" "$M_P99" "$st_health" "$M_BAD" "$M_FCGI" "$M_LTP")
measure "$MIN_PID" "$MIN_URL/health";         min=("$M_RPS" "$M_P99" "$st_min" "$M_BAD" "$M_FCGI" "$M_LTP")
measure "$SB_PID" "$SB_URL/" "${cookie[@]}";  hm=("$M_RPS" "$M_P99" "$st_home" "$M_BAD" "$M_FCGI" "$M_LTP")

echo
echo "bench-http: GET through lighttpd + FastCGI ($PROCS processes each), wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS, ${BENCH_SECONDS} s per row"
echo "  (CPU columns: microseconds of CPU per request used by the FastCGI processes and by lighttpd)"
hr 106
row() { printf '%-38s %11s %9s %7s %8s %12s %15s\n' "$@"; }
row "server / request" "requests/s" "p99 (ms)" "status" "non-2xx" "fcgi CPU us" "lighttpd CPU us"
hr 106
row "minimal libfcgi responder (ceiling)" "${min[@]}"
row "switchboard GET /health" "${hl[@]}"
row "switchboard GET / ($home_note)" "${hm[@]}"
hr 106
printf '%-38s %11s %9s\n' "ratio" "measured" "target"
printf '%-38s %11s %9s\n' "GET /health / minimal" "$(ratio "${hl[0]}" "${min[0]}")" ">= 80%"
printf '%-38s %11s %9s\n' "GET /       / minimal" "$(ratio "${hm[0]}" "${min[0]}")" ">= 50%"
hr 106
