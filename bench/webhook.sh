#!/usr/bin/env bash
# bench/webhook.sh - `make bench-webhook`: signed inbound SMS webhook
# ingestion through lighttpd at the default durability (WAL,
# synchronous=FULL), with 2 and 4 FastCGI processes, beside a minimal
# libfcgi responder that commits one single-row INSERT per request with the
# same settings (bench/min_sqlite_responder.c), in the same run.
#
# Every request carries its own MessageSid and a valid X-Twilio-Signature:
# the bodies are signed beforehand (bench/gen_webhooks.py) and wrk sends
# each at most once (bench/drive.lua), so no request is a cheap duplicate.
# Only 200 answers count; afterwards the stored rows are counted with
# sqlite3 and must equal the 200s.  Both answer only after their commit
# (and its fsync) has returned; the program lets the webhooks waiting at the
# same moment share one commit (fcgi/serve.c; with several processes, one
# of them commits for all, fcgi/ingest_ipc.c), the responder commits each
# request on its own, as a plain one-request-at-a-time program does.  BENCH_SECONDS per row,
# BENCH_WEBHOOK_PROCS ("2 4"), BENCH_WEBHOOK_BODIES (8000 per second).
. "$(dirname "$0")/lib.sh"
PROCS_LIST=${BENCH_WEBHOOK_PROCS:-2 4}
NBODIES=${BENCH_WEBHOOK_BODIES:-$((BENCH_SECONDS * 8000))}
MIN=$BENCH_HELPERS/min_sqlite_responder
[ -x "$MIN" ] || die "$MIN is missing (make bench-webhook builds it)"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

hooks=$BENCH_TMP/webhooks.txt
python3 "$BENCH_ROOT/bench/gen_webhooks.py" "$NBODIES" "$SWITCHBOARD_PUBLIC_URL" "$TWILIO_AUTH_TOKEN" \
    "$BENCH_ROOT/data/corpus/train.tsv" "$hooks" || die "cannot generate the signed webhooks"

sqlq() { sqlite3 -cmd '.timeout 10000' "$1" "$2"; }
rows=()
declare -A RPS P99
warn=""
for p in $PROCS_LIST; do
    for kind in sb min; do
        name=$kind$p
        if [ $kind = sb ]; then
            sb_migrate "$BENCH_TMP/$name/data"
            bench_server_start "$name" "$SB_BIN" "$p"
            db=$SRV_DATA/switchboard.db
            query="SELECT count(*) FROM messages WHERE direction = 'in'"
            label="switchboard POST /webhook/twilio"
        else
            bench_server_start "$name" "$MIN" "$p"
            db=$SRV_DATA/min.db
            query="SELECT count(*) FROM hits"
            label="minimal SQLite responder (ceiling)"
        fi
        before=$(sqlq "$db" "$query")
        kids=$(bench_children "$SRV_PID")
        c0=$(cpu_ticks $kids)
        wrk_drive "$SRV_URL" "$hooks" once 0 "$BENCH_SECONDS"
        cpu=$(us_per_req $(( $(cpu_ticks $kids) - c0 )) "$D_ANSWERED")
        bench_server_stop "$SRV_PID"
        stored=$(( $(sqlq "$db" "$query") - before ))
        jm=$(sqlq "$db" "PRAGMA journal_mode")
        check=$([ "$stored" = "$D_OK" ] && echo ok || echo MISMATCH)
        [ "$D_EXHAUSTED" != 0 ] && warn="$warn
note: the $NBODIES signed bodies ran out during '$label' with $p processes (raise BENCH_WEBHOOK_BODIES)"
        [ "$D_SOCKERR" != 0 ] && warn="$warn
note: $D_SOCKERR socket errors during '$label' with $p processes"
        [ "$D_ANSWERED" != "$D_OK" ] && warn="$warn
note: not every answer was a 200 for '$label' with $p processes: $D_STATUSES"
        RPS[$name]=$D_RPS P99[$name]=$D_P99_MS
        rows+=("$(printf '%5s  %-35s %8.1f %7s %8s %7d %7d %5s %5s  %s' "$p" "$label" "$D_RPS" "$D_P50_MS" "$D_P99_MS" \
            "$D_OK" "$stored" "$cpu" "$jm" "$check")")
    done
done

echo
echo "bench-webhook: signed inbound SMS webhooks (each MessageSid once) through lighttpd, WAL +"
echo "  synchronous=FULL, wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS, ${BENCH_SECONDS} s per row; only 200 answers count;"
echo "  'stored' is counted with sqlite3 afterwards; 'cpu' is FastCGI CPU microseconds per request"
hr 104
printf '%5s  %-35s %8s %7s %8s %7s %7s %5s %5s  %s\n' "procs" "server" "200s/s" "p50 ms" "p99 ms" "200s" "stored" "cpu" "jrnl" "stored = 200s"
hr 104
for r in "${rows[@]}"; do echo "$r"; done
hr 104
printf '%5s  %-35s %10s %8s %12s %10s\n' "procs" "switchboard vs minimal" "rate ratio" "target" "p99 (ms)" "target"
for p in $PROCS_LIST; do
    if [ "$p" = 4 ]; then t=">= 80%"; tp="<= 30 ms"; else t="-"; tp="-"; fi
    printf '%5s  %-35s %10s %8s %12s %10s\n' "$p" "" "$(ratio "${RPS[sb$p]}" "${RPS[min$p]}")" "$t" "${P99[sb$p]}" "$tp"
done
hr 104
[ -n "$warn" ] && echo "${warn#?}"
exit 0
