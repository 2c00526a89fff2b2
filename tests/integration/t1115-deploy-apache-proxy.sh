#!/usr/bin/env bash
# t1115-deploy-apache-proxy: the smoke test (tests/deploy-smoke.sh)
# through a real Apache 2.4 with mod_proxy_fcgi in front of the program
# listening on a Unix socket, started the way systemd's socket activation
# starts it (deploy/switchboard-fcgi.socket + .service; here by
# systemd-socket-activate): deploy/apache-proxy-fcgi.conf inside
# deploy/apache-server.conf, rendered by deploy/render-conf, report pages
# handed over with X-Sendfile (mod_xsendfile).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../deploy-smoke.sh"
deploy_start apache-proxy-fcgi socket-activate ||
    { echo "not ok 1 - Apache with mod_proxy_fcgi starts"; deploy_stop; echo "1..1"; exit 1; }
deploy_smoke
deploy_done
