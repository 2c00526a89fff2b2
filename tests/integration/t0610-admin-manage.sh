#!/usr/bin/env bash
# t0610-admin-manage: the manage pages through the real lighttpd and the
# real program.  Clients (create, edit, duplicate phone, search, paging,
# summary, starting a conversation that the worker sends through the log
# channel), routing rules (valid and invalid saves), jobs (a dead job, retry,
# cancel), the simulator (a signed inbound SMS the worker turns into a
# task), users (create with a one-time password shown once after the
# redirect, disable, reset, attach),
# what an agent may not see or do, CSRF, and HTML escaping of hostile text.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user admin 'admin-password-1' --admin
sb_user agent 'agent-password-1'
ADMIN_ID=$(sql "SELECT id FROM users WHERE login='admin'")
AGENT_ID=$(sql "SELECT id FROM users WHERE login='agent'")

is "$(sb_login admin 'admin-password-1')" 303 "admin signs in"
use_jar admin
T=$(csrf_of /clients)
like "$T" '^[0-9a-f]{32,}$' "the session's CSRF token is in the forms"
# post PATH [curl args]: a form POST with the current session's token
post() { local p=$1; shift; http POST "$p" --data-urlencode "_csrf=$T" "$@"; }
loc() { header Location; }
nclients() { sql "SELECT count(*) FROM clients"; }
noscript() { unlike "$1" '<script' "$2 loads no script"; }

# ---- clients: empty state, create ----------------------------------------
r=$(http GET /clients)
is "$(status_of "$r")" 200 "GET /clients"
like "$(body_of "$r")" 'No clients yet' "an empty list says what to do next"
like "$(body_of "$r")" 'href="/clients/new"' "and links to a new client"
noscript "$(body_of "$r")" "/clients"
r=$(http GET /clients/new)
is "$(status_of "$r")" 200 "GET /clients/new"
like "$(body_of "$r")" '<label for="phone">Phone</label>' "every input has a label"

HOSTILE='Ada <b>"Lovelace"</b> & <script>alert(1)</script>'
r=$(post /clients --data-urlencode "name=$HOSTILE" --data-urlencode "phone=(415) 555-0100" \
    --data-urlencode "email=ada@example.com" --data-urlencode "company=Engines & Co")
is "$(status_of "$r")" 303 "POST /clients creates a client"
ADA=$(sql "SELECT id FROM clients WHERE phone='+14155550100'")
like "$ADA" '^[0-9]+$' "stored with the phone in E.164"
is "$(loc)" "/clients/$ADA?done=created" "and redirects to its profile"
is "$(sql "SELECT name FROM clients WHERE id=$ADA")" "$HOSTILE" "the name is stored verbatim"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.source') FROM events WHERE event_type='client_created' AND client_id=$ADA")" \
   "user:admin|admin" "client_created names the admin"
r=$(http GET "/clients/$ADA?done=created")
is "$(status_of "$r")" 200 "GET /clients/:id"
b=$(body_of "$r")
like "$b" 'Client created' "with the flash message"
like "$b" 'Ada &lt;b&gt;&quot;Lovelace&quot;&lt;/b&gt; &amp; &lt;script&gt;alert\(1\)&lt;/script&gt;' "the name is HTML-escaped"
unlike "$b" '<b>"Lovelace"' "no raw HTML from the name"
noscript "$b" "the client page (with a hostile name)"
like "$b" 'Engines &amp; Co' "company shown"
like "$b" 'No messages yet' "empty conversation says what to do"

