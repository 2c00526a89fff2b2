#!/usr/bin/env bash
# t0100-health: the program behind lighttpd answers /health, the admin
# shell, 404/405, and every response carries the security headers.
. "$(dirname "$0")/../lib.sh"
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }

r=$(http GET /health)
is "$(status_of "$r")" 200 "/health answers 200"
like "$(body_of "$r")" '^\{"status":"ok","db":"ok","schema":[0-9]+,"version":"[^"]+"\}$' "/health body"
like "$(header Content-Type)" '^application/json' "/health is JSON"

r=$(http GET /)
is "$(status_of "$r")" 303 "/ sends a visitor to sign in"
is "$(header Location)" "/login?next=%2F" "to the login page, coming back afterwards"
r=$(http GET /login)
is "$(status_of "$r")" 200 "/login answers 200"
like "$(body_of "$r")" '<link rel="stylesheet" href="/static/switchboard.css">' "pages use the stylesheet"
unlike "$(body_of "$r")" '<script' "no JavaScript on the login page"
sb_user boss 'correct horse battery' --admin
is "$(sb_login boss 'correct horse battery')" 303 "an admin signs in"
use_jar boss
r=$(http GET /)
is "$(status_of "$r")" 200 "the admin home answers 200"
like "$(body_of "$r")" 'No messages yet' "home shows the empty state with what to do next"
unlike "$(body_of "$r")" '<script' "no JavaScript on the home page"
SB_JAR=""
like "$(header Content-Security-Policy)" "default-src 'none'" "CSP allows no script"
like "$(header Content-Security-Policy)" "frame-ancestors 'none'" "CSP forbids framing"
is "$(header X-Content-Type-Options)" nosniff "nosniff header"
like "$(header Referrer-Policy)" "." "Referrer-Policy header"

r=$(http GET /static/switchboard.css)
is "$(status_of "$r")" 200 "static stylesheet served by the web server"

r=$(http GET /no/such/page)
is "$(status_of "$r")" 404 "unknown path is 404"
like "$(header Content-Type)" 'text/html' "404 page is HTML"
like "$(header Content-Security-Policy)" "default-src 'none'" "error pages carry the CSP too"

r=$(http GET /api/nothing)
is "$(status_of "$r")" 404 "unknown API path is 404"
like "$(body_of "$r")" '"error":\{"code":"not_found"' "API 404 is JSON"

r=$(http POST /health -d "")
is "$(status_of "$r")" 405 "wrong method is 405"
like "$(header Allow)" 'GET' "405 says which methods are allowed"

r=$(http GET '/?a=%zz')
is "$(status_of "$r")" 400 "malformed query string is 400"
r=$(http GET '/' -H 'Cookie: =oops')
is "$(status_of "$r")" 400 "malformed cookie header is 400"

r=$(http HEAD /health -I)
is "$(status_of "$r")" 200 "HEAD works"

like "$(sb_log)" 'GET /health 200 [0-9.]+ms' "one log line per request with status and duration"
done_testing
