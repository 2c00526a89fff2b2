#!/usr/bin/env bash
# t0740-inbound-safety.t - three ways outsiders could reach in, in headless
# Chromium with JavaScript off: a Twilio webhook from a sender that is not
# a phone number creates no client and shows in the admin as rejected
# input; wrong passwords from one address lock a login only from that
# address (curl comes from 127.0.0.2, the browser from 127.0.0.1, both
# loopback), and an admin sees the lock and clears it; a report share
# link is client-safe (no AI share, cost, internal actors or decisions in
# its HTML) unless the admin ticked "Include internal figures".
# The steps are in t0740-inbound-safety.mjs; `make browser-deps` installs
# what this needs, and without it the file is skipped.
. "$(dirname "$0")/wrapper.sh"
browser_prereqs chromium
[ -x "$SB_GEN" ] || skip_all "no switchboard-gen in $(dirname "$SB_GEN")"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
"$SB_BIN" seed-demo --clients 2 --tasks 20 --events 260 --end 1790000000000 --seed 7 >/dev/null
"$SB_GEN" --quiet || { echo "not ok 1 - switchboard-gen builds the reports"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
sb_user agent 'agent-password-1'
export TWILIO_AUTH_TOKEN
run_node t0740-inbound-safety.mjs
