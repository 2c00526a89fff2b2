#!/usr/bin/env bash
# t0700-browser.t - the admin in headless Debian Chromium (playwright-core),
# JavaScript off: sign in; a simulated SMS becomes a task; filter the list;
# open the task; edit and approve the AI draft; reply; reclassify; close;
# an agent cannot reach another client's task or client (404); a form
# posted without (or with a wrong) CSRF token is refused (403).  Saves a
# screenshot of each main page in $SB_TEST_OUT/screenshots/ (default
# build/test-output), plus the task list and a task at 360 px wide.
# The steps are in t0700-browser.mjs; `make browser-deps` installs what
# this needs, and without it the file is skipped.
. "$(dirname "$0")/wrapper.sh"
browser_prereqs chromium
rm -f "$SB_TEST_OUT"/screenshots/*.png
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
sb_user agent 'agent-password-1'
run_node t0700-browser.mjs
