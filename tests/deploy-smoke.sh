# tests/deploy-smoke.sh - the same smoke test against each web server
# configuration in deploy/ (sourced by tests/integration/t11*-deploy-*.sh
# after tests/lib.sh).
#
#   deploy_start SERVER [LAUNCHER]
#       SERVER: lighttpd | apache-fcgid | apache-proxy-fcgi | nginx
#       LAUNCHER (servers that do not start the program themselves):
#       socket-activate (systemd-socket-activate, as the systemd socket
#       unit does; `serve` when it is not installed), spawn-fcgi, or serve
#       (`switchboard serve --socket`).
#     Renders the configuration from deploy/ with deploy/render-conf (the
#     files themselves, never copies) for a private temporary directory and
#     a free loopback port, starts the server (and the program) as the
#     current user, and waits for /health.  Skips the whole file, with the
#     reason, when the server or a module it needs is not installed.
#   deploy_smoke
#     health, static files, a signed inbound webhook (and a forged one),
#     the worker making a task, sign-in through the form with its CSRF
#     token, a task page, a form post, a report page after switchboard-gen
#     (through the server's X-Sendfile / X-Accel-Redirect), an upload and a
#     git clone of the document repository with credentials, and the
#     body size limit.
#   deploy_done
#     stops what deploy_start started, then done_testing.
#
# With DEPLOY_APP_USER and DEPLOY_WEB_USER set (as root), the program and
# its commands run as the first user, the web server as the second, with
# the layout deploy/README.md describes: the data directory 0700 for the
# program's user, the report site outside it in a directory of the web
# server's group (2750), the socket 0660 in that group.
#
# Run as root, a test file re-runs itself as `nobody`: Apache refuses to
# serve as root, and the suite is meant to show the servers working as an
# ordinary user, with nothing on port 80.

