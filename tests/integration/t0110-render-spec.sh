#!/usr/bin/env bash
# t0110-render-spec: `switchboard render` passes the official Mustache spec
# (comments, delimiters, interpolation, inverted, partials, sections and
# ~inheritance).  For every spec test the template, data and partials are
# written to a temporary directory, rendered through the real CLI, and the
# output compared byte for byte with the spec's "expected".
#
# MUSTACHE_SPEC_DIR: the spec's JSON files (default ../shared/mustache-spec
# beside the repository); skipped when missing.  SB_BIN: the program
# (default bin/switchboard, or $SB_BUILD/bin/switchboard when SB_BUILD is
# set); relative paths are taken from the repository root.  Needs no server
# and writes only under a mktemp directory, removed on exit.

set -u
SB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SB_BIN=${SB_BIN:-${SB_BUILD:+$SB_BUILD/bin/switchboard}}
SB_BIN=${SB_BIN:-bin/switchboard}
case $SB_BIN in /*) ;; *) SB_BIN=$SB_ROOT/$SB_BIN ;; esac
SPEC=${MUSTACHE_SPEC_DIR:-$SB_ROOT/../shared/mustache-spec}

[ -d "$SPEC" ] || { echo "1..0 # SKIP mustache spec not found at $SPEC"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 not found"; exit 0; }
if [ ! -x "$SB_BIN" ]; then
    echo "not ok 1 - $SB_BIN is built"
    echo "1..1"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/t0110.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# One directory per spec test, numbered in spec order: template.mustache,
# data.json, partials/NAME.mustache, expected, and its TAP description.
python3 - "$SPEC" "$TMP" <<'EOF' || { echo "not ok 1 - spec files unpacked"; echo "1..1"; exit 1; }
import json, os, sys

spec, tmp = sys.argv[1], sys.argv[2]
files = ["comments", "delimiters", "interpolation", "inverted", "partials",
         "sections", "~inheritance"]

def write(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))

n = 0
for name in files:
    with open(os.path.join(spec, name + ".json"), encoding="utf-8") as f:
        tests = json.load(f)["tests"]
    for t in tests:
        n += 1
        d = os.path.join(tmp, "%04d" % n)
        os.makedirs(os.path.join(d, "partials"))
        write(os.path.join(d, "template.mustache"), t["template"])
        write(os.path.join(d, "data.json"), json.dumps(t["data"]))
        write(os.path.join(d, "expected"), t["expected"])
        for pname, src in t.get("partials", {}).items():
            if "/" in pname or pname.startswith("."):
                sys.exit("unexpected partial name %r" % pname)
            write(os.path.join(d, "partials", pname + ".mustache"), src)
        desc = "%s: %s" % (name, t["name"])
        write(os.path.join(d, "desc"), desc.replace("#", "\\#"))
EOF

show() { python3 -c 'import sys; print(repr(open(sys.argv[1], "rb").read()))' "$1"; }

dirs=("$TMP"/[0-9]*)
echo "1..${#dirs[@]}"
n=0
fail=0
for d in "${dirs[@]}"; do
    n=$((n + 1))
    desc=$(cat "$d/desc")
    if "$SB_BIN" render "$d/template.mustache" "$d/data.json" --partials "$d/partials" \
            > "$d/got" 2> "$d/err" && cmp -s "$d/got" "$d/expected"; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        fail=$((fail + 1))
        echo "#   got:      $(show "$d/got")"
        echo "#   expected: $(show "$d/expected")"
        sed 's/^/#   stderr: /' "$d/err" | head -n 5
    fi
done
[ "$fail" = 0 ]
