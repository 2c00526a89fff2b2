#!/usr/bin/env bash
# bench/faults.sh - `make bench-faults`: durability under SIGKILL.
#
# lighttpd with BENCH_FAULTS_PROCS (4) FastCGI processes takes signed
# inbound SMS webhooks (bench/gen_webhooks.py, each MessageSid once) from
# bench/webhook_driver.py, which records the answer to every MessageSid;
# a worker runs with auto-send on for every routing rule (every type goes
# to the AI route) against the fake Twilio (tests/fakes/fake_twilio.py,
# which logs every request).  Meanwhile, every 0.2-1.2 s, one FastCGI
# process or the worker is killed with SIGKILL; the worker is restarted
# at once, lighttpd respawns its FastCGI processes itself.  Afterwards the
# worker drains the queue and the checks run:
#   lost        webhooks answered 200 whose message is not stored
#   duplicated  MessageSids stored more than once, jobs run twice (two jobs
#               with one dedupe key, or a job's event written twice),
#               outbound SMS created at the fake Twilio more often than
#               the database holds them
#   missing     outbound SMS recorded as sent through Twilio more often than
#               the fake Twilio created them (a send adopted another's SMS)
# and the figures are printed.  BENCH_FAULTS_SECONDS (60) of traffic,
# BENCH_FAULTS_CONNECTIONS (16), BENCH_FAULTS_RATE (requests a second in
# all; 0, the default, sends as fast as the server answers).  Exit status 1 when something was lost, missing or
# duplicated (tests/integration/t1210-faults.sh runs a short version).
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_FAULTS_SECONDS:-60}
PROCS=${BENCH_FAULTS_PROCS:-4}
CONNS=${BENCH_FAULTS_CONNECTIONS:-16}
RATE=${BENCH_FAULTS_RATE:-0}
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

export TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
export TWILIO_FROM_NUMBER=+15005550006
export JOB_LEASE_SECONDS=2 JOB_BACKOFF_MS=100 TWILIO_TIMEOUT_MS=3000

# the fake Twilio
python3 -u "$BENCH_ROOT/tests/fakes/fake_twilio.py" --port 0 --log "$BENCH_TMP/twilio.log" \
    > "$BENCH_TMP/twilio.out" 2> "$BENCH_TMP/twilio.err" &
BENCH_PIDS="$BENCH_PIDS $!"
for _ in $(seq 200); do
    port=$(sed -n 's/^listening \([0-9]*\).*/\1/p' "$BENCH_TMP/twilio.out")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || die "the fake Twilio did not start"
export TWILIO_API_BASE=http://127.0.0.1:$port

data=$BENCH_TMP/sb/data
export SWITCHBOARD_DATA=$data
sb_migrate "$data"
sql() { sqlite3 -cmd '.timeout 10000' "$data/switchboard.db" "$@"; }
sql "UPDATE routing_rules SET route = 'AI', auto_send = 1"
hooks=$BENCH_TMP/webhooks.txt
python3 "$BENCH_ROOT/bench/gen_webhooks.py" "$((SECS * 500 + 500))" "$SWITCHBOARD_PUBLIC_URL" "$TWILIO_AUTH_TOKEN" \
    "$BENCH_ROOT/data/corpus/train.tsv" "$hooks" --clients 50 || die "cannot generate the signed webhooks"
bench_server_start sb "$SB_BIN" "$PROCS"

WORKER_PID=""
worker_start() {
    "$SB_BIN" worker >> "$BENCH_TMP/worker.out" 2>> "$BENCH_TMP/worker.err" &
    WORKER_PID=$!
}
worker_start

python3 "$BENCH_ROOT/bench/webhook_driver.py" "$SRV_URL" "$hooks" "$BENCH_TMP/answers.txt" \
    --connections "$CONNS" --seconds "$SECS" --rate "$RATE" > "$BENCH_TMP/driver.out" 2> "$BENCH_TMP/driver.err" &
DRIVER=$!

