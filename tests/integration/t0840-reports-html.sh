#!/usr/bin/env bash
# t0840-reports-html: the report pages are valid HTML (html-validate, as
# the browser tests install it: tests/browser/node_modules) with no script
# of any kind, the feed and CSV files parse, and the charts render in
# headless Chromium (screenshots in $SB_TEST_OUT, default
# build/test-output/).  Each tool that is missing turns its checks into
# TAP skips.
. "$(dirname "$0")/../lib.sh"
sb_env
[ -x "$SB_GEN" ] || skip_all "no switchboard-gen in $(dirname "$SB_GEN")"
OUT=${SB_TEST_OUT:-build/test-output}
case $OUT in /*) ;; *) OUT=$SB_ROOT/$OUT ;; esac
mkdir -p "$OUT/reports"
HV=$SB_ROOT/tests/browser/node_modules/.bin/html-validate
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }

sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
"$SB_BIN" seed-demo --clients 4 --tasks 120 --events 1300 --end 1790000000000 --seed 4 >/dev/null
SITE=$SWITCHBOARD_DATA/site
"$SB_GEN" --quiet
ok $? "site built"
c=$(sql "SELECT client_id FROM tasks GROUP BY client_id ORDER BY count(*) DESC LIMIT 1")
C=$(readlink -f "$SITE/clients/$c")
month=$(ls "$C" | grep -m1 '^tasks-.*\.html$')
pages=("$SITE/index.html" "$C/index.html" "$C/share.html" "$C/tasks.html" "$C/$month")
for t in $(sql "SELECT id FROM tasks WHERE client_id = $c ORDER BY random() LIMIT 4"); do pages+=("$C/tasks/$t.html" "$C/tasks/$t.share.html"); done
# The dynamic report pages (share links, an agent's list), through HTTP.
sb_user admin admin-password-1 --admin
sb_user agent agent-password-1
"$SB_BIN" user attach agent "$c" >/dev/null 2>&1
sb_login admin admin-password-1 >/dev/null
use_jar admin
csrf=$(csrf_of /reports/shares)
http POST /reports/shares --data-urlencode "client_id=$c" --data-urlencode "label=screenshot" --data-urlencode "_csrf=$csrf" >/dev/null
http GET "$(header Location)" > "$SB_TMP/created"
link=$(grep -o 'http://[^<]*/reports/share/[0-9a-f]*/' "$SB_TMP/created" | head -1)
cp "$SB_TMP/body" "$OUT/reports/shares-created.html"
http GET /reports/shares >/dev/null; cp "$SB_TMP/body" "$OUT/reports/shares.html"
sb_login agent agent-password-1 >/dev/null
use_jar agent
http GET /reports/ >/dev/null; cp "$SB_TMP/body" "$OUT/reports/mine.html"
pages+=("$OUT/reports/shares.html" "$OUT/reports/shares-created.html" "$OUT/reports/mine.html")
for p in "$SITE/index.html" "$C/index.html" "$C/tasks.html"; do
    cp "$p" "$OUT/reports/$(basename "$(dirname "$p")")-$(basename "$p")"
done

# No JavaScript anywhere: no script element, no event handler, no javascript: URL.
bad=$(grep -liE '<script|[[:space:]]on[a-z]+=|javascript:' "${pages[@]}" "$C/feed.atom" 2>/dev/null)
is "$bad" "" "no script, event handler or javascript: URL in any report page"

if [ -x "$HV" ]; then
    for p in "${pages[@]}"; do
        r=$("$HV" --config "$SB_ROOT/tests/browser/.htmlvalidate.json" "$p" 2>&1)
        ok $? "html-validate: ${p#"$SB_TMP/"}"
        [ -n "$r" ] && printf '%s\n' "$r" | head -15 | sed 's/^/#   /'
    done
else
    skip "html-validate is not installed (make browser-deps)"
fi

report_tasks_csv "$C" > "$SB_TMP/tasks.csv"
python3 - "$C/feed.atom" "$SB_TMP/tasks.csv" "$C/usage.csv" "$SITE/usage.csv" "$C"/tasks-*.csv <<'PY'
import csv, sys, xml.etree.ElementTree as E
ns = "{http://www.w3.org/2005/Atom}"
feed = E.parse(sys.argv[1]).getroot()
assert feed.tag == ns + "feed", feed.tag
for e in feed.findall(ns + "entry"):
    for tag in ("id", "title", "updated"):
        assert e.find(ns + tag) is not None, tag
rows = list(csv.reader(open(sys.argv[2], newline="")))
assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows), "tasks.csv is rectangular"
for f in sys.argv[3:]:
    rows = list(csv.reader(open(f, newline="")))
    assert all(len(r) == len(rows[0]) for r in rows), f
PY
ok $? "the Atom feed and the CSV files parse"

# Charts in headless Chromium: the client's report (through its share link,
# styled) and the overview (from the file).
count_chart_pixels() { # PNG -> pixels of the charts' blue and green
    python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride, prev, count, i = w * bpp, bytearray(w * bpp), 0, 0
while i < len(raw):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if (abs(r - 10) < 24 and abs(g - 91) < 24 and abs(bl - 211) < 24) or (abs(r - 26) < 24 and abs(g - 127) < 24 and abs(bl - 55) < 24):
            count += 1
    prev = line
print(count)
PY
}
if [ -x "$CHROMIUM" ] && [ -n "$link" ]; then
    flags=(--headless --disable-gpu --hide-scrollbars --no-first-run --window-size=1100,1500)
    [ "$(id -u)" = 0 ] && flags+=(--no-sandbox)
    shot=$OUT/reports-client.png
    rm -f "$shot"
    timeout 90 "$CHROMIUM" "${flags[@]}" --user-data-dir="$SB_TMP/chromium" --screenshot="$shot" "$link" >/dev/null 2>&1
    [ -s "$shot" ]
    ok $? "Chromium took a screenshot of the client's report: $shot"
    px=$(count_chart_pixels "$shot" 2>/dev/null || echo 0)
    [ "${px:-0}" -gt 500 ]
    ok $? "the charts are drawn ($px chart-coloured pixels)"
    shot2=$OUT/reports-overview.png
    rm -f "$shot2"
    timeout 90 "$CHROMIUM" "${flags[@]}" --user-data-dir="$SB_TMP/chromium" --screenshot="$shot2" "file://$SITE/index.html" >/dev/null 2>&1
    px=$(count_chart_pixels "$shot2" 2>/dev/null || echo 0)
    [ "${px:-0}" -gt 500 ]
    ok $? "the overview's charts are drawn: $shot2 ($px chart-coloured pixels)"
else
    skip "no Chromium at $CHROMIUM"
fi

done_testing
