#!/usr/bin/env bash
# bench/worker.sh - `make bench-worker`: worker throughput.  BENCH_WORKER_N
# (2000) signed inbound SMS are posted through lighttpd as Twilio would
# (pre-signed bodies, bench/gen_webhooks.py), lighttpd is stopped, then
# `switchboard worker --once` runs until no job is due: every message is
# classified (LLM_PROVIDER=builtin, the default), routed, joined to a task,
# and on the AI route drafted (and sent through the log channel when the
# rule says auto-send; no Twilio credentials here).  Prints messages
# classified and routed (task_id set) per second of worker time.
. "$(dirname "$0")/lib.sh"
N=${BENCH_WORKER_N:-2000}
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

hooks=$BENCH_TMP/webhooks.txt
python3 "$BENCH_ROOT/bench/gen_webhooks.py" "$N" "$SWITCHBOARD_PUBLIC_URL" "$TWILIO_AUTH_TOKEN" \
    "$BENCH_ROOT/data/corpus/heldout.tsv" "$hooks" --seed 7 --clients 200 || die "cannot generate webhooks"

data=$BENCH_TMP/sb/data
sb_migrate "$data"
bench_server_start sb "$SB_BIN" "${BENCH_WORKER_PROCS:-2}"
wrk_drive "$SRV_URL" "$hooks" once 0 0
seed_rate=$D_RPS seed_ok=$D_OK
bench_server_stop "$SRV_PID"

export SWITCHBOARD_DATA=$data
sql() { sqlite3 -cmd '.timeout 10000' "$data/switchboard.db" "$@"; }
stored=$(sql "SELECT count(*) FROM messages WHERE direction = 'in'")
due() { sql "SELECT count(*) FROM jobs WHERE state IN ('queued','running') AND run_at <= CAST(strftime('%s','now') AS INTEGER) * 1000"; }
queued0=$(sql "SELECT count(*) FROM jobs WHERE state = 'queued'")

runs=0
t0=$(date +%s%N)
while :; do
    runs=$((runs + 1))
    "$SB_BIN" worker --once >> "$BENCH_TMP/worker.out" 2>> "$BENCH_TMP/worker.err" ||
        { tail -5 "$BENCH_TMP/worker.err" >&2; die "worker --once failed"; }
    [ "$(due)" = 0 ] && break
    [ "$runs" -ge 20 ] && break
done
t1=$(date +%s%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')

routed=$(sql "SELECT count(*) FROM messages WHERE direction = 'in' AND task_id IS NOT NULL")
tasks=$(sql "SELECT count(*) FROM tasks")
routes=$(sql "SELECT group_concat(route || ' ' || n, ', ') FROM (SELECT route, count(*) n FROM tasks GROUP BY route ORDER BY route)")
left=$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued','running')")
dead=$(sql "SELECT count(*) FROM jobs WHERE state = 'dead'")

echo
echo "bench-worker: $N signed inbound SMS (heldout corpus texts, 200 clients), then worker --once until idle"
echo "  seeding through lighttpd: $seed_ok stored at $seed_rate/s; $queued0 jobs queued; LLM_PROVIDER=builtin"
hr 70
printf '%-28s %10s %10s %12s\n' "job kind" "done" "dead" "per second"
hr 70
sql -separator ' ' "SELECT kind, sum(state = 'done'), sum(state = 'dead') FROM jobs GROUP BY kind ORDER BY kind" |
while read -r kind done_n dead_n; do
    printf '%-28s %10d %10d %12s\n' "$kind" "$done_n" "$dead_n" "$(awk -v n="$done_n" -v s="$secs" 'BEGIN {printf "%.1f", n / s}')"
done
hr 70
printf '%-40s %12s\n' "inbound messages stored" "$stored"
printf '%-40s %12s\n' "classified and routed (task_id set)" "$routed"
printf '%-40s %12s\n' "tasks opened ($routes)" "$tasks"
printf '%-40s %12s\n' "worker time (s, $runs run(s) of --once)" "$secs"
printf '%-40s %12s\n' "classified-and-routed messages/s" "$(awk -v n="$routed" -v s="$secs" 'BEGIN {printf "%.1f", n / s}')"
hr 70
[ "$left" != 0 ] && echo "note: $left jobs still queued or running (not due yet, or retrying)"
[ "$dead" != 0 ] && echo "note: $dead dead jobs; first errors:" && sql "SELECT kind || ': ' || last_error FROM jobs WHERE state = 'dead' LIMIT 3"
exit 0
