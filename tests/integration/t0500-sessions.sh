#!/usr/bin/env bash
# t0500-sessions: sign-in, cookies' attributes, session fixation, CSRF,
# logout (here and everywhere), idle and absolute expiry, rate limiting,
# one-time passwords and disabled accounts.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
sb_user alice 'alice-password-1' --admin
sb_user bob 'bob-password-22'

is "$(sb_login alice 'alice-password-1')" 303 "alice signs in"
use_jar alice
r=$(curl -s -D - -o /dev/null -c "$SB_TMP/j2" -b "$SB_TMP/j2" "$SB_URL/login")
csrf=$(curl -s -c "$SB_TMP/j2" -b "$SB_TMP/j2" "$SB_URL/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
hdrs=$(curl -s -D - -o /dev/null -b "$SB_TMP/j2" --data-urlencode login=alice --data-urlencode password=alice-password-1 \
       --data-urlencode "_csrf=$csrf" "$SB_URL/login")
set_cookie=$(grep -i '^Set-Cookie: sb_session=' <<<"$hdrs" | tr -d '\r')
like "$set_cookie" 'sb_session=[0-9a-f]{64}; ' "session id is 256 random bits in hex"
like "$set_cookie" 'HttpOnly' "session cookie is HttpOnly"
like "$set_cookie" 'SameSite=Lax' "session cookie is SameSite=Lax"
like "$set_cookie" 'Path=/' "session cookie has Path=/"
unlike "$set_cookie" 'Secure' "no Secure flag on plain http"
stored=$(sql "SELECT count(*) FROM sessions WHERE id_hash = '$(sed -n 's/.*sb_session=\([0-9a-f]*\).*/\1/p' <<<"$set_cookie")'")
is "$stored" 0 "the session id itself is not stored (only its hash)"

# Fixation: a session id planted before login is never adopted.
planted=$(printf 'a%.0s' $(seq 64))
csrf=$(curl -s -c "$SB_TMP/j3" -b "$SB_TMP/j3" "$SB_URL/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
hdrs=$(curl -s -D - -o /dev/null -b "$SB_TMP/j3" -b "sb_session=$planted" --data-urlencode login=alice \
       --data-urlencode password=alice-password-1 --data-urlencode "_csrf=$csrf" "$SB_URL/login")
newid=$(grep -i '^Set-Cookie: sb_session=' <<<"$hdrs" | sed -n 's/.*sb_session=\([0-9a-f]*\).*/\1/p')
ok $([ -n "$newid" ] && [ "$newid" != "$planted" ]; echo $?) "login issues a new session id"
r=$(curl -s -o /dev/null -w '%{http_code}' -b "sb_session=$planted" "$SB_URL/")
is "$r" 303 "the planted id does not work"

# Login form CSRF (double submit)
r=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode login=alice --data-urlencode password=alice-password-1 "$SB_URL/login")
is "$r" 403 "login without its CSRF token is refused"

# Forms after login need the session's token.
r=$(http POST /logout -d 'x=1')
is "$(status_of "$r")" 403 "logout without the CSRF token is refused"
r=$(http GET /)
is "$(status_of "$r")" 200 "and the session still works"
r=$(http POST /logout -d "_csrf=$(csrf_of /)")
is "$(status_of "$r")" 303 "logout with the token"
like "$(header Set-Cookie)" 'sb_session=; .*Max-Age=0' "logout clears the cookie"
r=$(http GET /)
is "$(status_of "$r")" 303 "after logout the session is gone"

# Logout everywhere
sb_login alice 'alice-password-1' >/dev/null; cp "$SB_TMP/jar-alice" "$SB_TMP/jar-second"
sb_login alice 'alice-password-1' >/dev/null; use_jar alice
r=$(http POST /logout -d "_csrf=$(csrf_of /)" -d everywhere=1)
SB_JAR=$SB_TMP/jar-second
r=$(http GET /)
is "$(status_of "$r")" 303 "logout everywhere ends the other sessions too"

# Idle and absolute expiry
sb_login alice 'alice-password-1' >/dev/null; use_jar alice
sql "UPDATE sessions SET last_seen_at = last_seen_at - 13*3600*1000"
r=$(http GET /)
is "$(status_of "$r")" 303 "an idle session expires"
sb_login alice 'alice-password-1' >/dev/null; use_jar alice
sql "UPDATE sessions SET expires_at = 1"
r=$(http GET /)
is "$(status_of "$r")" 303 "a session past its absolute expiry is gone"
sb_login alice 'alice-password-1' >/dev/null; use_jar alice
r=$(http GET /)
is "$(status_of "$r")" 200 "a fresh session works"

# Rate limiting per (address, login): failures from one address lock that
# login from that address only.  Loopback is 127.0.0.0/8, so curl can come
# from 127.0.0.2 as a second address.
sb_login_from() { # ADDR LOGIN PASSWORD: like sb_login, from source address ADDR
    local jar=$SB_TMP/jar-$2-$1 csrf
    rm -f "$jar"
    csrf=$(curl -s --interface "$1" -c "$jar" -b "$jar" "$SB_URL/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
    curl -s --interface "$1" -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' --data-urlencode "login=$2" \
        --data-urlencode "password=$3" --data-urlencode "_csrf=$csrf" --data-urlencode "next=/" "$SB_URL/login"
}
for i in 1 2 3 4 5; do s=$(sb_login_from 127.0.0.2 bob wrong-password-$i); done
is "$s" 401 "a wrong password is 401"
is "$(sb_login_from 127.0.0.2 bob 'bob-password-22')" 429 "after 5 failures bob is locked from that address, even with the right password"
like "$(sb_log)" 'login rate-limited for bob from 127.0.0.2' "and the server log says so"
is "$(sb_login bob 'bob-password-22')" 303 "bob still signs in from another address"
is "$(sb_login_from 127.0.0.2 bob 'bob-password-22')" 429 "a success elsewhere does not lift the lock where the failures came from"
is "$(sb_login_from 127.0.0.2 alice 'alice-password-1')" 303 "another login from the locked address is not affected"
# Admins see the lock and clear it.
sb_login alice 'alice-password-1' >/dev/null; use_jar alice
BOB=$(sql "SELECT id FROM users WHERE login = 'bob'")
r=$(http GET /users)
like "$(body_of "$r")" "Locked from 1 address" "the users list marks bob as locked"
r=$(http GET "/users/$BOB")
like "$(body_of "$r")" '<code>127.0.0.2</code>' "bob's page names the address he is locked from"
r=$(http POST "/users/$BOB/locks/clear" -d addr=127.0.0.2)
is "$(status_of "$r")" 403 "clearing a lock needs the CSRF token"
r=$(http POST "/users/$BOB/locks/clear" -d addr=127.0.0.2 -d "_csrf=$(csrf_of "/users/$BOB")")
is "$(status_of "$r")" 303 "an admin clears the lock"
is "$(header Location)" "/users/$BOB?done=unlocked" "and is sent back to the user's page"
# (7 failures: the 5 wrong passwords and the 2 refused while locked)
is "$(sql "SELECT actor||' '||json_extract(details,'\$.login')||' '||json_extract(details,'\$.addr')||' '||json_extract(details,'\$.attempts')
           FROM events WHERE event_type = 'login_lock_cleared'")" "user:alice bob 127.0.0.2 7" "the clearing is an event naming the admin"
r=$(http GET "/users/$BOB")
like "$(body_of "$r")" 'Not locked' "bob's page shows no lock any more"
is "$(sb_login_from 127.0.0.2 bob 'bob-password-22')" 303 "bob signs in from that address again"
for i in 1 2 3 4 5; do sb_login_from 127.0.0.2 bob wrong-password-$i >/dev/null; done
sql "UPDATE login_attempts SET created_at = created_at - 16*60*1000 WHERE login = 'bob'"
is "$(sb_login_from 127.0.0.2 bob 'bob-password-22')" 303 "a lock also ends by itself after 15 minutes"
# Rate limiting per address, across logins (password spraying).
for i in $(seq 20); do sb_login_from 127.0.0.3 "nobody$i" x >/dev/null; done
is "$(sb_login_from 127.0.0.3 alice 'alice-password-1')" 429 "20 failures from one address lock that address"
is "$(sb_login alice 'alice-password-1')" 303 "other addresses are not affected"
use_jar alice
r=$(http GET /users)
like "$(body_of "$r")" '<code>127.0.0.3</code>' "the users list shows the locked address"
r=$(http POST /users/locks/clear -d addr=127.0.0.3 -d "_csrf=$(csrf_of /users)")
is "$(status_of "$r")" 303 "an admin clears the address lock"
is "$(sb_login_from 127.0.0.3 alice 'alice-password-1')" 303 "and the address can sign in again"
sql "DELETE FROM login_attempts"

# Agents cannot reach admin pages; disabled accounts cannot sign in.
is "$(sb_login bob 'bob-password-22')" 303 "bob (agent) signs in"
use_jar bob
r=$(http GET /)
is "$(status_of "$r")" 200 "bob sees the home page"
"$SB_BIN" user disable bob >/dev/null
r=$(http GET /)
is "$(status_of "$r")" 303 "disabling bob ends his session"
is "$(sb_login bob 'bob-password-22')" 401 "a disabled account cannot sign in"

# First run: a one-time password that must be changed.
out=$("$SB_BIN" user bootstrap)
is "$out" "" "bootstrap does nothing when accounts exist"
sql "DELETE FROM sessions; DELETE FROM client_members; DELETE FROM users"
out=$("$SB_BIN" user bootstrap)
pw=$(sed -n 's/.*password: \([0-9a-f]*\).*/\1/p' <<<"$out")
like "$pw" '^[0-9a-f]{24}$' "bootstrap prints a one-time admin password"
is "$(sb_login admin "$pw")" 303 "the admin signs in with it"
use_jar admin
r=$(http GET /)
is "$(header Location)" /account/password "and must choose a new password before anything else"
t=$(csrf_of /account/password)
r=$(http POST /account/password -d "_csrf=$t" -d "current=$pw" -d password=short -d confirm=short)
is "$(status_of "$r")" 422 "a short password is refused"
like "$(body_of "$r")" 'class="field-error" id="e-password"' "the error is shown next to the field"
r=$(http POST /account/password -d "_csrf=$t" -d "current=$pw" -d password=a-much-better-one -d confirm=a-much-better-one)
is "$(status_of "$r")" 303 "the new password is accepted"
r=$(http GET /)
is "$(status_of "$r")" 200 "and the admin reaches the home page"
is "$(sb_login admin "$pw")" 401 "the one-time password no longer works"
done_testing
