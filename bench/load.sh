#!/usr/bin/env bash
# bench/load.sh - `make bench-load`: BENCH_LOAD_SECONDS (600) of mixed
# traffic through lighttpd with BENCH_LOAD_PROCS (4) FastCGI processes and
# a worker running (default settings: builtin classifier, the log channel):
#   webhooks  signed inbound SMS, each MessageSid once, BENCH_LOAD_RATE
#             (20) a second (bench/webhook_driver.py, which times each)
#   pages     admin pages with a session cookie (home, tasks, a task,
#             clients, a client, review, activity, documents), wrk
#   api       JSON API with a bearer token (tasks, a task, messages,
#             clients, events), wrk
# after a seed of BENCH_LOAD_SEED (500) messages worked by the worker.
# Prints requests and 5xx per kind (5xx must be zero), p99 per kind, the
# resident size of every FastCGI process and of the worker at the start,
# the middle and the end, and the WAL file's size sampled over the run.
# Figures only: nothing passes or fails on time.
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_LOAD_SECONDS:-600}
PROCS=${BENCH_LOAD_PROCS:-4}
RATE=${BENCH_LOAD_RATE:-20}
SEED=${BENCH_LOAD_SEED:-500}
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

data=$BENCH_TMP/sb/data
export SWITCHBOARD_DATA=$data
sb_migrate "$data"
sql() { sqlite3 -cmd '.timeout 10000' "$data/switchboard.db" "$@"; }
hooks=$BENCH_TMP/webhooks.txt
python3 "$BENCH_ROOT/bench/gen_webhooks.py" "$((SEED + SECS * RATE + RATE))" "$SWITCHBOARD_PUBLIC_URL" "$TWILIO_AUTH_TOKEN" \
    "$BENCH_ROOT/data/corpus/train.tsv" "$hooks" --clients 100 || die "cannot generate the signed webhooks"
head -n "$SEED" "$hooks" > "$BENCH_TMP/seed.txt"
tail -n +"$((SEED + 1))" "$hooks" > "$BENCH_TMP/load.txt"
bench_server_start sb "$SB_BIN" "$PROCS"

# seed: messages, tasks and drafts for the pages to show
python3 "$BENCH_ROOT/bench/webhook_driver.py" "$SRV_URL" "$BENCH_TMP/seed.txt" "$BENCH_TMP/seed.out" --connections 4 >/dev/null
"$SB_BIN" worker --once >/dev/null 2>>"$BENCH_TMP/worker.err"
sb_signin "$SRV_URL" "$data"
[ -n "$SB_SESSION" ] || die "cannot sign in"
TOKEN=$("$SB_BIN" token add bench-load 2>/dev/null) || die "cannot make an API token"
task=$(sql "SELECT max(id) FROM tasks") client=$(sql "SELECT max(id) FROM clients")
cookie="Cookie: sb_session=$SB_SESSION"
for p in / /tasks "/tasks/$task" /clients "/clients/$client" /review /activity /documents "/tasks?status=open"; do
    printf 'GET\t%s\t\t%s\n' "$p" "$cookie"
done > "$BENCH_TMP/pages.txt"
auth="Authorization: Bearer $TOKEN"
for p in /api/tasks "/api/tasks/$task" /api/messages "/api/clients/$client" /api/clients /api/events "/api/tasks?status=open"; do
    printf 'GET\t%s\t\t%s\n' "$p" "$auth"
done > "$BENCH_TMP/api.txt"
for f in pages api; do
    st=$(curl -s -o /dev/null -w '%{http_code}' -H "$(sed -n '1s/.*\t//p' "$BENCH_TMP/$f.txt")" "$SRV_URL$(sed -n '1p' "$BENCH_TMP/$f.txt" | cut -f2)")
    [ "$st" = 200 ] || die "$f: the first request answers $st"
done

"$SB_BIN" worker >> "$BENCH_TMP/worker.out" 2>> "$BENCH_TMP/worker.err" &
WORKER=$!
BENCH_PIDS="$BENCH_PIDS $WORKER"

# the three kinds at once
python3 "$BENCH_ROOT/bench/webhook_driver.py" "$SRV_URL" "$BENCH_TMP/load.txt" "$BENCH_TMP/hooks.out" \
    --connections 4 --seconds "$SECS" --rate "$RATE" > "$BENCH_TMP/hooks.sum" 2>&1 &