# ---- duplicate phone and invalid fields: errors next to the field -----------
n=$(nclients); ne=$(sql "SELECT count(*) FROM events")
r=$(post /clients --data-urlencode "name=Imposter" --data-urlencode "phone=+1 415 555 0100")
is "$(status_of "$r")" 409 "a phone number another client has is refused"
like "$(body_of "$r")" '<p class="field-error" id="e-phone">Client [0-9]+ already has the phone number \+14155550100' "the error is next to the phone field"
like "$(body_of "$r")" 'id="phone" name="phone" value="\+1 415 555 0100"[^>]*aria-invalid="true"' "the field is marked invalid and keeps the value"
like "$(body_of "$r")" 'value="Imposter"' "the other fields keep their values"
is "$(nclients)|$(sql "SELECT count(*) FROM events")" "$n|$ne" "nothing saved"
r=$(post /clients --data-urlencode "name=Someone" --data-urlencode "phone=call me" )
is "$(status_of "$r")" 422 "a phone that is not a number: 422"
like "$(body_of "$r")" 'id="e-phone">Enter a phone number with its country code' "next to the phone field"
r=$(post /clients --data-urlencode "name=Someone" --data-urlencode "phone=+14155550177" --data-urlencode "email=not-an-address")
is "$(status_of "$r")" 422 "an implausible email: 422"
like "$(body_of "$r")" 'id="e-email">' "next to the email field"
r=$(post /clients --data-urlencode "name=   " --data-urlencode "phone=+14155550177")
like "$(body_of "$r")" 'id="e-name">Enter the client' "a blank name is refused next to the name field"
r=$(post /clients --data-urlencode "name=" --data-urlencode "phone=12" --data-urlencode "email=@")
b=$(body_of "$r")
like "$b" 'correct the 3 marked fields' "every bad field is reported at once"
like "$b" 'id="e-name">' "name"
like "$b" 'id="e-phone">' "phone"
like "$b" 'id="e-email">' "email"
is "$(nclients)" "$n" "none of them created a client"

# ---- edit details -------------------------------------------------------------
r=$(post /clients --data-urlencode "name=Bob Builder" --data-urlencode "phone=+14155550111" --data-urlencode "company=Bricks")
BOB=$(sql "SELECT id FROM clients WHERE phone='+14155550111'")
r=$(post "/clients/$ADA" --data-urlencode "name=Ada Lovelace" --data-urlencode "phone=+14155550100" \
    --data-urlencode "email=" --data-urlencode "company=Analytical Engines")
is "$(status_of "$r")" 303 "POST /clients/:id saves details"
is "$(loc)" "/clients/$ADA?done=saved" "back to the profile"
is "$(sql "SELECT name||'|'||coalesce(email,'NULL')||'|'||company FROM clients WHERE id=$ADA")" \
   "Ada Lovelace|NULL|Analytical Engines" "name, cleared email and company saved"
is "$(sql "SELECT json_extract(details,'\$.fields') FROM events WHERE event_type='client_updated' AND client_id=$ADA")" \
   '["name","email","company"]' "client_updated lists the changed fields"
r=$(post "/clients/$ADA" --data-urlencode "name=Ada Lovelace" --data-urlencode "phone=+14155550100" \
    --data-urlencode "email=" --data-urlencode "company=Analytical Engines")
is "$(loc)" "/clients/$ADA?done=unchanged" "saving the same values changes nothing"
is "$(sql "SELECT count(*) FROM events WHERE event_type='client_updated'")" 1 "and writes no event"
r=$(post "/clients/$BOB" --data-urlencode "name=Bob Builder" --data-urlencode "phone=415-555-0100")
is "$(status_of "$r")" 409 "editing to another client's phone: 409"
like "$(body_of "$r")" 'id="e-phone">Client '"$ADA"' already has' "the error is next to the phone field"
like "$(body_of "$r")" '<details open>' "the edit form is open on the error"
is "$(sql "SELECT phone FROM clients WHERE id=$BOB")" "+14155550111" "Bob's phone is unchanged"

# ---- search and pagination ------------------------------------------------------
r=$(http GET "/clients?q=lovelace")
like "$(body_of "$r")" "href=\"/clients/$ADA\"" "search by name finds Ada"
unlike "$(body_of "$r")" "href=\"/clients/$BOB\"" "and not Bob"
r=$(http GET "/clients?q=%28415%29%20555-0111")
like "$(body_of "$r")" "href=\"/clients/$BOB\"" "a phone number written another way finds Bob"
r=$(http GET "/clients?q=bricks")
like "$(body_of "$r")" "href=\"/clients/$BOB\"" "search by company"
r=$(http GET "/clients?q=%25")
unlike "$(body_of "$r")" "href=\"/clients/$ADA\"" "a % in the search is a literal, not a wildcard"
r=$(http GET "/clients?q=%3Cscript%3Ezzz")
like "$(body_of "$r")" 'No client matches “&lt;script&gt;zzz”' "no match: the empty state echoes the search, escaped"
noscript "$(body_of "$r")" "a search for <script>"
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 60)
     INSERT INTO clients (name, phone, created_at, updated_at) SELECT printf('Zed %02d', i), printf('+1415666%04d', i), 0, 0 FROM n"
