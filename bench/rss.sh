#!/usr/bin/env bash
# bench/rss.sh - `make bench-rss`: the FastCGI process's memory does not
# grow with the number of requests.  One process behind lighttpd gets
# BENCH_RSS_REQUESTS (100,000) requests of a mix - GET /health, GET / (signed
# in when the build has accounts), a 404 and a malformed query string (400)
# - sent by wrk; VmRSS (/proc/PID/status) is sampled after 10,000 requests
# (warmed up) and at the end.
. "$(dirname "$0")/lib.sh"
TOTAL=${BENCH_RSS_REQUESTS:-100000}
WARM=${BENCH_RSS_WARMUP:-10000}
[ "$TOTAL" -gt "$WARM" ] || die "BENCH_RSS_REQUESTS must be larger than BENCH_RSS_WARMUP ($WARM)"

sb_migrate "$BENCH_TMP/sb/data"
bench_server_start sb "$SB_BIN" 1
sb_signin "$SRV_URL" "$SRV_DATA"
pid=$(pgrep -P "$SRV_PID" -x switchboard | head -n1)
[ -n "$pid" ] || die "no switchboard process under lighttpd $SRV_PID"

mix=$BENCH_TMP/mix.txt
{
    printf 'GET\t/health\t\n'
    if [ -n "$SB_SESSION" ]; then printf 'GET\t/\t\tCookie: sb_session=%s\n' "$SB_SESSION"
    else printf 'GET\t/\t\n'; fi
    printf 'GET\t/no-such-page\t\n'
    printf 'GET\t/api/messages?limit=%%zz&x\t\n'
} > "$mix"

# Sample points: the warm-up, then the rest in a few steps.
points="$WARM"
for f in 25 50 75; do
    p=$((TOTAL * f / 100)); [ "$p" -gt "$WARM" ] && points="$points $p"
done
points="$points $TOTAL"

rows=("$(printf '%-28s %10d %12d %12s' "at start (before wrk)" 0 "$(vmrss "$pid")" "")")
done_n=0
statuses=""
rss0=""
for p in $points; do
    wrk_drive "$SRV_URL" "$mix" cycle $((p - done_n)) 0
    [ "$D_ANSWERED" = "$((p - done_n))" ] || die "sent $((p - done_n)) requests, $D_ANSWERED answered"
    done_n=$p
    statuses="$statuses $D_STATUSES"
    kill -0 "$pid" 2>/dev/null || die "the FastCGI process $pid died"
    rss=$(vmrss "$pid")
    [ -n "$rss0" ] || rss0=$rss
    rows+=("$(printf '%-28s %10d %12d %+12d' "after $p requests" "$p" "$rss" "$((rss - rss0))")")
done
total_codes=$(printf '%s\n' $statuses | tr ',' '\n' | awk -F: '{n[$1]+=$2} END {for (k in n) printf "%s:%d ", k, n[k]}' | tr ' ' '\n' | sort | tr '\n' ' ')

echo
echo "bench-rss: one FastCGI process (pid $pid) behind lighttpd, $TOTAL requests of a mix"
echo "  GET /health, GET / ($([ -n "$SB_SESSION" ] && echo signed in || echo anonymous)), a 404, a malformed query (400)"
echo "  answers by status: $total_codes"
hr 66
printf '%-28s %10s %12s %12s\n' "sample" "requests" "VmRSS (kB)" "growth (kB)"
hr 66
for r in "${rows[@]}"; do echo "$r"; done
hr 66
growth=$((rss - rss0))
printf 'growth from %d to %d requests: %+d kB (%s per 1,000 requests)\n' "$WARM" "$TOTAL" "$growth" \
    "$(awk -v g="$growth" -v n="$((TOTAL - WARM))" 'BEGIN {printf "%+.2f kB", g * 1000 / n}')"
hr 66
