#!/usr/bin/env bash
# t0210-webhook-committer: with 4 FastCGI processes one of them, the
# committer, stores the inbound SMS of all of them in its group commit
# (fcgi/ingest_ipc.c).  Concurrent signed webhooks are committed by the
# committer for the other processes; when the committer is SIGKILLed,
# another process takes over, and every webhook answered 200 is stored
# exactly once, before, during and after the kill.  Malformed frames on the
# committer's socket are refused and store nothing.  No assertion is about
# time.
. "$(dirname "$0")/../lib.sh"
sb_start 4 || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sock=$SWITCHBOARD_DATA/switchboard.db-ingest.sock

# committer: the pid of the process that took over last (from the log)
committer() { sb_log | sed -n 's/^switchboard: process \([0-9]*\) commits the inbound SMS of every process.*/\1/p' | tail -n1; }
wait_for() { for _ in $(seq 400); do eval "$1" && return 0; sleep 0.05; done; return 1; }
wait_for '[ "$(pgrep -P "$SB_LIGHTTPD_PID" | wc -l)" -ge 4 ] && [ -n "$(committer)" ] && [ -S "$sock" ]'
c1=$(committer)
ok $([ -n "$c1" ]; echo $?) "one process commits for every process ($c1)"
is "$(sb_log | grep -c 'commits the inbound SMS of every process')" 1 "exactly one committer"
is "$(stat -c %a "$sock")" 600 "its socket is private (mode 0600)"

# drive NAME COUNT SEED [RATE]: send COUNT new signed webhooks over 16
# connections; answers in $SB_TMP/NAME.answers ("SID STATUS MS" lines)
drive() {
    python3 "$SB_ROOT/bench/gen_webhooks.py" "$2" "$SWITCHBOARD_PUBLIC_URL" "$TWILIO_AUTH_TOKEN" \
        "$SB_ROOT/data/corpus/train.tsv" "$SB_TMP/$1.hooks" --seed "$3" --clients 40 &&
    python3 "$SB_ROOT/bench/webhook_driver.py" "$SB_URL" "$SB_TMP/$1.hooks" "$SB_TMP/$1.answers" \
        --connections 16 --rate "${4:-0}" > "$SB_TMP/$1.out" 2>&1
}
ok200() { awk '$2 == 200 {print $1}' "$SB_TMP/$1.answers" | sort; }
# the MessageSids answered 200 that are not stored exactly once
not_once() {
    ok200 "$1" > "$SB_TMP/$1.ok"
    sql "SELECT external_id FROM messages WHERE direction = 'in' GROUP BY external_id HAVING count(*) = 1" |
        sort | comm -23 "$SB_TMP/$1.ok" - | wc -l
}

drive one 400 1
is "$(ok200 one | wc -l)" 400 "400 concurrent webhooks answered 200"
is "$(not_once one)" 0 "each stored exactly once"
like "$(sb_log | grep "sends its inbound SMS to the committer, process $c1\$" | grep -v "process $c1 sends")" \
     "process [0-9]+ sends" "another process's webhooks were committed by the committer"
is "$(sb_log | grep -c 'ingest: ')" 0 "no ingest errors logged"

# The committer dies: another process takes over and the others send to it.
kill -9 "$c1"
wait_for '[ -n "$(committer)" ] && [ "$(committer)" != "$c1" ]'
c2=$(committer)
ok $([ -n "$c2" ] && [ "$c2" != "$c1" ]; echo $?) "another process took over ($c2) after the committer was killed"
drive two 400 2
is "$(ok200 two | wc -l)" 400 "400 more webhooks answered 200"
is "$(not_once two)" 0 "each stored exactly once"
like "$(sb_log | grep "sends its inbound SMS to the committer, process $c2\$" | grep -v "process $c2 sends")" \
     "process [0-9]+ sends" "the new committer commits the other processes' webhooks"

# Killed in the middle of traffic: the webhooks it had taken are stored by
# their own process (as duplicates when its commit went through).
drive three 800 3 400 &
driver=$!
wait_for '[ "$(sql "SELECT count(*) FROM messages")" -ge 900 ]'
kill -9 "$c2"
wait "$driver"
wait_for '[ -n "$(committer)" ] && [ "$(committer)" != "$c2" ]'
c3=$(committer)
ok $([ -n "$c3" ] && [ "$c3" != "$c2" ]; echo $?) "a third committer took over ($c3)"
n3=$(ok200 three | wc -l)
ok $([ "$n3" -gt 0 ]; echo $?) "webhooks answered 200 around the kill ($n3 of 800)"
is "$(not_once three)" 0 "every one answered 200 is stored exactly once"
is "$(sql "SELECT count(*) - count(DISTINCT external_id) FROM messages")" 0 "no MessageSid stored twice"
is "$(sql "SELECT count(*) FROM jobs") $(sql "SELECT count(*) FROM events WHERE event_type = 'message_in'")" \
   "$(sql "SELECT count(*) FROM messages") $(sql "SELECT count(*) FROM messages")" \
   "one classify job and one message_in event per message"