# faults: every 0.2-1.2 s one process, chosen at random, gets SIGKILL
k_fcgi=0 k_worker=0 respawned=0
while kill -0 "$DRIVER" 2>/dev/null; do
    sleep "$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 0.2 + r / 32767}')"
    kill -0 "$DRIVER" 2>/dev/null || break
    if [ $((RANDOM % 3)) = 0 ]; then
        kill -9 "$WORKER_PID" 2>/dev/null && k_worker=$((k_worker + 1))
        wait "$WORKER_PID" 2>/dev/null
        worker_start
    else
        kids=($(bench_children "$SRV_PID"))
        [ ${#kids[@]} -gt 0 ] || continue
        kill -9 "${kids[$((RANDOM % ${#kids[@]}))]}" 2>/dev/null && k_fcgi=$((k_fcgi + 1))
    fi
done
wait "$DRIVER"
line=$(grep '^DRIVER ' "$BENCH_TMP/driver.out") || { cat "$BENCH_TMP/driver.err" >&2; die "the driver gave no result"; }
procs_end=$(bench_children "$SRV_PID" | wc -l)
bench_server_stop "$SRV_PID"
kill "$WORKER_PID" 2>/dev/null
wait "$WORKER_PID" 2>/dev/null

# drain: worker runs until no job is left (leases of killed workers expire
# after JOB_LEASE_SECONDS; a slow, loaded machine needs more rounds)
for _ in $(seq 600); do
    "$SB_BIN" worker --once >> "$BENCH_TMP/worker.out" 2>> "$BENCH_TMP/worker.err"
    [ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")" = 0 ] && break
    sleep 0.5
done

python3 - "$data/switchboard.db" "$BENCH_TMP/answers.txt" "$BENCH_TMP/twilio.log" <<'PY' > "$BENCH_TMP/report.txt"
import collections, json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
answers = [l.split()[:2] for l in open(sys.argv[2])]
ok = {sid for sid, st in answers if st == "200"}
stored = collections.Counter(r[0] for r in db.execute("SELECT external_id FROM messages WHERE direction = 'in'"))
lost = len([s for s in ok if stored[s] == 0])
dup_msgs = sum(n - 1 for n in stored.values() if n > 1)
unanswered_stored = len([s for s in stored if s not in ok])
q = lambda sql: db.execute(sql).fetchone()[0]
dup_jobs = q("SELECT count(*) - count(DISTINCT dedupe_key) FROM jobs WHERE dedupe_key IS NOT NULL")
# one event per job outcome: a job run twice writes its event twice
dup_events = q("""SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n FROM events
                  WHERE event_type IN ('message_in', 'classified', 'message_out', 'message_sent', 'task_created')
                  AND message_id IS NOT NULL GROUP BY event_type, message_id HAVING n > 1)""")
# a draft job writes at most one AI message, a github_issue job at most one
# follow-up question: more AI messages than those jobs means one ran twice
dup_drafts = max(0, q("SELECT count(*) FROM messages WHERE direction = 'out' AND ai_generated = 1")
                 - q("SELECT count(*) FROM jobs WHERE kind IN ('draft', 'github_issue')"))
jobs = dict(db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())
# outbound: the fake Twilio's creates against the database's outbound SMS
creates = collections.Counter()
for l in open(sys.argv[3]):
    r = json.loads(l)
    if r.get("method") == "POST" and r.get("path", "").endswith("/Messages.json"):
        f = r.get("form", {})
        g = lambda k: (f.get(k) or [""])[0] if isinstance(f.get(k), list) else f.get(k, "")
        creates[(g("To"), g("Body"))] += 1
out = collections.Counter((t, b) for t, b in db.execute(
    "SELECT to_addr, body FROM messages WHERE direction = 'out' AND (transport = 'twilio' OR status = 'submitting')"))
dup_sms = sum(max(0, n - out[k]) for k, n in creates.items())
# and the other way: messages recorded as sent through Twilio beyond the
# creates for their recipient and text adopted an SMS that is not theirs
missing_sms = sum(max(0, n - creates[k]) for k, n in out.items())
unsent = q("SELECT count(*) FROM messages WHERE direction = 'out' AND status IN ('queued', 'submitting')")
print("stored_in %d" % sum(stored.values()))
print("stored_without_200 %d" % unanswered_stored)
print("lost %d" % lost)
print("dup_messages %d" % dup_msgs)
print("dup_jobs %d" % dup_jobs)
print("dup_events %d" % (dup_events + dup_drafts))
print("jobs %s" % " ".join("%s=%d" % kv for kv in sorted(jobs.items())))
print("sms_created %d" % sum(creates.values()))
print("sms_out_db %d" % sum(out.values()))
print("dup_sms %d" % dup_sms)
print("missing_sms %d" % missing_sms)
print("unsent %d" % unsent)
PY
# an outbound SMS left unsent: show its rows, its send job, its events and
# the other outbound messages with the same recipient and text
if [ "$(sed -n 's/^unsent //p' "$BENCH_TMP/report.txt")" != 0 ]; then
    echo "unsent outbound messages:"
    for id in $(sql "SELECT id FROM messages WHERE direction = 'out' AND status IN ('queued', 'submitting')"); do
        sql -header "SELECT id, status, external_id, transport, submitted_at, to_addr, substr(body, 1, 40) body FROM messages
                     WHERE direction = 'out' AND to_addr = (SELECT to_addr FROM messages WHERE id = $id)
                     AND body = (SELECT body FROM messages WHERE id = $id)"
        sql -header "SELECT id, kind, state, attempts, worker, last_error FROM jobs WHERE message_id = $id"
        sql -header "SELECT id, event_type, details FROM events WHERE message_id = $id"
    done
    grep -i 'constraint\|sqlite' "$BENCH_TMP/worker.err" | sort | uniq -c | head -20
fi
kv() { sed -n "s/^$1 //p" "$BENCH_TMP/report.txt"; }
dk() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
san=$(cat "$SRV_DIR/error.log" "$BENCH_TMP/worker.err" | grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:')
dups=$(( $(kv dup_messages) + $(kv dup_jobs) + $(kv dup_events) + $(kv dup_sms) ))
echo
echo "bench-faults: signed webhooks through lighttpd ($PROCS FastCGI processes, $CONNS connections, ${SECS} s)"
echo "  and a worker with auto-send on against the fake Twilio; SIGKILL every 0.2-1.2 s"
hr 72
printf '%-48s %s\n' "webhook requests sent" "$(dk sent)" \
    "answered 200" "$(dk ok)" \
    "answers by status (0 = connection cut)" "$(dk statuses)" \
    "faults: FastCGI processes killed" "$k_fcgi" \
    "faults: worker killed (and restarted)" "$k_worker" \
    "FastCGI processes alive at the end" "$procs_end of $PROCS" \
    "inbound messages stored" "$(kv stored_in)" \
    "  stored although the answer was lost" "$(kv stored_without_200)" \
    "LOST (200 but not stored)" "$(kv lost)" \
    "duplicated messages" "$(kv dup_messages)" \
    "jobs by state after the drain" "$(kv jobs)" \
    "duplicated jobs (same dedupe key)" "$(kv dup_jobs)" \
    "duplicated job effects (events twice)" "$(kv dup_events)" \
    "outbound SMS created at the fake Twilio" "$(kv sms_created)" \
    "outbound SMS in the database (sent or submitting)" "$(kv sms_out_db)" \
    "DUPLICATED SMS (created more than stored)" "$(kv dup_sms)" \
    "MISSING SMS (stored as sent, never created)" "$(kv missing_sms)" \
    "outbound SMS still unsent after the drain" "$(kv unsent)" \
    "sanitizer reports" "$san"
hr 72
echo "RESULT lost=$(kv lost) duplicated=$dups unsent=$(kv unsent) missing=$(kv missing_sms) ok=$(dk ok) faults=$((k_fcgi + k_worker)) unfinished=$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued','running')") sanitizer=$san"
[ "$(kv lost)" = 0 ] && [ "$dups" = 0 ] && [ "$(kv missing_sms)" = 0 ] && [ "$san" = 0 ]
