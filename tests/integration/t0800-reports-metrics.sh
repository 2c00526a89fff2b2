#!/usr/bin/env bash
# t0800-reports-metrics: the report generator's figures against a desk
# whose answers are worked out by hand (tests/fixtures/reports-metrics.sql
# says what happens to each task): first response before and after the
# SLA target, tasks with no reply yet (past the target and within it), a
# reopened task, AI drafts sent as written / edited / rejected, a
# classifier correction, usage and cost.  Read from the task CSVs, usage.csv,
# the client's page, the feed and the overview.
. "$(dirname "$0")/../lib.sh"
sb_env
command -v python3 >/dev/null || skip_all "python3 is needed to read the CSV files"
[ -x "$SB_GEN" ] || skip_all "no switchboard-gen in $(dirname "$SB_GEN")"
export LLM_PRICES="gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10.00"
unset SLA_URGENT_MINUTES SLA_MEDIUM_MINUTES SLA_LOW_MINUTES
"$SB_BIN" migrate >/dev/null 2>&1
sql < "$SB_ROOT/tests/fixtures/reports-metrics.sql"
ok $? "fixture loaded"
SITE=$SB_TMP/site
out=$("$SB_GEN" --out "$SITE" 2>&1)
ok $? "switchboard-gen builds the site"
like "$out" "full build .*: 23 pages" "a first run is a full build: 7 task pages and their client-safe twins, 4 per client (report, its client-safe twin, task list, its one month), the overview"

C1=$SITE/clients/1
C2=$SITE/clients/2
# csv FILE TASK COLUMN: one cell of a task CSV
csv() {
    python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline='')):
    if row["task_id"] == sys.argv[2]:
        print(row[sys.argv[3]])
PY
}
# (tasks.csv as served: the monthly CSV files under one header)
t() { report_tasks_csv "$C1" > "$SB_TMP/c1-tasks.csv"; csv "$SB_TMP/c1-tasks.csv" "$@"; }
report_tasks_csv "$C2" > "$SB_TMP/c2-tasks.csv"

# 101: a person replied after 45 min, within the urgent target (1 h).
is "$(t 101 first_response_seconds)" 2700 "101: first response after 45 min"
is "$(t 101 sla)" met "101: urgent target met"
is "$(t 101 first_response_by)" human "101: answered by a person"
is "$(t 101 resolution_seconds)" 10800 "101: resolved in 3 h"
is "$(t 101 first_inbound_at)" 2026-01-05T09:00:00Z "101: starts at the inbound message, not at the task_created event"

# 102: urgency corrected to urgent; AI draft edited, sent after 1 h 30 min 5 s: missed.
is "$(t 102 first_response_seconds)" 5405 "102: first response after 1 h 30 min 5 s"
is "$(t 102 sla_target_seconds)" 3600 "102: judged against the urgent target (after the correction)"
is "$(t 102 sla)" missed "102: urgent target missed"
is "$(t 102 first_response_by)" ai_edited "102: AI draft edited by a person"
is "$(t 102 classified_urgency)/$(t 102 urgency_overridden)/$(t 102 type_overridden)" "medium/1/0" "102: the classifier said medium; a person changed the urgency"
is "$(t 102 reopened)" 1 "102: reopened once"
is "$(t 102 resolution_seconds)" 169200 "102: resolution counts to the last close (47 h)"
is "$(t 102 closed_at)" 2026-01-07T09:00:00Z "102: closed at the second close"

# 103: AI draft rejected, a person answered after 1 h 6 min; low target 48 h.
is "$(t 103 first_response_seconds)" 3960 "103: first response after 1 h 6 min"
is "$(t 103 sla)" met "103: low target met"
is "$(t 103 drafts_rejected)/$(t 103 first_response_by)" "1/human" "103: the rejected draft, then a person's reply"
is "$(t 103 resolution_seconds)" "" "103: not resolved (waiting)"