if [ "$(id -u)" = 0 ] && [ -z "${SB_DEPLOY_REEXEC:-}" ]; then
    command -v setpriv >/dev/null || skip_all "run as root, and setpriv (util-linux) is missing to run as nobody"
    id nobody >/dev/null 2>&1 || skip_all "run as root, and there is no user nobody to run as"
    deploy_nobody=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --)
    export SB_DEPLOY_REEXEC=1 HOME=/tmp
    if "${deploy_nobody[@]}" test -r "$0" -a -x "$SB_BIN" -a -x "$SB_GEN" -a -r "$SB_ROOT/deploy/render-conf"; then
        exec "${deploy_nobody[@]}" bash "$0" "$@"
    fi
    # nobody cannot reach the tree (a checkout under a private directory):
    # run from a copy it can read, then remove the copy.
    deploy_tree=$(mktemp -d "${TMPDIR:-/tmp}/sb-deploy-tree.XXXXXX") || exit 1
    chmod 755 "$deploy_tree"
    deploy_rel() { case $1 in "$SB_ROOT"/*) echo "${1#"$SB_ROOT"/}" ;; *) return 1 ;; esac; }
    deploy_bin_rel=$(deploy_rel "$(dirname "$SB_BIN")") && deploy_gen_rel=$(deploy_rel "$(dirname "$SB_GEN")") ||
        skip_all "run as root, user nobody cannot read the source tree, and $SB_BIN is outside it"
    (cd "$SB_ROOT" && tar -cf - --exclude=node_modules deploy migrations static templates tests \
        "$deploy_bin_rel" "$deploy_gen_rel") | (cd "$deploy_tree" && tar -xf -) || exit 1
    chmod -R a+rX "$deploy_tree"
    SB_BIN=$deploy_tree/$deploy_bin_rel/$(basename "$SB_BIN") SB_GEN=$deploy_tree/$deploy_gen_rel/$(basename "$SB_GEN")
    export SB_BIN SB_GEN
    (cd "$deploy_tree" && "${deploy_nobody[@]}" bash "tests/integration/$(basename "$0")" "$@")
    deploy_rc=$?
    rm -rf "$deploy_tree"
    exit $deploy_rc
fi

DEPLOY_SERVER=""
DEPLOY_PIDS=""
DEPLOY_WEB=()     # command prefix that runs the web server as its own user
DEPLOY_SITE=""
DEPLOY_TOKEN=twilio-deploy-token-0123456789

# The binaries are looked for in the places Debian installs them, since an
# ordinary user's PATH usually lacks /usr/sbin.
deploy_which() {
    local p
    for p in "$(command -v "$1" 2>/dev/null)" "/usr/sbin/$1" "/usr/bin/$1" "/sbin/$1"; do
        [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
    done
    return 1
}

# deploy_start SERVER [LAUNCHER]
deploy_start() {
    local server=$1 launcher=${2:-} mods=/usr/lib/apache2/modules bin m
    DEPLOY_SERVER=$server
    sb_env
    trap 'deploy_stop; sb_stop' EXIT
    case $server in
    lighttpd) bin=$(deploy_which lighttpd) || skip_all "lighttpd is not installed (make deps installs it)" ;;
    apache-*)
        bin=$(deploy_which apache2) || skip_all "apache2 is not installed (make deps installs it)"
        for m in mpm_event authz_core alias mime xsendfile \
                 $([ "$server" = apache-fcgid ] && echo fcgid || echo "proxy proxy_fcgi"); do
            [ -r "$mods/mod_$m.so" ] || skip_all "Apache module mod_$m is not installed ($mods; make deps installs it)"
        done ;;
    nginx)
        bin=$(deploy_which nginx) || skip_all "nginx is not installed (make deps installs it)"
        [ -r /etc/nginx/fastcgi_params ] || skip_all "nginx's /etc/nginx/fastcgi_params is missing" ;;
    *) echo "deploy_start: unknown server $server" >&2; exit 2 ;;
    esac
    case $launcher in
    socket-activate)
        # Without systemd's tool (a container), the program opens the socket.
        deploy_which systemd-socket-activate >/dev/null || launcher=serve ;;
    spawn-fcgi) deploy_which spawn-fcgi >/dev/null || skip_all "spawn-fcgi is not installed (make deps installs it)" ;;
    esac

    SB_PORT=$(free_port)
    SB_URL=http://127.0.0.1:$SB_PORT
    local run=$SB_TMP/run
    mkdir -p "$run"
    chmod 755 "$SB_TMP"
    DEPLOY_SITE=$SWITCHBOARD_DATA/site
    if [ -n "${DEPLOY_APP_USER:-}" ]; then
        deploy_two_users "$run" || return 1
        diag "$server on a free port as $DEPLOY_WEB_USER, the program as $DEPLOY_APP_USER${launcher:+, started by $launcher}"
    else
        diag "$server on a free port, as user $(id -un)${launcher:+, the program started by $launcher}"
    fi
    # Every setting in switchboard.conf, as on a server (the web servers
    # that start the program pass it no environment but the data dir).
    unset SWITCHBOARD_PUBLIC_URL TWILIO_AUTH_TOKEN
    {
        echo "SWITCHBOARD_PUBLIC_URL = $SB_URL"
        echo "TWILIO_AUTH_TOKEN = $DEPLOY_TOKEN"
        # The program's own limit, under the web servers' 64 MiB.
        echo "SWITCHBOARD_MAX_BODY = 1048576"
        [ "$server" = nginx ] && echo "SWITCHBOARD_SENDFILE = /_site/"
        [ "$DEPLOY_SITE" != "$SWITCHBOARD_DATA/site" ] && echo "SWITCHBOARD_SITE = $DEPLOY_SITE"
    } > "$SWITCHBOARD_DATA/switchboard.conf"
    chmod 600 "$SWITCHBOARD_DATA/switchboard.conf"
    [ -n "${DEPLOY_APP_USER:-}" ] && chown "$DEPLOY_APP_USER:" "$SWITCHBOARD_DATA/switchboard.conf"
    "$SB_BIN" migrate >"$SB_TMP/migrate.log" 2>&1 || { sed 's/^/#   /' "$SB_TMP/migrate.log"; return 1; }

    local render="$SB_ROOT/deploy/render-conf"
    export BIND=127.0.0.1 PORT=$SB_PORT BIN=$SB_BIN STATIC=$SB_ROOT/static RUNDIR=$run PROCS=2 \
           ERRORLOG=$SB_TMP/error.log DATA=$SWITCHBOARD_DATA SITE=$DEPLOY_SITE \
           SOCKET=$run/fcgi.sock MODULES=$mods SITE_CONF=$run/site.conf
    case $server in
    lighttpd)
        "$render" "$SB_ROOT/deploy/lighttpd.conf" > "$run/lighttpd.conf" || return 1
        "$bin" -tt -f "$run/lighttpd.conf" >>"$SB_TMP/error.log" 2>&1 || { deploy_diag; return 1; }
        "$bin" -D -f "$run/lighttpd.conf" 2>>"$SB_TMP/error.log" &
        ;;
    apache-*)
        "$render" "$SB_ROOT/deploy/$server.conf" > "$run/site.conf" || return 1
        "$render" "$SB_ROOT/deploy/apache-server.conf" > "$run/apache.conf" || return 1
        mkdir -p "$run/fcgid"
        "$bin" -t -f "$run/apache.conf" >>"$SB_TMP/error.log" 2>&1 || { deploy_diag; return 1; }
        "$bin" -DFOREGROUND -f "$run/apache.conf" 2>>"$SB_TMP/error.log" &
        ;;
    nginx)
        "$render" "$SB_ROOT/deploy/nginx.conf" > "$run/site.conf" || return 1
        "$render" "$SB_ROOT/deploy/nginx-server.conf" > "$run/nginx.conf" || return 1
        "${DEPLOY_WEB[@]}" "$bin" -t -p "$run" -e "$SB_TMP/error.log" -c "$run/nginx.conf" >>"$SB_TMP/error.log" 2>&1 ||
            { deploy_diag; return 1; }
        "${DEPLOY_WEB[@]}" "$bin" -p "$run" -e "$SB_TMP/error.log" -c "$run/nginx.conf" 2>>"$SB_TMP/error.log" &
        ;;
    esac
    SB_LIGHTTPD_PID=$!   # sb_stop stops it
    if [ -n "$launcher" ]; then
        deploy_launch "$launcher" "$run/fcgi.sock" || return 1
    fi
    for _ in $(seq 600); do
        curl -fs "$SB_URL/health" >/dev/null 2>&1 && return 0
        kill -0 "$SB_LIGHTTPD_PID" 2>/dev/null || break
        sleep 0.05
    done
    diag "$server did not come up"
    deploy_diag
    return 1
}

# deploy_launch HOW SOCKET: the program on SOCKET, as a service would run
# it; its standard error goes to the error log like under the web servers.
deploy_launch() {
    local how=$1 sock=$2
    case $how in
    socket-activate)
        # What switchboard-fcgi.socket + .service do: the listening socket
        # is passed as fd 3 with LISTEN_FDS/LISTEN_PID, and the program
        # gets only the environment named (the unit's Environment=).
        local envs=(-E SWITCHBOARD_DATA) v
        for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do [ -n "${!v:-}" ] && envs+=(-E "$v"); done
        "$(deploy_which systemd-socket-activate)" -l "$sock" "${envs[@]}" -- "$SB_BIN" serve --processes 2 \
            >/dev/null 2>>"$SB_TMP/error.log" &
        ;;
    spawn-fcgi)
        # The socket as standard input, like lighttpd and mod_fcgid.
        local users=()
        [ -n "${DEPLOY_APP_USER:-}" ] && users=(-u "$DEPLOY_APP_USER" -g "$(id -gn "$DEPLOY_APP_USER")"
                                             -U "$DEPLOY_APP_USER" -G "$(id -gn "$DEPLOY_WEB_USER")")
        "$(deploy_which spawn-fcgi)" -n -s "$sock" -M 0660 "${users[@]}" -- "$DEPLOY_REAL_BIN" serve --processes 2 \
            >/dev/null 2>>"$SB_TMP/error.log" &
        ;;
    serve)
        "$SB_BIN" serve --socket "$sock" --processes 2 >/dev/null 2>>"$SB_TMP/error.log" &
        ;;
    *) echo "deploy_launch: unknown launcher $how" >&2; exit 2 ;;
    esac
    DEPLOY_PIDS="$DEPLOY_PIDS $!"
    for _ in $(seq 600); do
        [ -S "$sock" ] && return 0
        sleep 0.05
    done
    diag "the program did not create $sock"
    deploy_diag
    return 1
}

# deploy_two_users RUNDIR: the program's commands (SB_BIN, SB_GEN) become
# wrappers that run them as DEPLOY_APP_USER; the data directory is that
# user's alone; the report site and the web server's files belong to
# DEPLOY_WEB_USER's group.
DEPLOY_REAL_BIN=$SB_BIN
deploy_two_users() {
    local run=$1 app=$DEPLOY_APP_USER web=$DEPLOY_WEB_USER b real
    local app_group web_group
    app_group=$(id -gn "$app") && web_group=$(id -gn "$web") || return 1
    mkdir -p "$SB_TMP/bin"
    for b in switchboard switchboard-gen; do
        real=$SB_BIN; [ $b = switchboard-gen ] && real=$SB_GEN
        printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=%s --clear-groups -- %s "$@"\n' "$app" "$app_group" "$real" \
            > "$SB_TMP/bin/$b"
        chmod 755 "$SB_TMP/bin/$b"
    done
    SB_BIN=$SB_TMP/bin/switchboard
    SB_GEN=$SB_TMP/bin/switchboard-gen
    chown "$app:$app_group" "$SWITCHBOARD_DATA"
    chmod 0700 "$SWITCHBOARD_DATA"
    DEPLOY_SITE=$SB_TMP/site
    install -d -o "$app" -g "$web_group" -m 2750 "$DEPLOY_SITE"
    touch "$SB_TMP/error.log"
    chown -R "$web:$web_group" "$run" "$SB_TMP/error.log"
    DEPLOY_WEB=(setpriv --reuid="$web" --regid="$web_group" --clear-groups --)
}

deploy_diag() {
    diag "error log:"
    sed 's/^/#   /' "$SB_TMP/error.log" 2>/dev/null | tail -20
}

# deploy_stop: the web server and the program, and wait until nothing
# holds the error log open (a FastCGI process of the sanitizer build
# writes its leak report when it ends), so sb_stop sees every report.
deploy_stop() {
    local p
    if [ -n "$SB_LIGHTTPD_PID" ]; then
        kill "$SB_LIGHTTPD_PID" 2>/dev/null
        wait "$SB_LIGHTTPD_PID" 2>/dev/null
        SB_LIGHTTPD_PID=""
    fi
    for p in $DEPLOY_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    DEPLOY_PIDS=""
    [ -n "$SB_TMP" ] || return 0
    for _ in $(seq 200); do
        deploy_log_open || return 0
        sleep 0.05
    done
    diag "processes still hold $SB_TMP/error.log open"
}
# True when a process of ours still has the error log open.
deploy_log_open() {
    [ -n "$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$SB_TMP/error.log" -print -quit 2>/dev/null)" ]
}

deploy_done() {
    deploy_stop
    done_testing
}

# The signed webhook as Twilio sends it, signed independently of the
# program (tests/twilio_post.py); the URL may carry a query string.
deploy_post_twilio() { python3 "$SB_ROOT/tests/twilio_post.py" "$@"; }

deploy_smoke() {
    local r s what=$DEPLOY_SERVER
    export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

    # ---- health and static files --------------------------------------------------------
    r=$(http GET /health)
    is "$(status_of "$r")" 200 "$what: /health"
    like "$(body_of "$r")" '"db":"ok"' "$what: the program opened the database"
    r=$(http GET /static/switchboard.css)
    is "$(status_of "$r")" 200 "$what: /static/ is served"
    like "$(header Content-Type)" '^text/css' "$what: as text/css"
    is "$(body_of "$r")" "$(cat "$SB_ROOT/static/switchboard.css")" "$what: the file from static/"
    is "$(status_of "$(http GET /static/nothing-here.css)")" 404 "$what: a missing static file is 404"

    # ---- inbound webhook ---------------------------------------------------------------
    r=$("$SB_BIN" simulate-sms --from +14155550100 --body "Hello, what are your opening hours on Saturday?" --url "$SB_URL" 2>&1)
    like "$r" 'HTTP 200' "$what: a signed inbound webhook (simulate-sms) is accepted"
    is "$(sql "SELECT count(*) FROM messages WHERE direction = 'in'")" 1 "$what: the message is stored"
    # Signed over the public URL plus the path and query string exactly as
    # sent: the server must hand the program the raw REQUEST_URI.
    r=$(deploy_post_twilio "$SB_URL/webhook/twilio?via=deploy%20test&x=1" "$DEPLOY_TOKEN" \
        From=+14155550100 To=+15005550006 Body="And on Sunday?" MessageSid=SMdeploy000000000000000000000000001 \
        AccountSid=AC00000000000000000000000000000000 NumMedia=0)
    is "$(status_of "$r")" 200 "$what: the signature covers the query string as sent"
    r=$(deploy_post_twilio "$SB_URL/webhook/twilio" "not-the-token" From=+14155550100 Body=forged \
        MessageSid=SMdeploy000000000000000000000000002)
    is "$(status_of "$r")" 403 "$what: a forged webhook is refused"
    is "$(sql "SELECT count(*) FROM messages WHERE direction = 'in'")" 2 "$what: and not stored"

    # ---- worker ------------------------------------------------------------------------
    "$SB_BIN" worker --once >/dev/null 2>>"$SB_TMP/worker.log"
    ok $? "$what: worker --once"
    local task
    task=$(sql "SELECT min(id) FROM tasks")
    like "$task" '^[0-9]+$' "$what: the worker made a task"

    # ---- sign in, a task page, a form post -----------------------------------------------
    sb_user boss 'correct horse battery staple 9' --admin
    is "$(sb_login boss 'correct horse battery staple 9')" 303 "$what: sign-in through the form with its CSRF token"
    use_jar boss
    r=$(http GET "/tasks/$task")
    is "$(status_of "$r")" 200 "$what: a task page"
    like "$(body_of "$r")" 'opening hours' "$what: showing the client's message"
    like "$(header Set-Cookie)$(grep -c . "$SB_JAR")" '[1-9]' "$what: the session cookie is kept"
    local csrf
    csrf=$(csrf_of "/tasks/$task")
    r=$(http POST "/tasks/$task/status" -d status=closed)
    is "$(status_of "$r")" 403 "$what: a form post without the CSRF token is refused"
    is "$(sql "SELECT status FROM tasks WHERE id = $task")" open "$what: and changes nothing"
    r=$(http POST "/tasks/$task/status" --data-urlencode "_csrf=$csrf" -d status=closed)
    is "$(status_of "$r")" 303 "$what: a form post with the CSRF token"
    is "$(sql "SELECT status FROM tasks WHERE id = $task")" closed "$what: the task is closed"

    # ---- a report page -------------------------------------------------------------------
    "$SB_GEN" --quiet 2>>"$SB_TMP/gen.log"
    ok $? "$what: switchboard-gen builds the site"
    local cid file
    cid=$(sql "SELECT client_id FROM tasks WHERE id = $task")
    r=$(http GET "/reports/clients/$cid/")
    is "$(status_of "$r")" 200 "$what: a report page"
    file=$(readlink -f "$DEPLOY_SITE/clients/$cid/index.html")
    is "$(body_of "$r")" "$(cat "$file")" "$what: the report file, whole"
    is "$(header X-Sendfile)$(header X-Accel-Redirect)" "" "$what: the server consumed the hand-over header"
    like "$(header Content-Type)" '^text/html' "$what: as text/html"
    like "$(header Content-Security-Policy)" "default-src 'none'" "$what: with the security headers"
    r=$(http GET "/reports/clients/$cid/tasks.csv")
    is "$(status_of "$r")" 200 "$what: the task list as CSV"
    like "$(header Content-Type)" '^text/csv' "$what: as text/csv"
    is "$(status_of "$(http GET /reports/clients/999/)")" 404 "$what: an unknown report is 404"
    [ "$what" = nginx ] && is "$(status_of "$(http GET /_site/index.html)")" 404 "$what: the internal location is not reachable"
    SB_JAR=""
    is "$(status_of "$(http GET "/reports/clients/$cid/")")" 303 "$what: signed out, a report page sends to the sign-in"

    # ---- documents: upload, then git clone --------------------------------------------------
    local token
    token=$("$SB_BIN" token add "deploy-$what" 2>/dev/null)
    printf '# Opening hours\n\nSaturday 9 to 1.\n' > "$SB_TMP/hours.md"
    r=$(http POST /api/documents/upload -H "Authorization: Bearer $token" -F "file=@$SB_TMP/hours.md" -F "task_id=$task")
    is "$(status_of "$r")" 201 "$what: a document uploaded (multipart, bearer token)"
    git clone -q "http://x:$token@${SB_URL#http://}/git/artifacts.git" "$SB_TMP/clone" 2>"$SB_TMP/clone.err"
    ok $? "$what: git clone of the document repository with credentials"
    [ -s "$SB_TMP/clone.err" ] && sed 's/^/#   /' "$SB_TMP/clone.err"
    like "$(cd "$SB_TMP/clone" 2>/dev/null && cat clients/*/tasks/*/hours.md)" 'Saturday 9 to 1' "$what: the clone holds the document"
    ! git clone -q "http://x:wrong@${SB_URL#http://}/git/artifacts.git" "$SB_TMP/clone2" 2>/dev/null
    ok $? "$what: a clone with wrong credentials is refused"

    # ---- body size limit -------------------------------------------------------------------
    head -c 1200000 /dev/zero | tr '\0' a > "$SB_TMP/big"
    r=$(http POST /webhook/twilio -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$SB_TMP/big")
    is "$(status_of "$r")" 413 "$what: a body over the program's limit gets 413"
    like "$(body_of "$r")" 'larger than this server accepts' "$what: with the program's message"
}
