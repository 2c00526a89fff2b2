#!/usr/bin/env bash
# gen_bench.sh - the report generator's benchmark (make bench-gen).
#
# 1. `switchboard seed-demo` makes GEN_BENCH_EVENTS events (1,000,000) over
#    GEN_BENCH_TASKS tasks (100,000) and GEN_BENCH_CLIENTS clients (1,000).
# 2. switchboard-gen --full into an empty directory: time, pages, pages
#    per second, peak memory (/usr/bin/time, else getrusage as the
#    generator reports it), CPU time.
# 3. Three rounds of GEN_BENCH_NEW (1,000) new events (seed-demo --append)
#    each followed by an incremental build: time and what it rewrote.
# 4. Hugo (Debian package hugo) building the same number of equivalent
#    pages (a timeline per task; per client a report and a task list; an
#    overview) from Markdown files generated from the same database, with
#    a minimal theme; its time, pages per second and peak memory.
# Figures only: nothing passes or fails.  The machine's load average is
# printed too: on a shared machine wall-clock times stretch, CPU times less.
#
# Environment: SB_BIN, SB_GEN (the programs), GEN_BENCH_* (sizes),
# BENCH_KEEP=1 (keep the temporary directory), BENCH_TMP (where).
set -euo pipefail
SB_BIN=${SB_BIN:?}
SB_GEN=${SB_GEN:?}
EVENTS=${GEN_BENCH_EVENTS:-1000000}
TASKS=${GEN_BENCH_TASKS:-100000}
CLIENTS=${GEN_BENCH_CLIENTS:-1000}
NEW=${GEN_BENCH_NEW:-1000}
TMP=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/sb-bench-gen.XXXXXX")
cleanup() { [ -n "${BENCH_KEEP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"; }
trap cleanup EXIT
export SWITCHBOARD_DATA=$TMP/data
mkdir -p "$SWITCHBOARD_DATA"
[ "$(id -u)" = 0 ] && export SWITCHBOARD_ALLOW_ROOT=1
unset SWITCHBOARD_SITE SWITCHBOARD_DB
# Fixed end time: the same data every run.
END=1790000000000
TIMEV=/usr/bin/time
[ -x "$TIMEV" ] || TIMEV=""

fmt() { printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
# run_timed OUTFILE CMD...: runs CMD; leaves "wall user sys maxrss_kb" in OUTFILE.times
run_timed() {
    local out=$1; shift
    if [ -n "$TIMEV" ]; then
        "$TIMEV" -f '%e %U %S %M' -o "$out.times" "$@" > "$out" 2>&1
    else
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > "$out" 2>&1
        t1=$(date +%s.%N)
        echo "$(echo "$t1 - $t0" | bc) 0 0 0" > "$out.times"
    fi
}

echo "switchboard-gen benchmark: $(fmt "$EVENTS") events, $(fmt "$TASKS") tasks, $(fmt "$CLIENTS") clients"
echo "  machine: $(nproc) CPUs, load average $(load) at the start"
run_timed "$TMP/seed" "$SB_BIN" seed-demo --clients "$CLIENTS" --tasks "$TASKS" --events "$EVENTS" --end "$END" --seed 1
read -r sw su ss sm < "$TMP/seed.times"
echo "  $(tail -n1 "$TMP/seed")"
echo "  seed-demo: ${sw} s wall, $(echo "$su + $ss" | bc) s CPU"
db_mb=$(( $(stat -c %s "$SWITCHBOARD_DATA/switchboard.db") / 1048576 ))
echo "  database: ${db_mb} MB"
echo

SITE=$TMP/site
run_timed "$TMP/full" "$SB_GEN" --out "$SITE" --full
read -r fw fu fs fm < "$TMP/full.times"
line=$(grep 'full build' "$TMP/full" || cat "$TMP/full")
pages=$(sed -n 's/.*: \([0-9,]*\) pages,.*/\1/p' <<<"$line" | tr -d ,)
files=$(sed -n 's/.* \([0-9,]*\) files,.*/\1/p' <<<"$line" | tr -d ,)
[ -n "$fm" ] && [ "$fm" != 0 ] || fm=$(( $(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' <<<"$line") * 1024 ))
site_mb=$(du -sm "$SITE" | cut -f1)
gen_pps=$(echo "scale=0; $pages / $fw" | bc)
echo "full build (switchboard-gen --full, empty output directory)"
printf '  %-28s %s\n' "pages" "$(fmt "$pages") ($(fmt "$files") files, ${site_mb} MB)"
printf '  %-28s %s\n' "time" "${fw} s wall, $(echo "$fu + $fs" | bc) s CPU (user ${fu}, sys ${fs})"
printf '  %-28s %s\n' "pages per second" "$(fmt "$gen_pps") (wall)"
printf '  %-28s %s\n' "peak memory" "$(( fm / 1024 )) MB"
echo

hugo_ran=""
if ! command -v hugo >/dev/null 2>&1; then
    echo "Hugo: not installed (sudo apt-get install hugo); comparison left out"
    echo
else
hugo_ran=1
# Hugo: the same pages as Markdown, from the same database (not timed).
H=$TMP/hugo
mkdir -p "$H/layouts/_default" "$H/content"
cat > "$H/config.toml" <<'EOF'
baseURL = "http://127.0.0.1/reports/"
title = "Switchboard reports"
uglyURLs = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
[markup.goldmark.renderer]
unsafe = false
EOF
layout='<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · Switchboard</title><link rel="stylesheet" href="/static/reports.css"></head>
<body><header class="r-top"><span class="r-brand">Switchboard report</span>
<nav aria-label="Report"><ul class="r-nav"><li><a href="../index.html">Report</a></li></ul></nav></header>
<main id="main"><h1>{{ .Title }}</h1>{{ .Content }}</main>
<footer class="r-foot">Built from the event log. A static page: no scripts, no tracking.</footer></body></html>'
printf '%s\n' "$layout" > "$H/layouts/_default/single.html"
printf '%s\n' "$layout" > "$H/layouts/_default/list.html"
printf '%s\n' "$layout" > "$H/layouts/index.html"
# (the same database state as the full build above: before new events)
python3 - "$SWITCHBOARD_DATA/switchboard.db" "$H/content" <<'PY'
import os, sqlite3, sys, time
db, out = sqlite3.connect(sys.argv[1]), sys.argv[2]
def when(ms): return time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(ms / 1000))
def words(s): return s.replace('_', ' ').capitalize()
def esc(s): return s.replace('|', '\\|').replace('*', '\\*').replace('_', '\\_').replace('<', '&lt;')
clients = {cid: (name or phone) for cid, name, phone in db.execute("SELECT id, name, coalesce(phone, '') FROM clients")}
tasks = {}
for tid, cid, title, typ, urg, status, created in db.execute(
        "SELECT id, client_id, title, type, urgency, status, created_at FROM tasks ORDER BY id"):
    tasks[tid] = [cid, title, typ, urg, status, created, []]
msg_task = {}
for tid, mid in db.execute("SELECT task_id, message_id FROM events WHERE event_type = 'classified' AND message_id IS NOT NULL"):
    msg_task.setdefault(mid, tid)
for eid, kind, tid, mid, actor, at in db.execute(
        "SELECT id, event_type, task_id, message_id, actor, created_at FROM events ORDER BY id"):
    if tid is None and kind == 'message_in':
        tid = msg_task.get(mid)
    if tid in tasks:
        tasks[tid][6].append(f"1. {when(at)} — {words(kind)} · {actor.split(':')[-1]}\n")
by_client = {}
for tid, t in tasks.items():
    by_client.setdefault(t[0], []).append(tid)
os.makedirs(f"{out}/tasks", exist_ok=True)
for cid in clients:
    os.makedirs(f"{out}/tasks/{cid}", exist_ok=True)
for tid, (cid, title, typ, urg, status, created, evs) in tasks.items():
    with open(f"{out}/tasks/{cid}/{tid}.md", "w") as f:
        f.write(f'---\ntitle: "Task #{tid}"\n---\n**{esc(title)}**\n\n{words(urg)} · {words(typ)} · {words(status)}\n\n'
                f'- Opened: {when(created)}\n\n## Timeline\n\n' + ''.join(evs))
def task_table(ids):
    rows = ["| Task | Urgency | Type | Status | Opened |", "|---|---|---|---|---|"]
    for tid in ids:
        cid, title, typ, urg, status, created, _ = tasks[tid]
        rows.append(f"| [#{tid} {esc(title)}](tasks/{cid}/{tid}.html) | {words(urg)} | {words(typ)} | {words(status)} | {when(created)} |")
    return '\n'.join(rows) + '\n'
for cid, name in clients.items():
    ids = sorted(by_client.get(cid, []), reverse=True)
    counts = {}
    for tid in ids:
        counts[(tasks[tid][3], tasks[tid][4])] = counts.get((tasks[tid][3], tasks[tid][4]), 0) + 1
    table = ["| Urgency | Open | Waiting | Closed |", "|---|---|---|---|"]
    for u in ("urgent", "medium", "low"):
        table.append(f"| {u} | {counts.get((u, 'open'), 0)} | {counts.get((u, 'waiting'), 0)} | {counts.get((u, 'closed'), 0)} |")
    with open(f"{out}/client-{cid}.md", "w") as f:
        f.write(f'---\ntitle: "{esc(name)}"\n---\n## Tasks by urgency and status\n\n' + '\n'.join(table) +
                '\n\n## Newest tasks\n\n' + task_table(ids[:100]))
    with open(f"{out}/client-{cid}-tasks.md", "w") as f:
        f.write(f'---\ntitle: "All tasks: {esc(name)}"\n---\n' + task_table(ids))
with open(f"{out}/_index.md", "w") as f:
    f.write('---\ntitle: "Overview of the desk"\n---\n| Client | Tasks |\n|---|---|\n' +
            ''.join(f"| [{esc(n)}](client-{c}.html) | {len(by_client.get(c, []))} |\n" for c, n in clients.items()))
PY
mdpages=$(find "$H/content" -name '*.md' | wc -l)
run_timed "$TMP/hugo.out" hugo --source "$H" --destination "$H/public" --quiet
read -r hw hu hs hm < "$TMP/hugo.out.times"
hpages=$(find "$H/public" -name '*.html' | wc -l)
hugo_pps=$(echo "scale=0; $hpages / $hw" | bc)
echo "Hugo $(hugo version | sed -n 's/^hugo v\([0-9.]*\).*/\1/p') on the same pages ($(fmt "$mdpages") Markdown files)"
printf '  %-28s %s\n' "pages" "$(fmt "$hpages")"
printf '  %-28s %s\n' "time" "${hw} s wall, $(echo "$hu + $hs" | bc) s CPU (user ${hu}, sys ${hs})"
printf '  %-28s %s\n' "pages per second" "$(fmt "$hugo_pps") (wall)"
printf '  %-28s %s\n' "peak memory" "$(( hm / 1024 )) MB"
echo
fi

echo "incremental builds after $(fmt "$NEW") new events (seed-demo --append)"
# The full build and Hugo leave about a gigabyte of page cache to write
# back; flush it first, so that the incremental rounds are not billed for
# the kernel writing out what the full build wrote.
sync
worst=0
for round in 1 2 3; do
    "$SB_BIN" seed-demo --append --events "$NEW" --seed $((100 + round)) > "$TMP/append" 2>&1
    run_timed "$TMP/inc" "$SB_GEN" --out "$SITE"
    read -r iw iu is im < "$TMP/inc.times"
    what=$(sed -n 's/.*: \([0-9,]* new events, .*pages written\).*/\1/p' "$TMP/inc")
    printf '  round %d: %6s s wall, %5s s CPU, peak %3d MB  (%s)\n' "$round" "$iw" "$(echo "$iu + $is" | bc)" $(( im / 1024 )) "$what"
    worst=$(echo "if ($iw > $worst) $iw else $worst" | bc)
done
echo "  slowest: ${worst} s"
# In service runs are a minute apart, and each also deletes the report
# versions replaced by the previous run (kept 30 s for readers): one more
# round after 31 s shows that cost too.
sleep 31
"$SB_BIN" seed-demo --append --events "$NEW" --seed 104 > "$TMP/append" 2>&1
run_timed "$TMP/inc" "$SB_GEN" --out "$SITE"
read -r iw iu is im < "$TMP/inc.times"
printf '  round 4: %6s s wall, %5s s CPU, peak %3d MB  (31 s later: also deletes the versions the earlier rounds replaced)\n' \
    "$iw" "$(echo "$iu + $is" | bc)" $(( im / 1024 ))
echo

if [ -n "$hugo_ran" ]; then
    echo "switchboard-gen / Hugo: $(echo "scale=1; $gen_pps / $hugo_pps" | bc)x the pages per second (wall), \
$(echo "scale=1; ($hu + $hs) / ($fu + $fs)" | bc)x less CPU, $(echo "scale=1; $hm / $fm" | bc)x less memory"
fi
echo "targets: full build >= 2x Hugo's pages per second, incremental <= 1 s, peak memory <= 256 MB"
echo "load average at the end: $(load)"
