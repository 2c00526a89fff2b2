#!/usr/bin/env bash
# t0810-reports-incremental: an incremental build equals a full build,
# byte for byte, after rounds of random changes (new activity, tasks
# closed, titles and client names edited behind the program's back, usage,
# a task and a client deleted), also when a report version is made from a
# replaced one (its spare); pages of things that are gone are removed;
# a run with nothing new writes nothing; the database is never written; a
# run that finds another one running leaves; readers never see a partial
# page; no temporary files are left behind.
. "$(dirname "$0")/../lib.sh"
sb_env
[ -x "$SB_GEN" ] || skip_all "no switchboard-gen in $(dirname "$SB_GEN")"
command -v flock >/dev/null || skip_all "flock(1) is needed"
A=$SB_TMP/inc
B=$SB_TMP/full
END=1790000000000
"$SB_BIN" seed-demo --clients 14 --tasks 240 --events 2500 --end $END --seed 5 >/dev/null
ok $? "seed-demo made a desk"

# same LABEL: a fresh full build B must equal the incremental site A.
same() {
    rm -rf "$B"
    "$SB_GEN" --out "$B" --quiet || { ok 1 "$1: full build"; return; }
    local d
    d=$( { diff -r "$A/clients" "$B/clients" && cmp "$A/index.html" "$B/index.html" &&
           cmp "$A/usage.csv" "$B/usage.csv" && diff <(ls "$A/clients") <(ls "$B/clients"); } 2>&1 | head -20)
    is "$d" "" "$1: incremental site = full build"
}

out=$("$SB_GEN" --out "$A" 2>&1)
like "$out" "full build" "first run: full"
same "after the first run"
out=$("$SB_GEN" --out "$A" 2>&1)
like "$out" "incremental build .*: 0 new events, 0 tasks and 0 clients changed, 0 pages written" "nothing new: nothing written"

rnd() { echo $(( (RANDOM % $1) + ${2:-0} )); }
for round in 1 2 3 4 5; do
    "$SB_BIN" seed-demo --append --events "$(rnd 200 40)" --seed $((round * 7)) >/dev/null
    # Edits behind the program's back (no events): the row hashes notice.
    t=$(sql "SELECT id FROM tasks ORDER BY random() LIMIT 1")
    sql "UPDATE tasks SET title = 'Round $round retitled <b>&amp;</b>, \"quoted\"' WHERE id = $t"
    c=$(sql "SELECT id FROM clients ORDER BY random() LIMIT 1")
    sql "UPDATE clients SET name = 'Renamed Client $round' WHERE id = $c"
    # A person closes an open task (with its event, as the program does).
    o=$(sql "SELECT id || ' ' || client_id FROM tasks WHERE status != 'closed' ORDER BY random() LIMIT 1")
    if [ -n "$o" ]; then
        set -- $o
        now=$(sql "SELECT max(created_at) + 1000 FROM events")
        sql "UPDATE tasks SET status = 'closed', closed_at = $now, updated_at = $now WHERE id = $1;
             INSERT INTO events (event_type, client_id, task_id, actor, details, created_at)
             VALUES ('task_updated', $2, $1, 'user:alice', '{\"fields\":[\"status\"],\"changes\":{\"status\":{\"from\":\"open\",\"to\":\"closed\"}}}', $now)"
    fi
    sql "INSERT INTO usage (client_id, purpose, provider, model, prompt_tokens, completion_tokens, created_at)
         SELECT id, 'draft', 'openai', 'gpt-4o', 1234, 321, $END + $round * 86400000 FROM clients ORDER BY random() LIMIT 2"
    case $round in
    2)  # a task disappears (its events stay in the log)
        gone=$(sql "SELECT id || ' ' || client_id FROM tasks ORDER BY random() LIMIT 1"); set -- $gone
        gone_task=$1; gone_client=$2
        sql "DELETE FROM messages WHERE task_id = $gone_task; DELETE FROM tasks WHERE id = $gone_task"
        # and a client without tasks appears
        sql "INSERT INTO clients (name, phone, created_at, updated_at) VALUES ('Brand New Client', '+15550199999', $END, $END)"
        ;;
    3)  # that client goes away again
        sql "DELETE FROM clients WHERE phone = '+15550199999'"
        ;;
    esac
    out=$("$SB_GEN" --out "$A" 2>&1)
    like "$out" "incremental build" "round $round: incremental"
    same "round $round"
    case $round in
    2)  [ ! -e "$A/clients/$gone_client/tasks/$gone_task.html" ]
        ok $? "the deleted task's page is gone"
        like "$(ls "$A/clients")" "^" "client list readable"
        new=$(sql "SELECT id FROM clients WHERE phone = '+15550199999'")
        [ -f "$A/clients/$new/index.html" ]
        ok $? "a new client without tasks gets a report"
        ;;
    3)  [ ! -e "$A/clients/$new" ]
        ok $? "the deleted client's report is gone"
        ;;
    esac
done

