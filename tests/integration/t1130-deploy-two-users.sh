#!/usr/bin/env bash
# t1130-deploy-two-users: the layout deploy/README.md recommends, checked
# with real users.  The program runs as one user (nobody, standing in for
# `switchboard`), started by spawn-fcgi with its socket in the web
# server's group (0660); nginx runs as www-data.  The data directory
# (database, document repository, switchboard.conf) is 0700 for the
# program's user; the report site lives outside it, in a directory of
# www-data's group (2750), so nginx can send report files
# (X-Accel-Redirect) without ever reading the database.  The whole smoke
# test passes like that, and www-data is refused the data directory.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root, to run the program and nginx as two different users"
id www-data >/dev/null 2>&1 || skip_all "no www-data user"
command -v setpriv >/dev/null || skip_all "setpriv is not installed (package util-linux)"
export SB_DEPLOY_REEXEC=1 HOME=/tmp
. "$(dirname "$0")/../deploy-smoke.sh"
DEPLOY_APP_USER=nobody DEPLOY_WEB_USER=www-data
deploy_start nginx spawn-fcgi || { echo "not ok 1 - nginx and the program start"; deploy_stop; echo "1..1"; exit 1; }
deploy_smoke

as_web() { setpriv --reuid=www-data --regid="$(id -g www-data)" --clear-groups -- "$@"; }
! as_web ls "$SWITCHBOARD_DATA" >/dev/null 2>&1; ok $? "www-data cannot list the data directory"
! as_web cat "$SWITCHBOARD_DATA/switchboard.db" >/dev/null 2>&1; ok $? "nor read the database"
! as_web git --git-dir="$SWITCHBOARD_DATA/artifacts.git" log >/dev/null 2>&1; ok $? "nor the document repository"
! as_web cat "$SWITCHBOARD_DATA/switchboard.conf" >/dev/null 2>&1; ok $? "nor the settings"
as_web cat "$DEPLOY_SITE/index.html" >/dev/null 2>&1; ok $? "but it reads the report site"
is "$(stat -c %U "$SWITCHBOARD_DATA/switchboard.db")" nobody "the database belongs to the program's user"
is "$(stat -c %U "$SWITCHBOARD_DATA/artifacts.git")" nobody "so does the repository"
is "$(stat -c %G "$DEPLOY_SITE/clients")" www-data "the site's files are in the web server's group (setgid directory)"
is "$(stat -c '%U:%G %a' "$SB_TMP/run/fcgi.sock")" "nobody:www-data 660" "the socket: the program's user, the web server's group, 0660"
deploy_done