HOOKS=$!
( out=$BENCH_TMP/pages.sum; BENCH_TMP=$BENCH_TMP/wrk-pages; mkdir -p "$BENCH_TMP"  # wrk_drive's files, apart
  wrk_drive "$SRV_URL" "${out%.sum}.txt" cycle 0 "$SECS" 1 2
  echo "$D_ANSWERED $D_P99_MS $D_STATUSES $D_SOCKERR" > "$out" ) &
PAGES=$!
( out=$BENCH_TMP/api.sum; BENCH_TMP=$BENCH_TMP/wrk-api; mkdir -p "$BENCH_TMP"  # wrk_drive's files, apart
  wrk_drive "$SRV_URL" "${out%.sum}.txt" cycle 0 "$SECS" 1 2
  echo "$D_ANSWERED $D_P99_MS $D_STATUSES $D_SOCKERR" > "$out" ) &
API=$!

# samples: every tenth of the run, RSS of each process and the WAL's size
kids=$(bench_children "$SRV_PID" | sort -n)
sample() { # sample LABEL
    local k rss="" wal
    for k in $kids; do rss+=" $(vmrss "$k")"; done
    wal=$(stat -c %s "$data/switchboard.db-wal" 2>/dev/null || echo 0)
    printf '%-8s %10s %12s %12s %8s %s\n' "$1" "$((wal / 1024))" "$(( $(stat -c %s "$data/switchboard.db") / 1024 ))" \
        "$(vmrss "$WORKER")" "$(sql "SELECT count(*) FROM jobs WHERE state = 'queued'")" "${rss# }" >> "$BENCH_TMP/samples.txt"
}
sample "0 s"
step=$(( SECS / 10 > 0 ? SECS / 10 : 1 ))
for i in $(seq 1 9); do
    sleep "$step"
    sample "$((i * step)) s"
done
wait "$HOOKS" "$PAGES" "$API"
sample "end"
procs_end=$(bench_children "$SRV_PID" | sort -n | tr '\n' ' ')

# webhook figures from the driver's per-request lines
read -r h_n h_5xx h_err h_p99 < <(awk '{n++; if ($2 >= 500) f++; if ($2 == 0) e++; print $3 > "/dev/stderr"} END {print n+0, f+0, e+0}' \
    "$BENCH_TMP/hooks.out" 2>"$BENCH_TMP/hooks.ms" | tr '\n' ' '; \
    sort -n "$BENCH_TMP/hooks.ms" | awk '{v[NR]=$1} END {i=int(NR*0.99); if (i < 1) i=1; printf "%.2f\n", v[i]}')
stored=$(awk '$2 == 200' "$BENCH_TMP/hooks.out" | wc -l)
fivexx() { tr ',' '\n' <<<"$1" | awk -F: '$1 >= 500 {n += $2} END {print n+0}'; }
read -r p_n p_p99 p_st p_err < "$BENCH_TMP/pages.sum"
read -r a_n a_p99 a_st a_err < "$BENCH_TMP/api.sum"
total5=$(( h_5xx + $(fivexx "$p_st") + $(fivexx "$a_st") ))
bench_server_stop "$SRV_PID"
kill "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null

echo
echo "bench-load: ${SECS} s of mixed traffic through lighttpd ($PROCS FastCGI processes) with the worker running"
hr 84
printf '%-10s %10s %8s %12s %10s  %s\n' "kind" "requests" "5xx" "conn errors" "p99 ms" "statuses"
hr 84
printf '%-10s %10s %8s %12s %10s  %s\n' "webhooks" "$h_n" "$h_5xx" "$h_err" "$h_p99" "$RATE/s, 200s: $stored"
printf '%-10s %10s %8s %12s %10s  %s\n' "pages" "$p_n" "$(fivexx "$p_st")" "$p_err" "$p_p99" "$p_st"
printf '%-10s %10s %8s %12s %10s  %s\n' "api" "$a_n" "$(fivexx "$a_st")" "$a_err" "$a_p99" "$a_st"
hr 84
echo "5xx in all: $total5"
echo
echo "over time (kB; RSS of the FastCGI processes $(echo $kids) in that order; FastCGI processes at the end: $procs_end)"
printf '%-8s %10s %12s %12s %8s %s\n' "time" "WAL" "database" "worker RSS" "queued" "FastCGI RSS"
cat "$BENCH_TMP/samples.txt"
hr 84
echo "jobs: $(sql "SELECT group_concat(state || '=' || n, ' ') FROM (SELECT state, count(*) n FROM jobs GROUP BY state)")"