# 104 / 105: no reply yet.  104 is 10 h old (medium target 8 h), 105 1 h (low 48 h).
is "$(t 104 first_response_seconds)" "" "104: no reply yet"
is "$(t 104 sla)" missed "104: no reply and past the 8 h target: missed"
is "$(t 105 sla)" pending "105: no reply, within the 48 h target: pending"

# 106: AI draft sent as written after 30 min 3 s; a second message, a person's reply.
is "$(t 106 first_response_seconds)" 1803 "106: first response after 30 min 3 s"
is "$(t 106 first_response_by)" ai "106: the AI draft, sent as written"
is "$(t 106 messages_in)/$(t 106 replies_sent)/$(t 106 ai_replies)/$(t 106 human_replies)" "2/2/1/1" "106: two messages in, two replies (AI and person)"
is "$(t 106 resolution_seconds)" 14400 "106: resolved in 4 h"

is "$(csv "$SB_TMP/c2-tasks.csv" 201 sla)" pending "client 2: its task is 2 s old: pending"
is "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))' "$SB_TMP/c1-tasks.csv")" 6 "client 1's CSV has its 6 tasks and no others"

# Client 1's page: medians and percentiles (nearest rank), SLA attainment,
# AI/human shares, review outcomes, override rate, reopen rate.
page=$(cat "$C1/index.html")
like "$page" '<dt>Median first response</dt><dd>45 min</dd>' "median first response: 45 min (2nd of 30 min, 45 min, 1.1 h, 1.5 h)"
like "$page" '<dt>Targets met</dt><dd>60%</dd>' "targets met: 3 of 5 decided"
like "$page" '<th scope="row">Urgent</th><td class="r-num">1.0 h</td><td class="r-num">1</td><td class="r-num">1</td><td class="r-num">0</td><td class="r-num"><strong>50%</strong>' "urgent: 1 met, 1 missed"
like "$page" '<th scope="row">Medium</th><td class="r-num">8.0 h</td><td class="r-num">1</td><td class="r-num">1</td><td class="r-num">0</td><td class="r-num"><strong>50%</strong>' "medium: 1 met, 1 missed without a reply"
like "$page" '<th scope="row">Low</th><td class="r-num">2.0 d</td><td class="r-num">1</td><td class="r-num">0</td><td class="r-num">1</td><td class="r-num"><strong>100%</strong>' "low: 1 met, 1 pending"
like "$page" '<th scope="row">Urgent</th><td class="r-num">2</td><td class="r-num">45 min</td><td class="r-num">1.5 h</td><td class="r-num">2</td><td class="r-num">3.0 h</td><td class="r-num">47.0 h</td>' "urgent: median and p90 of first response and resolution"
like "$page" '<th scope="row">Question</th><td class="r-num">2</td><td class="r-num">30 min</td><td class="r-num">1.5 h</td>' "questions: median 30 min, p90 1.5 h"
like "$page" 'Written by the AI and sent as written: 1 \(20%\)' "AI replies sent as written: 1 of 5"
like "$page" 'Written by the AI, edited by a person: 1 \(20%\)' "AI replies edited: 1 of 5"
like "$page" 'Written by a person: 3 \(60%\)' "replies by people: 3 of 5"
like "$page" 'Sent as written: 1 \(33%\)' "review: 1 draft approved as written"
like "$page" 'Edited, then sent: 1 \(33%\)' "review: 1 edited"
like "$page" 'Rejected: 1 \(33%\)' "review: 1 rejected"
like "$page" 'a person changed the type of 0 \(0%\) and the urgency of 1 \(17%\)' "override rate: urgency changed on 1 of 6 classified tasks"
like "$page" 'Running accuracy \(tasks where the person kept both\): <strong>83%</strong>' "running accuracy 5 of 6"
like "$page" 'Reopened tasks: 1 \(33% of tasks ever closed\)' "reopened: 1 of the 3 tasks ever closed"
like "$page" '<span class="r-badge r-low">Low</span></th><td class="r-num">1</td><td class="r-num">0</td><td class="r-num">1</td><td class="r-num">0</td><td class="r-num">0</td><td class="r-num"><strong>2</strong>' "open low tasks by age: 105 under a day, 103 at 3-7 days"
like "$page" '<span class="r-badge r-medium">Medium</span></th><td class="r-num">1</td>' "open medium task 104 under a day"
like "$page" '<dt>Estimated LLM cost</dt><dd>\$0.1605</dd>' "estimated cost: 0.00054 + 0.01 + 0.15 USD"
like "$page" '<svg class="chart"' "charts are inline SVG"

