#!/usr/bin/env bash
# t0730-forms.t - forms are done once and one-time secrets are shown once,
# in headless Chromium with JavaScript off: a reply sent by the browser
# and then again, the same reply form posted twice in a row and twice at
# the same time (with the page's cookies and form token) store one message; reloading after
# reset password, create user and a new share link repeats nothing, shows
# the secret once, and another session of the same admin never sees it.
# The steps are in t0730-forms.mjs; `make browser-deps` installs what
# this needs, and without it the file is skipped.
. "$(dirname "$0")/wrapper.sh"
browser_prereqs chromium
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
sb_user carol 'carol-password-1'
run_node t0730-forms.mjs