r=$(http GET /clients)
is "$(body_of "$r" | grep -c '<td data-label="Name">')" 50 "the first page has 50 clients"
next=$(body_of "$r" | sed -n 's/.*href="\([^"]*\)" rel="next".*/\1/p' | sed 's/&amp;/\&/g')
like "$next" '^/clients\?after=[0-9]+$' "and a link to the next page"
r=$(http GET "$next")
is "$(body_of "$r" | grep -c '<td data-label="Name">')" 12 "the second page has the other 12"
like "$(body_of "$r")" 'Zed 60' "ending with the last by name"
unlike "$(body_of "$r")" 'rel="next"' "and no further page"

# ---- summary ------------------------------------------------------------------------
r=$(post "/clients/$ADA/summary" --data-urlencode $'summary=Prefers SMS in the morning.\nPays on time.')
is "$(status_of "$r")" 303 "POST /clients/:id/summary"
is "$(sql "SELECT summary FROM clients WHERE id=$ADA")" $'Prefers SMS in the morning.\nPays on time.' "summary saved"
is "$(sql "SELECT actor FROM events WHERE event_type='summary_edited' AND client_id=$ADA")" "user:admin" "summary_edited event"
long=$(head -c 1001 /dev/zero | tr '\0' x)
r=$(post "/clients/$ADA/summary" --data-urlencode "summary=$long")
is "$(status_of "$r")" 422 "a summary over 1000 characters: 422"
like "$(body_of "$r")" 'id="e-summary">The summary is longer than 1000 characters' "next to the summary field"
is "$(sql "SELECT length(summary) FROM clients WHERE id=$ADA")" 41 "the summary is unchanged"

# ---- start a conversation ---------------------------------------------------------------
r=$(post "/clients/$ADA/message" --data-urlencode "body=Hello Ada, your report is ready.")
is "$(status_of "$r")" 303 "POST /clients/:id/message"
is "$(loc)" "/clients/$ADA?done=queued" "back to the profile"
is "$(sql "SELECT status||'|'||author||'|'||to_addr FROM messages WHERE direction='out' AND client_id=$ADA")" \
   "queued|user:admin|+14155550100" "an outbound SMS is queued, by the admin"
is "$(sql "SELECT kind||'|'||state FROM jobs WHERE kind='send'")" "send|queued" "with a send job"
is "$(sql "SELECT actor FROM events WHERE event_type='message_out' AND client_id=$ADA")" "user:admin" "and a message_out event"
worker
is "$(sql "SELECT status||'|'||transport FROM messages WHERE direction='out' AND client_id=$ADA")" "sent|log" \
   "the worker sends it through the log channel"
r=$(http GET "/clients/$ADA")
like "$(body_of "$r")" 'Hello Ada, your report is ready' "the profile shows the conversation"
like "$(body_of "$r")" 'recorded locally' "and says it was recorded locally"
r=$(post "/clients/$ADA/message" --data-urlencode "body=   ")
is "$(status_of "$r")" 422 "an empty message: 422"
like "$(body_of "$r")" 'id="e-body">Write the message' "next to the message field"
r=$(post "/clients/$ADA/message" --data-urlencode "body=$(head -c 1601 /dev/zero | tr '\0' y)")
is "$(status_of "$r")" 422 "a message over 1600 characters: 422"
is "$(sql "SELECT count(*) FROM messages WHERE direction='out'")" 1 "refused messages are not stored"

