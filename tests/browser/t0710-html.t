#!/usr/bin/env bash
# t0710-html.t - every admin page reachable from / (and the sign-in and
# 404 pages) is valid HTML per html-validate (tests/browser/.htmlvalidate.json:
# html-validate:recommended; no-trailing-whitespace is off because it is
# about source formatting, not about the document), loads no script (no
# <script>, no on*= attribute, no javascript: URL), and is served with a
# Content-Security-Policy that allows no script.  One TAP line per page;
# the crawl is in t0710-html.mjs.  Needs only node and the npm packages
# (`make browser-deps`), not Chromium; skipped without them.
. "$(dirname "$0")/wrapper.sh"
browser_prereqs
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
sb_user agent 'agent-password-1'

# Some content, so the pages show tables rather than empty states: three
# clients, tasks of several types (AI drafts among them), a user attached
# to a client, and a dead job with its last error.
sim() { "$SB_BIN" simulate-sms --from "$1" --body "$2" --url "$SB_URL" >/dev/null || diag "simulate-sms failed: $2"; }
sim +14155550101 "Hi! What are your opening hours on Saturday?"
sim +14155550102 "The checkout page is broken and customers cannot pay!"
sim +14155550103 "Could you add dark mode to the dashboard? Would be nice to have"
sim +14155550101 "How do I reset my password? <b>thanks</b> & \"cheers\""
"$SB_BIN" worker --once >/dev/null 2>&1 || diag "worker --once failed"
"$SB_BIN" user attach agent "$(sql "SELECT id FROM clients WHERE phone = '+14155550102'")" >/dev/null
now=$(date +%s000)
sql "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, last_error, created_at, updated_at, finished_at)
     VALUES ('send', '{}', 'dead', 8, 8, $now, 'Twilio answered 500 eight times', $now, $now, $now)"
run_node t0710-html.mjs