# Replaced versions are reused: with no grace period a client's previous
# version becomes its spare at once, and its next version is made from it
# (the directory renamed, its files overwritten in place); every round
# still equals a full build.
busy=$(sql "SELECT client_id FROM tasks GROUP BY client_id ORDER BY count(*) DESC LIMIT 1")
inodes=()
for round in 1 2 3 4; do
    "$SB_BIN" seed-demo --append --events 80 --seed $((300 + round)) >/dev/null
    sql "UPDATE clients SET name = 'Spare Round $round' WHERE id = $busy"
    SWITCHBOARD_GEN_GRACE_SECONDS=0 "$SB_GEN" --out "$A" --quiet
    inodes+=("$(stat -L -c %i "$A/clients/$busy/index.html")")
    same "made from a spare, round $round"
done
is "${inodes[2]} ${inodes[3]}" "${inodes[0]} ${inodes[1]}" "a busy client's versions take turns in two directories (the same index.html inodes two rounds apart)"
nv=$(ls "$A/v" | grep -c "^$busy-")
is "$nv" 2 "and it has two version directories, not one per run"

# --full over an existing site equals a fresh one.
"$SB_GEN" --out "$A" --full --quiet
same "after --full over the site"

# The database is read, never written (the -shm file is shared memory that
# every reader marks; the database and its write-ahead log must not change).
sum() { cat "$SWITCHBOARD_DATA/switchboard.db" "$SWITCHBOARD_DATA/switchboard.db-wal" 2>/dev/null | sha256sum; }
"$SB_BIN" seed-demo --append --events 30 --seed 99 >/dev/null
before=$(sum)
"$SB_GEN" --out "$A" --quiet
is "$(sum)" "$before" "switchboard-gen did not change the database files"

# A run that finds another running leaves without harm.
"$SB_BIN" seed-demo --append --events 30 --seed 98 >/dev/null
# The holder keeps the lock until it is killed; the run starts once it holds it.
rm -f "$SB_TMP/held"
flock -o "$A/.gen/lock" sh -c ': > "$1"; exec sleep 600' sh "$SB_TMP/held" &
holder=$!
for _ in $(seq 600); do [ -e "$SB_TMP/held" ] && break; sleep 0.05; done
snap=$(find "$A" -path "$A/.gen" -prune -o -print | sort | md5sum)
out=$("$SB_GEN" --out "$A" 2>&1)
rc=$?
is "$rc" 0 "a run while another holds the lock exits 0"
like "$out" "another run is building" "and says why"
is "$(find "$A" -path "$A/.gen" -prune -o -print | sort | md5sum)" "$snap" "and changes nothing"
kill $(pgrep -P $holder) $holder 2>/dev/null; wait $holder 2>/dev/null
# Several at once: one builds, the others leave; the result is right.
pids=()
for _ in 1 2 3; do "$SB_GEN" --out "$A" --quiet & pids+=($!); done
st=0; for p in "${pids[@]}"; do wait "$p" || st=1; done
is "$st" 0 "three runs at once all exit 0"
"$SB_GEN" --out "$A" --quiet
same "after concurrent runs"

# Readers never see half a page: read a report over and over while runs
# replace it.
cid=$(sql "SELECT client_id FROM tasks GROUP BY client_id ORDER BY count(*) DESC LIMIT 1")
reader() {
    local bad=0 n=0
    while [ ! -e "$SB_TMP/stop" ]; do
        for f in "$A/clients/$cid/index.html" "$A/clients/$cid/tasks.html" "$A/index.html"; do
            c=$(cat "$f" 2>/dev/null) || { bad=$((bad + 1)); continue; }
            case $c in "<!DOCTYPE html>"*"</html>") ;; *) bad=$((bad + 1)) ;; esac
            n=$((n + 1))
        done
    done
    echo "$bad $n"
}
reader > "$SB_TMP/reader.out" &
rpid=$!
for i in 1 2 3 4; do
    "$SB_BIN" seed-demo --append --events 60 --seed $((200 + i)) >/dev/null
    sql "UPDATE clients SET name = 'Busy Client $i' WHERE id = $cid"
    "$SB_GEN" --out "$A" --quiet
done
touch "$SB_TMP/stop"
wait $rpid
read -r bad n < "$SB_TMP/reader.out"
is "$bad" 0 "no partial or missing page in $n reads during 4 rebuilds"

# Leftovers of a crashed run (numbered after the last complete run) are
# cleaned; no temporary files remain.
mkdir -p "$A/v/99999-9999999" "$A/t/99999-9999999"
"$SB_GEN" --out "$A" --quiet
[ ! -e "$A/v/99999-9999999" ] && [ ! -e "$A/t/99999-9999999" ]
ok $? "directories nothing refers to are removed"
is "$(find "$A" -name '*.tmp*' | wc -l)" 0 "no temporary files left"
# A damaged state file is not trusted: the next run is a full build.
printf 'garbage' > "$A/.gen/state"
like "$("$SB_GEN" --out "$A" 2>&1)" "full build" "a damaged state means a full build"
same "after rebuilding from a damaged state"

done_testing