# ---- routing rules --------------------------------------------------------------------------
r=$(http GET /rules)
is "$(status_of "$r")" 200 "GET /rules"
is "$(body_of "$r" | grep -c '<select id="route_')" 15 "a route for each of the 15 cells"
like "$(body_of "$r")" '<label class="m-sr" for="route_bug_urgent">' "each select has a label"
noscript "$(body_of "$r")" "/rules"
# rules_args KEY=VALUE...: the form as stored, with overrides (route_T_U=AI,
# auto_T_U=1 or auto_T_U= to untick, threshold=X)
rules_args() {
    declare -A f=()
    local k route auto kv
    while IFS='|' read -r k route auto; do
        f[route_$k]=$route
        [ "$auto" = 1 ] && f[auto_$k]=1
    done < <(sql "SELECT type||'_'||urgency||'|'||route||'|'||auto_send FROM routing_rules")
    f[threshold]=$(sql "SELECT coalesce((SELECT value FROM settings WHERE name='confidence_threshold'), '0.6')")
    for kv in "$@"; do
        if [ -z "${kv#*=}" ]; then unset "f[${kv%%=*}]"; else f[${kv%%=*}]=${kv#*=}; fi
    done
    for k in "${!f[@]}"; do printf '%s\0' --data-urlencode "$k=${f[$k]}"; done
}
mapfile -d '' args < <(rules_args route_question_low=AI auto_question_low=1 route_bug_low=HUMAN threshold=0.75)
r=$(post /rules "${args[@]}")
is "$(status_of "$r")" 303 "POST /rules saves"
is "$(loc)" "/rules?done=saved" "and redirects back"
is "$(sql "SELECT route||auto_send FROM routing_rules WHERE type='question' AND urgency='low'")" "AI1" "question/low: AI with auto-send"
is "$(sql "SELECT route||auto_send FROM routing_rules WHERE type='bug' AND urgency='low'")" "HUMAN0" "bug/low: a person"
is "$(sql "SELECT value FROM settings WHERE name='confidence_threshold'")" "0.75" "threshold saved"
is "$(sql "SELECT actor||'|'||json_array_length(details,'\$.changes')||'|'||json_extract(details,'\$.threshold.to') FROM events WHERE event_type='rules_updated'")" \
   "user:admin|2|0.75" "one rules_updated event listing the changes"
snapshot=$(sql "SELECT group_concat(type||urgency||route||auto_send, ',') FROM routing_rules")
mapfile -d '' args < <(rules_args threshold=1.5 auto_bug_urgent=1 route_other_low=ROBOT route_consult_low=AI)
r=$(post /rules "${args[@]}")
is "$(status_of "$r")" 422 "invalid rules: 422"
b=$(body_of "$r")
like "$b" 'id="e-threshold">Enter a number from 0 to 1' "the threshold error is next to its field"
like "$b" 'id="e-bug_urgent">Auto-send works only on the AI route' "auto-send on a person's route is refused in its cell"
like "$b" 'id="e-other_low">Choose AI or Person' "an unknown route is refused in its cell"
like "$b" 'value="1.5"' "the submitted values are kept"
is "$(sql "SELECT group_concat(type||urgency||route||auto_send, ',') FROM routing_rules")|$(sql "SELECT value FROM settings WHERE name='confidence_threshold'")" \
   "$snapshot|0.75" "nothing saved, not even the valid change"
is "$(sql "SELECT count(*) FROM events WHERE event_type='rules_updated'")" 1 "and no event"

# ---- jobs ----------------------------------------------------------------------------------------
sql "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, last_error, client_id, task_id, message_id, created_at, updated_at)
     VALUES ('send', '{\"message_id\":999}', 'dead', 8, 8, 0, 'Twilio said <nope> & gave up', $ADA, NULL, 999, 0, 0)"
JOB=$(sql "SELECT id FROM jobs WHERE state='dead'")
r=$(http GET /jobs)
is "$(status_of "$r")" 200 "GET /jobs"
b=$(body_of "$r")
like "$b" "#$JOB <strong>send</strong>" "the dead job is listed"
like "$b" 'Twilio said &lt;nope&gt; &amp; gave up' "with its last error, escaped"
like "$b" "action=\"/jobs/$JOB/retry\"" "and a retry button"
like "$b" "href=\"/clients/$ADA#message-999\"" "linking to its message"
noscript "$b" "/jobs"
r=$(http GET "/jobs?state=dead")
like "$(body_of "$r")" "#$JOB " "the dead filter shows it"
r=$(http GET "/jobs?state=running")
like "$(body_of "$r")" 'No jobs in' "an empty filter says so"
r=$(http GET "/jobs?state=bogus")
is "$(status_of "$r")" 400 "an unknown filter is 400"
r=$(post "/jobs/$JOB/retry" --data-urlencode "state=dead")
is "$(status_of "$r")" 303 "retry a dead job"
is "$(loc)" "/jobs?state=dead&done=retried" "back to the list it came from"
is "$(sql "SELECT state||'|'||attempts FROM jobs WHERE id=$JOB")" "queued|0" "queued again with its attempts back"
is "$(sql "SELECT actor||'|'||json_extract(details,'\$.from_state') FROM events WHERE event_type='job_retried'")" "user:admin|dead" "job_retried event"
r=$(post "/jobs/$JOB/cancel")
is "$(status_of "$r")" 303 "cancel a queued job"
is "$(sql "SELECT state FROM jobs WHERE id=$JOB")" cancelled "it is cancelled"
is "$(sql "SELECT count(*) FROM events WHERE event_type='job_cancelled'")" 1 "job_cancelled event"
r=$(post "/jobs/$JOB/cancel")
is "$(status_of "$r")" 409 "a cancelled job cannot be cancelled again"
r=$(post "/jobs/$JOB/retry")
is "$(status_of "$r")" 409 "nor retried"
like "$(body_of "$r")" "Job $JOB is cancelled: only failed or dead jobs can be retried" "the page says why"
is "$(sql "SELECT state FROM jobs WHERE id=$JOB")|$(sql "SELECT count(*) FROM events WHERE event_type LIKE 'job_%'")" \
   "cancelled|2" "refused actions change nothing"
r=$(post "/jobs/999999/retry")
is "$(status_of "$r")" 404 "an unknown job is 404"

# ---- simulator ----------------------------------------------------------------------------------
r=$(http GET /simulator)
is "$(status_of "$r")" 200 "GET /simulator"
like "$(body_of "$r")" "Signed with <code>TWILIO_AUTH_TOKEN</code> for <code class=\"m-break\">$SB_URL/webhook/twilio</code>" "it says what it signs"
nm=$(sql "SELECT count(*) FROM messages")
r=$(post /simulator --data-urlencode "from=+1 (415) 555-0199" --data-urlencode "body=The checkout page is broken! <b>help</b>")
is "$(status_of "$r")" 303 "POST /simulator"
SIM=$(sql "SELECT client_id FROM messages WHERE direction='in' AND from_addr='+14155550199'")
like "$SIM" '^[0-9]+$' "the message is stored, from the number in E.164"
is "$(loc)" "/clients/$SIM?done=simulated" "and the admin lands on the client's page"
like "$(sql "SELECT external_id FROM messages WHERE client_id=$SIM")" '^SM[0-9a-f]{32}$' "with a random MessageSid"
is "$(sql "SELECT group_concat(event_type||':'||actor, ' ') FROM events WHERE client_id=$SIM")" \
   "client_created:twilio message_in:twilio" "through the webhook's path (same events as Twilio's)"
like "$(sb_log)" "simulated inbound SMS SM[0-9a-f]+ message=[0-9]+ client=$SIM by user:admin" "the log names who simulated it"
r=$(http GET "/clients/$SIM?done=simulated")
like "$(body_of "$r")" 'The worker will classify it shortly' "the flash says what happens next"
like "$(body_of "$r")" 'The checkout page is broken! &lt;b&gt;help&lt;/b&gt;' "the message shows, escaped"
worker
is "$(sql "SELECT count(*)||'|'||min(type) FROM tasks WHERE client_id=$SIM")" "1|bug" "the worker turns it into a task"
r=$(http GET "/clients/$SIM")
like "$(body_of "$r")" 'href="/tasks/[0-9]+"' "the profile links to the task"
nm=$(sql "SELECT count(*) FROM messages")
r=$(post /simulator --data-urlencode "from=not a number" --data-urlencode "body=")
is "$(status_of "$r")" 422 "an invalid simulator form: 422"
like "$(body_of "$r")" 'id="e-from">' "the number's error is next to it"
like "$(body_of "$r")" 'id="e-body">' "and the message's next to it"
is "$(sql "SELECT count(*) FROM messages")" "$nm" "nothing more stored"

# ---- users ------------------------------------------------------------------------------------------
r=$(http GET /users)
is "$(status_of "$r")" 200 "GET /users"
like "$(body_of "$r")" 'href="/users/'"$AGENT_ID"'">agent</a>' "lists the agent"
noscript "$(body_of "$r")" "/users"
r=$(http GET /users/new)
is "$(status_of "$r")" 200 "GET /users/new"
like "$(body_of "$r")" '<label for="role">Role</label>' "the role select has a label"
r=$(post /users/new --data-urlencode "login=carol" --data-urlencode "name=Carol <i>Danvers</i>" --data-urlencode "role=agent")
is "$(status_of "$r")" 303 "POST /users/new creates a user"
CAROL=$(sql "SELECT id FROM users WHERE login='carol'")
SHOW=$(loc)
like "$SHOW" "^/users/$CAROL\\?done=created&secret=[0-9]+$" "and redirects to the user's page (no secret in the URL)"
r=$(http GET "$SHOW")
b=$(body_of "$r")
OTP=$(printf '%s' "$b" | sed -n 's/.*<p class="m-otp">\([0-9a-f]*\)<\/p>.*/\1/p')
like "$OTP" '^[0-9a-f]{24}$' "which shows a one-time password once"
like "$(header Cache-Control)" 'no-store' "on a page that is not cached"
like "$b" 'Carol &lt;i&gt;Danvers&lt;/i&gt;' "the name is escaped"
r=$(http GET "$SHOW")
unlike "$(body_of "$r")" "$OTP" "reloading that page does not show it again"
like "$(body_of "$r")" 'One-time password not shown again' "and says it was shown"
is "$(sql "SELECT role||'|'||must_change_password FROM users WHERE id=$CAROL")" "agent|1" "an agent who must change the password"
is "$(sql "SELECT actor FROM events WHERE event_type='user_created' AND json_extract(details,'\$.login')='carol'")" "user:admin" "user_created names the admin"
is "$(sql "SELECT count(*) FROM users WHERE password_hash LIKE '%$OTP%'")" 0 "the password is not stored in clear"
r=$(http GET "/users/$CAROL")
unlike "$(body_of "$r")" "$OTP" "the password is not shown again"
r=$(post /users/new --data-urlencode "login=CAROL" --data-urlencode "name=x" --data-urlencode "role=agent")
is "$(status_of "$r")" 422 "a login that is taken: 422"
like "$(body_of "$r")" 'id="e-login">The login CAROL is taken' "next to the login field"
r=$(post /users/new --data-urlencode "login=no spaces" --data-urlencode "role=agent")
like "$(body_of "$r")" 'id="e-login">A login is 2 to 32' "a bad login is refused next to its field"
r=$(post /users/new --data-urlencode "login=dave" --data-urlencode "role=boss")
like "$(body_of "$r")" 'id="e-role">' "an unknown role is refused next to its field"
is "$(sql "SELECT count(*) FROM users")" 3 "none of them created a user"

# one-time password: works once, then must be changed
is "$(sb_login carol "$OTP")" 303 "carol signs in with the one-time password"
use_jar carol
r=$(http GET /clients)
is "$(loc)" /account/password "and must change it before anything else"
CT=$(csrf_of /account/password)
r=$(http POST /account/password --data-urlencode "_csrf=$CT" --data-urlencode "current=$OTP" \
    --data-urlencode password=carol-chosen-pw --data-urlencode confirm=carol-chosen-pw)
is "$(status_of "$r")" 303 "carol chooses her own password"
is "$(sb_login carol "$OTP")" 401 "the one-time password no longer works"
is "$(sb_login carol carol-chosen-pw)" 303 "her own does"
use_jar admin

# disable, enable, reset
r=$(post "/users/$CAROL/disable")
is "$(status_of "$r")" 303 "disable carol"
is "$(sql "SELECT disabled_at IS NOT NULL FROM users WHERE id=$CAROL")" 1 "she is disabled"
is "$(sql "SELECT count(*) FROM sessions WHERE user_id=$CAROL")" 0 "her sessions ended"
is "$(sql "SELECT actor FROM events WHERE event_type='user_disabled'")" "user:admin" "user_disabled event"
is "$(sb_login carol carol-chosen-pw)" 401 "a disabled account cannot sign in"
use_jar admin
r=$(http GET "/users/$CAROL?done=disabled")
like "$(body_of "$r")" 'Enable account' "her page offers to enable the account"
r=$(post "/users/$CAROL/enable")
is "$(status_of "$r")" 303 "enable carol"
is "$(sb_login carol carol-chosen-pw)" 303 "she can sign in again"
use_jar admin
r=$(post "/users/$CAROL/password")
is "$(status_of "$r")" 303 "reset carol's password"
like "$(loc)" "^/users/$CAROL\\?done=reset&secret=[0-9]+$" "redirects to her page"
OTP2=$(body_of "$(http GET "$(loc)")" | sed -n 's/.*<p class="m-otp">\([0-9a-f]*\)<\/p>.*/\1/p')
like "$OTP2" '^[0-9a-f]{24}$' "a new one-time password is shown there"
is "$(sql "SELECT must_change_password FROM users WHERE id=$CAROL")|$(sql "SELECT count(*) FROM sessions WHERE user_id=$CAROL")" \
   "1|0" "she must change it and her sessions ended"
is "$(sb_login carol carol-chosen-pw)" 401 "her old password is gone"
is "$(sb_login carol "$OTP2")" 303 "the new one-time password works"
use_jar admin
r=$(post "/users/$ADMIN_ID/disable")
is "$(status_of "$r")" 422 "an admin cannot disable their own account"
like "$(body_of "$r")" 'id="e-status">You cannot disable your own account' "and is told why, next to the form"
r=$(post "/users/$ADMIN_ID/password")
is "$(status_of "$r")" 422 "nor reset their own password here"
r=$(post "/users/999999/disable")
is "$(status_of "$r")" 404 "an unknown user is 404"

# attach the agent to Ada
r=$(http GET "/users/$AGENT_ID")
like "$(body_of "$r")" '<label for="client_id">Attach a client</label>' "the user page has a labelled client select"
like "$(body_of "$r")" "<option value=\"$ADA\">Ada Lovelace \\(\\+14155550100\\)</option>" "listing the clients"
r=$(post "/users/$AGENT_ID/clients" --data-urlencode "client_id=$ADA")
is "$(status_of "$r")" 303 "attach the agent to Ada"
is "$(sql "SELECT count(*) FROM client_members WHERE user_id=$AGENT_ID AND client_id=$ADA")" 1 "attached"
is "$(sql "SELECT actor||'|'||client_id FROM events WHERE event_type='member_added'")" "user:admin|$ADA" "member_added event"
r=$(post "/users/$AGENT_ID/clients" --data-urlencode "client=999999")
is "$(status_of "$r")" 422 "attaching an unknown client: 422"
like "$(body_of "$r")" 'id="e-client">There is no client' "next to the field"

# ---- an agent ---------------------------------------------------------------------------------------------
is "$(sb_login agent 'agent-password-1')" 303 "the agent signs in"
use_jar agent
T=$(csrf_of /clients)
r=$(http GET /clients)
is "$(status_of "$r")" 200 "the agent's client list"
like "$(body_of "$r")" "href=\"/clients/$ADA\"" "shows the attached client"
unlike "$(body_of "$r")" "href=\"/clients/$BOB\"" "and not Bob"
unlike "$(body_of "$r")" 'Zed 0' "nor anyone else"
r=$(http GET "/clients?q=bob")
like "$(body_of "$r")" 'No client matches' "searching cannot reach other clients"
r=$(http GET "/clients/$ADA")
is "$(status_of "$r")" 200 "the agent opens Ada"
r=$(http GET "/clients/$BOB")
is "$(status_of "$r")" 404 "another client's page is 404"
for path in "/clients/$BOB" "/clients/$BOB/summary" "/clients/$BOB/message"; do
    r=$(post "$path" --data-urlencode "name=Hacked" --data-urlencode "phone=+14155550111" --data-urlencode "summary=Hacked" --data-urlencode "body=Hacked")
    is "$(status_of "$r")" 404 "POST $path (not attached): 404"
done
is "$(sql "SELECT name||'|'||summary FROM clients WHERE id=$BOB")|$(sql "SELECT count(*) FROM messages WHERE body='Hacked'")" \
   "Bob Builder||0" "and nothing changed"
r=$(post "/clients" --data-urlencode "name=Zoe" --data-urlencode "phone=+14155550122" --data-urlencode "phone=+14155550122")
like "$(post "/clients" --data-urlencode "name=Imposter" --data-urlencode "phone=+14155550111" | head -c 100000)" \
     'id="e-phone">Another client already has this phone number' "a duplicate phone does not reveal another client to an agent"
ZOE=$(sql "SELECT id FROM clients WHERE phone='+14155550122'")
is "$(sql "SELECT count(*) FROM client_members WHERE user_id=$AGENT_ID AND client_id=$ZOE")" 1 "an agent who creates a client is attached to it"
r=$(http GET "/clients/$ZOE")
is "$(status_of "$r")" 200 "and can open it"
for path in /rules /jobs /simulator /users /users/new "/users/$AGENT_ID"; do
    r=$(http GET "$path")
    is "$(status_of "$r")" 403 "agent: GET $path is 403"
done
rules_before=$(sql "SELECT group_concat(route||auto_send) FROM routing_rules")
mapfile -d '' args < <(rules_args route_bug_urgent=AI)
for path in /rules "/jobs/$JOB/retry" "/jobs/$JOB/cancel" /simulator /users/new "/users/$AGENT_ID/clients" "/users/$CAROL/disable" "/users/$CAROL/password"; do
    r=$(post "$path" "${args[@]}" --data-urlencode "from=+14155550155" --data-urlencode "body=hi" \
        --data-urlencode "login=mallory" --data-urlencode "role=admin" --data-urlencode "client_id=$BOB")
    is "$(status_of "$r")" 403 "agent: POST $path is 403"
done
is "$(sql "SELECT group_concat(route||auto_send) FROM routing_rules")" "$rules_before" "the rules are unchanged"
is "$(sql "SELECT count(*) FROM users WHERE login='mallory'")|$(sql "SELECT count(*) FROM client_members WHERE user_id=$AGENT_ID AND client_id=$BOB")" \
   "0|0" "no user created, nothing attached"
is "$(sql "SELECT count(*) FROM messages WHERE from_addr='+14155550155'")|$(sql "SELECT disabled_at IS NULL FROM users WHERE id=$CAROL")" \
   "0|1" "no message simulated, carol still enabled"
r=$(http GET /clients)
unlike "$(body_of "$r")" 'href="/rules"' "the agent's navigation has no admin links"

# detach: the agent loses the client
use_jar admin
T=$(csrf_of /clients)
r=$(post "/users/$AGENT_ID/clients/$ADA/detach")
is "$(status_of "$r")" 303 "detach the agent from Ada"
is "$(sql "SELECT count(*) FROM client_members WHERE user_id=$AGENT_ID AND client_id=$ADA")|$(sql "SELECT count(*) FROM events WHERE event_type='member_removed'")" \
   "0|1" "detached, with a member_removed event"
use_jar agent
r=$(http GET "/clients/$ADA")
is "$(status_of "$r")" 404 "the agent no longer sees Ada"

# ---- CSRF: a POST without the token is 403 and changes nothing ---------------------------------
use_jar admin
n=$(nclients); ne=$(sql "SELECT count(*) FROM events")
r=$(http POST /clients --data-urlencode "name=Forged" --data-urlencode "phone=+14155550188")
is "$(status_of "$r")" 403 "POST /clients without _csrf: 403"
r=$(http POST "/clients/$ADA/message" --data-urlencode "body=forged")
is "$(status_of "$r")" 403 "POST /clients/:id/message without _csrf: 403"
r=$(http POST /rules "${args[@]}")
is "$(status_of "$r")" 403 "POST /rules without _csrf: 403"
r=$(http POST /users/new --data-urlencode "login=forged" --data-urlencode "role=admin")
is "$(status_of "$r")" 403 "POST /users/new without _csrf: 403"
r=$(http POST "/users/$CAROL/disable" --data-urlencode "_csrf=0000000000000000000000000000000000000000000000000000000000000000")
is "$(status_of "$r")" 403 "POST with a wrong token: 403"
r=$(http POST /simulator --data-urlencode "from=+14155550188" --data-urlencode "body=forged")
is "$(status_of "$r")" 403 "POST /simulator without _csrf: 403"
is "$(nclients)|$(sql "SELECT count(*) FROM events")|$(sql "SELECT count(*) FROM users WHERE login='forged'")" \
   "$n|$ne|0" "nothing changed"

# ---- the simulator without TWILIO_AUTH_TOKEN --------------------------------------------------------
kill "$SB_LIGHTTPD_PID"; wait "$SB_LIGHTTPD_PID" 2>/dev/null; SB_LIGHTTPD_PID=""
export TWILIO_AUTH_TOKEN=
sb_start || { echo "not ok - server restarts"; }
r=$(http GET /simulator)
is "$(status_of "$r")" 200 "the simulator without a token still loads"
like "$(body_of "$r")" 'TWILIO_AUTH_TOKEN is not set' "and says the token is missing"
like "$(body_of "$r")" '<fieldset disabled>' "with the form disabled"
T=$(csrf_of /simulator)
nm=$(sql "SELECT count(*) FROM messages")
r=$(post /simulator --data-urlencode "from=+14155550177" --data-urlencode "body=hello")
is "$(status_of "$r")" 409 "posting it anyway is refused"
is "$(sql "SELECT count(*) FROM messages")" "$nm" "and stores nothing"
done_testing
