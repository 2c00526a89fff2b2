#!/usr/bin/env bash
# t1120-deploy-nginx: the smoke test (tests/deploy-smoke.sh) through a real
# nginx passing requests to the program on a Unix socket, started by
# spawn-fcgi: deploy/nginx.conf inside deploy/nginx-server.conf, rendered
# by deploy/render-conf, report pages handed over with X-Accel-Redirect
# (SWITCHBOARD_SENDFILE=/_site/).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../deploy-smoke.sh"
deploy_start nginx spawn-fcgi || { echo "not ok 1 - nginx starts"; deploy_stop; echo "1..1"; exit 1; }
deploy_smoke
deploy_done
