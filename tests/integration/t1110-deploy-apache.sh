#!/usr/bin/env bash
# t1110-deploy-apache: the smoke test (tests/deploy-smoke.sh) through a
# real Apache 2.4 with mod_fcgid, which starts the program itself:
# deploy/apache-fcgid.conf inside deploy/apache-server.conf, both rendered
# by deploy/render-conf, on a free loopback port, report pages handed
# over with X-Sendfile (mod_xsendfile).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../deploy-smoke.sh"
deploy_start apache-fcgid || { echo "not ok 1 - Apache with mod_fcgid starts"; deploy_stop; echo "1..1"; exit 1; }
deploy_smoke
deploy_done
