#!/usr/bin/env bash
# bench/valgrind.sh - `make bench-valgrind` (not part of `make bench`): one
# FastCGI process started by lighttpd through a wrapper (the bin-path) that
# runs it under valgrind --leak-check=full, a few thousand requests (the
# bench-rss mix plus signed inbound webhooks), then a clean stop (SIGTERM)
# and valgrind's summary.  BENCH_VALGRIND_REQUESTS (3000) GET requests and
# BENCH_VALGRIND_WEBHOOKS (500) webhooks.
. "$(dirname "$0")/lib.sh"
N=${BENCH_VALGRIND_REQUESTS:-3000}
NW=${BENCH_VALGRIND_WEBHOOKS:-500}
command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"

logdir=$BENCH_TMP/valgrind
mkdir -p "$logdir"
wrapper=$BENCH_TMP/switchboard-valgrind
cat > "$wrapper" <<WRAP
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --track-origins=yes \\
    --num-callers=30 --log-file=$logdir/valgrind.%p.log "$SB_BIN" "\$@"
WRAP
chmod +x "$wrapper"

sb_migrate "$BENCH_TMP/sb/data"
bench_server_start sb "$wrapper" 1 120
sb_signin "$SRV_URL" "$SRV_DATA"
vpid=$(bench_children "$SRV_PID" | head -n1)

mix=$BENCH_TMP/mix.txt
{
    printf 'GET\t/health\t\n'
    if [ -n "$SB_SESSION" ]; then printf 'GET\t/\t\tCookie: sb_session=%s\n' "$SB_SESSION"
    else printf 'GET\t/\t\n'; fi
    printf 'GET\t/no-such-page\t\n'
    printf 'GET\t/api/messages?limit=%%zz&x\t\n'
} > "$mix"
hooks=$BENCH_TMP/webhooks.txt
python3 "$BENCH_ROOT/bench/gen_webhooks.py" "$NW" "$SWITCHBOARD_PUBLIC_URL" "$TWILIO_AUTH_TOKEN" \
    "$BENCH_ROOT/data/corpus/train.tsv" "$hooks" || die "cannot generate webhooks"

t0=$(date +%s.%N)
wrk_drive "$SRV_URL" "$mix" cycle "$N" 0 1 4
get_codes=$D_STATUSES get_ans=$D_ANSWERED
wrk_drive "$SRV_URL" "$hooks" once 0 0 1 4
hook_codes=$D_STATUSES hook_ans=$D_ANSWERED
t1=$(date +%s.%N)

# A clean stop.  The program leaves its accept loop on SIGTERM only when
# the next request arrives (libfcgi retries accept() on EINTR), so: SIGTERM,
# one more request, and valgrind writes its report as the process exits.
# lighttpd may start a replacement; stopping lighttpd ends it.
kill "$vpid" 2>/dev/null
curl -s -o /dev/null "$SRV_URL/health"
for _ in $(seq 1200); do kill -0 "$vpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$vpid" 2>/dev/null && echo "the process did not exit after SIGTERM and a request" >&2
bench_server_stop "$SRV_PID"

log=$logdir/valgrind.$vpid.log
[ -s "$log" ] || log=""
[ -n "$log" ] || die "valgrind wrote no log"
val() { grep -m1 "$1" "$log" | sed 's/^==[0-9]*== *//'; }
echo
echo "bench-valgrind: one FastCGI process under valgrind --leak-check=full"
printf '  %d GETs (%s) and %d signed webhooks (%s) in %.1f s\n' "$get_ans" "$get_codes" "$hook_ans" "$hook_codes" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
hr 72
if grep -q 'All heap blocks were freed' "$log"; then
    echo "  All heap blocks were freed -- no leaks are possible"
else
    for k in 'definitely lost:' 'indirectly lost:' 'possibly lost:' 'still reachable:'; do
        printf '  %s\n' "$(val "$k")"
    done
fi
printf '  %s\n' "$(val 'ERROR SUMMARY:')"
hr 72
if grep -qE 'definitely lost: [1-9]|indirectly lost: [1-9]|ERROR SUMMARY: [1-9]' "$log"; then
    cp "$log" "$BENCH_HELPERS/valgrind.log" 2>/dev/null &&
        echo "  full report: $BENCH_HELPERS/valgrind.log (first records below)"
    grep -E -A25 'are definitely lost|are indirectly lost|^==[0-9]+== (Invalid|Conditional|Use of|Syscall)' "$log" |
        head -80 | sed 's/^==[0-9]*==/ /'
fi