is "$(cat "$C1/usage.csv")" "$(printf 'month,model,calls,prompt_tokens,completion_tokens,total_tokens,estimated_cost_usd\r\n2026-01,gpt-4o,1,2000,500,2500,0.010000\r\n2026-01,gpt-4o-mini,2,2000,400,2400,0.000540\r\n2026-02,gpt-4o-mini,1,1000000,0,1000000,0.150000\r')" "usage.csv: per month and model, with cost from the prices"
like "$(cat "$C2/usage.csv")" '2026-01,llama3,1,500,100,600,0.000000' "a model without a price costs nothing"

# The timeline of 102, every event in order.
tl=$(sed -n 's/.*<span class="r-ev">\([^<]*\)<\/span>.*/\1/p' "$C1/tasks/102.html" | tr '\n' '|')
is "$tl" "Message received|Classified: Question, Medium (90% confident)|Task opened, routed to the AI|AI draft written, waiting for review (40 characters)|Classifier corrected: urgency Medium → Urgent|Draft edited by a person, then approved|Reply sent through Twilio|Status: Waiting for the client → Closed|Status: Closed → Open|Status: Open → Closed|" "task 102's timeline: every event, in order"
like "$(cat "$C1/tasks/104.html")" 'none yet \(target 8.0 h\)' "task 104's page: no reply yet"
like "$(cat "$C1/tasks/106.html")" 'Message received with 1 attachment' "task 106 includes its second inbound message"

# The Atom feed: tasks opened, closed and reopened, newest first.
feed=$(cat "$C1/feed.atom")
is "$(grep -c '<entry>' <<<"$feed")" 11 "feed: 6 opened, 4 closes, 1 reopen"
like "$(grep -m1 '<title>Task' <<<"$feed")" 'Task #105 opened: Thanks for the fix' "feed: newest first"
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$C1/feed.atom"
ok $? "feed is well-formed XML"

# The overview: both clients, desk-wide figures.
ov=$(cat "$SITE/index.html")
like "$ov" '<dt>Tasks</dt><dd>7</dd>' "overview: 7 tasks"
like "$ov" '<dt>Open</dt><dd>4</dd>' "overview: 4 open"
like "$ov" '<dt>Targets met</dt><dd>60%</dd>' "overview: targets met 60% (client 2's task is pending)"
like "$ov" 'figures as of the newest event in the log, 2026-01-08 19:00 UTC' "overview: as of the newest event"
like "$ov" '<a href="clients/2/">Fixture Beta Dental</a>' "overview links each client's report"
unlike "$(cat "$SITE/usage.csv")" '777' "usage without a client is in no report"

# Settings change the figures: a 30 min urgent target (the run sees the
# settings changed and rebuilds everything).
out=$(SLA_URGENT_MINUTES=30 "$SB_GEN" --out "$SITE" 2>&1)
like "$out" "full build" "changed settings: a full rebuild"
is "$(t 101 sla)" missed "with a 30 min target, 101's 45 min reply misses it"
"$SB_GEN" --out "$SITE" >/dev/null 2>&1
is "$(t 101 sla)" met "back to the default (1 h) target"

done_testing
