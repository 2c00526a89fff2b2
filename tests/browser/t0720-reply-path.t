#!/usr/bin/env bash
# t0720-reply-path.t - answering a client never loses a person's words and
# never sends twice, in headless Debian Chromium with JavaScript off: on a
# task page every button of an edited AI draft sends the edited text or
# sends nothing (never the old text); the review queue's batch sends each
# ticked draft with the text in its box; a person's reply supersedes the
# task's pending draft (gone from Review, marked in the thread); an urgent
# "site is down" SMS gets an acknowledgement draft, not a request for a
# screenshot; the review context is the draft's own task when the client
# has two.  The steps are in t0720-reply-path.mjs; without `make
# browser-deps` the file is skipped.
. "$(dirname "$0")/wrapper.sh"
browser_prereqs chromium
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
run_node t0720-reply-path.mjs
