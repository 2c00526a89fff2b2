#!/usr/bin/env bash
# t1100-deploy-lighttpd: the smoke test (tests/deploy-smoke.sh) through a
# real lighttpd with mod_fastcgi, which starts the program itself
# (deploy/lighttpd.conf rendered by deploy/render-conf, the file `make run`
# and every other integration test use), report pages handed over with
# X-Sendfile.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../deploy-smoke.sh"
deploy_start lighttpd || { echo "not ok 1 - lighttpd starts"; deploy_stop; echo "1..1"; exit 1; }
deploy_smoke
deploy_done
