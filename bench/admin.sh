#!/usr/bin/env bash
# bench/admin.sh - `make bench-admin`: latency of the admin's busiest pages
# on a large desk, through lighttpd and FastCGI, signed in as an admin (who
# sees every client, so no page is made cheaper by client isolation).
#
# The data comes from `switchboard seed-demo` (BENCH_ADMIN_TASKS 100,000
# tasks, BENCH_ADMIN_EVENTS 1,000,000 events, BENCH_ADMIN_CLIENTS 1,000
# clients).  Each row is one wrk run of BENCH_SECONDS against one URL with
# BENCH_ADMIN_CONNECTIONS (4) connections: a handful of people working in
# the admin at once, which is what an agency's desk sees.  The same pages
# at wrk's usual 32 connections are in the second table, where latency is
# mostly time spent queueing for one of the BENCH_ADMIN_PROCS (2) FastCGI
# processes.  Figures only.
. "$(dirname "$0")/lib.sh"
PROCS=${BENCH_ADMIN_PROCS:-2}
TASKS=${BENCH_ADMIN_TASKS:-100000}
EVENTS=${BENCH_ADMIN_EVENTS:-1000000}
CLIENTS=${BENCH_ADMIN_CLIENTS:-1000}
CONNS=${BENCH_ADMIN_CONNECTIONS:-4}

DATA=$BENCH_TMP/sb/data
sb_migrate "$DATA"
t0=$(date +%s.%N)
SWITCHBOARD_DATA=$DATA "$SB_BIN" seed-demo --clients "$CLIENTS" --tasks "$TASKS" --events "$EVENTS" \
    >"$BENCH_TMP/seed.log" 2>&1 || { cat "$BENCH_TMP/seed.log" >&2; die "seed-demo failed"; }
seed_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
db=$DATA/switchboard.db
q() { sqlite3 -readonly "$db" "$1"; }

bench_server_start sb "$SB_BIN" "$PROCS"
sb_signin "$SRV_URL" "$DATA"
[ -n "$SB_SESSION" ] || die "could not sign in"
cookie="Cookie: sb_session=$SB_SESSION"

# Targets: the busiest client, a task in the middle of the id range with a
# long thread, and the second page of the unfiltered list (keyset cursor).
busy=$(q "SELECT client_id FROM tasks GROUP BY client_id ORDER BY count(*) DESC LIMIT 1")
task=$(q "SELECT task_id FROM events WHERE task_id IS NOT NULL AND task_id > (SELECT max(id) / 2 FROM tasks)
          GROUP BY task_id ORDER BY count(*) DESC LIMIT 1")
page2=$(curl -s -H "$cookie" "$SRV_URL/tasks" | grep -o 'href="[^"]*after=[^"]*"' | head -n1 |
        sed 's/^href="//; s/"$//; s/&amp;/\&/g')
pages=(
    "tasks list|/tasks"
    "tasks list, page 2 (keyset)|${page2:-/tasks}"
    "tasks: open, urgent|/tasks?status=open&urgency=urgent"
    "tasks: bug, AI route, by urgency|/tasks?type=bug&route=AI&sort=urgency"
    "tasks: one client|/tasks?client=$busy"
    "task page (long thread)|/tasks/$task"
    "activity feed|/activity"
    "activity: one client|/activity?client=$busy"
    "review queue|/review"
    "clients list|/clients"
    "client page (busiest)|/clients/$busy"
)

sizes=$(q "SELECT (SELECT count(*) FROM clients) || ' clients, ' || (SELECT count(*) FROM tasks) || ' tasks, ' ||
                  (SELECT count(*) FROM events) || ' events, ' || (SELECT count(*) FROM messages) || ' messages'")
echo
echo "bench-admin: $sizes (seed-demo took $seed_secs s); database $(du -m "$db" | cut -f1) MB"
echo "  signed in as an admin, lighttpd + $PROCS FastCGI processes, wrk -t$BENCH_THREADS, ${BENCH_SECONDS} s per row"

table() {
    local conns=$1 entry name path status
    echo
    echo "  $conns connections"
    hr 100
    printf '%-36s %-28s %6s %10s %9s %9s %8s\n' "page" "path" "status" "requests/s" "p50 (ms)" "p99 (ms)" "non-2xx"
    hr 100
    for entry in "${pages[@]}"; do
        name=${entry%%|*} path=${entry#*|}
        status=$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$SRV_URL$path")
        BENCH_CONNECTIONS=$conns wrk_plain "$SRV_URL$path" -H "$cookie"
        p50=$(awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' "$BENCH_TMP/wrk.last")
        printf '%-36s %-28s %6s %10.1f %9s %9s %8s\n' "$name" "$(printf '%s' "$path" | cut -c1-28)" "$status" "$W_RPS" "$p50" "$W_P99_MS" "$W_BAD"
    done
    hr 100
}
[ "$BENCH_THREADS" -le "$CONNS" ] || BENCH_THREADS=$CONNS
table "$CONNS"
echo "  target: p99 <= 20 ms for each page at $CONNS connections"
if [ "${BENCH_ADMIN_QUEUE:-1}" = 1 ] && [ "$CONNS" != 32 ]; then
    BENCH_THREADS=2
    table 32
fi