# Hostile frames on the committer's socket: refused, nothing stored; a
# well-formed one (from a process of the same user) is committed and
# answered with the result, the committer's pid and the message id.
wait_for '[ -S "$sock" ]'
before=$(sql "SELECT count(*) FROM messages")
out=$(python3 - "$sock" <<'PY'
import socket, struct, sys
def send(payload, raw=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(raw if raw is not None else struct.pack(">I", len(payload)) + payload)
    s.settimeout(30)
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
            if len(got) >= 4 and len(got) >= 4 + struct.unpack(">I", got[:4])[0]:
                break
    except OSError:
        pass
    s.close()
    return got
field = lambda b: struct.pack(">I", len(b)) + b
good = [b"SM0210000000000000000000000000001", b"+14155550100", b"+15005550006", b"hello over the socket",
        b"AC1", b"", b'[{"url":"https://example.com/m.jpg","content_type":"image/jpeg"}]']
frames = [
    (None, struct.pack(">I", 0xFFFFFFF0)),                                        # oversized frame
    (struct.pack(">I", 0) + field(b"SMx") + struct.pack(">I", 1000), None),       # a field overruns
    (struct.pack(">I", 0) + b"".join(map(field, good)) + b"trailing", None),      # bytes left over
    (struct.pack(">I", 11) + b"".join(map(field, good)), None),                   # NumMedia > 10
    (struct.pack(">I", 0) + b"".join(map(field, [b""] + good[1:])), None),        # no MessageSid
    (struct.pack(">I", 0) + b"".join(map(field, good[:1] + [b"+1\0x"] + good[2:])), None),  # a NUL
    (struct.pack(">I", 1) + b"".join(map(field, good[:6] + [b'{"a":1}'])), None),  # media not an array
]
print(" ".join("closed" if send(p, r) == b"" else "answered" for p, r in frames))
rep = send(struct.pack(">I", 1) + b"".join(map(field, good)))
n, result, pid, mid = struct.unpack(">IBIQ", rep[:17])
print(n == len(rep) - 4, result, pid, mid)
# A sender that is not an address: rejected (3) with the id of its
# inbound_rejected event, the same answer when it comes again.
bad = [b"SM0210000000000000000000000000002", b"garbage"] + good[2:6] + [b"[]"]
for _ in range(2):
    rep = send(struct.pack(">I", 0) + b"".join(map(field, bad)))
    print(*struct.unpack(">IBIQ", rep[:17])[1:])
PY
)
is "$(head -n1 <<<"$out")" "closed closed closed closed closed closed closed" "malformed frames: the connection is closed unanswered"
is "$(sql "SELECT count(*) FROM messages")" "$((before + 1))" "malformed frames store nothing"
is "$(sb_log | grep -c 'ingest: malformed request')" 6 "each malformed request is logged"
is "$(sb_log | grep -c 'ingest: request frame from another process of a bad length')" 1 "the oversized frame is logged"
mid=$(sql "SELECT id FROM messages WHERE external_id = 'SM0210000000000000000000000000001'")
is "$(sed -n 2p <<<"$out")" "True 0 $c3 $mid" "a well-formed frame is stored by the committer and answered"
is "$(sql "SELECT body || '|' || json_extract(details, '$.media[0].content_type') FROM messages JOIN events ON events.message_id = messages.id
           WHERE messages.id = '$mid' AND event_type = 'message_in'")" "hello over the socket|image/jpeg" "with its body and media"
ev=$(sql "SELECT id FROM events WHERE event_type = 'inbound_rejected' AND json_extract(details, '$.message_sid') = 'SM0210000000000000000000000000002'")
is "$(sed -n 3,4p <<<"$out" | tr '\n' ' ')" "3 $c3 $ev 3 $c3 $ev " "a sender that is not an address is rejected by the committer, once"
is "$(sql "SELECT count(*) FROM clients WHERE phone = 'garbage'")" 0 "and makes no client"
done_testing
