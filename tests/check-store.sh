#!/usr/bin/env bash
# check-store.sh - TAP: the store is the one way to the database, and the
# SQL lives where ARCHITECTURE.md says.  Run by `make test` (mk/layout.mk);
# reads the sources only, builds nothing, starts nothing.
#
# Checked, for every .c and .h under lib/, fcgi/, cli/, gen/ and
# tests/unit/:
#  * no SQLite name (sqlite3_..., the sqlite3 types, SQLITE_ constants,
#    <sqlite3.h>) outside lib/store/, the backend: every other file reads
#    rows through store.h's Rows and its STORE_ codes, so a second backend
#    is one more file set under lib/store/;
#  * no SQL text in the front ends: fcgi/ (pages, API, webhooks, git) and
#    cli/ call the desk's functions, never store_query, store_exec,
#    store_int or store_text, which take SQL.  The one exception is
#    `switchboard sql`, which runs the text its user gives (store_script);
#  * no source file over 1,200 lines unless its first comment says why
#    (a line "Long because: ...").
#
# SB_LAYOUT_ROOT names another tree to check (default: this repository).
set -u
cd "${SB_LAYOUT_ROOT:-$(dirname "$0")/..}" || { echo "1..0 # SKIP cannot find the repository root"; exit 0; }

files=$(find lib fcgi cli gen tests/unit -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
[ -n "$files" ] || { echo "1..0 # SKIP no sources here"; exit 0; }

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() { # check DESCRIPTION LINES...: ok when no line is given
	local d=$1; shift
	if [ $# -eq 0 ]; then ok "$d"; else not_ok "$d" "$@"; fi
}
# hits PATTERN FILE...: "file:line: text" of every match, comments included.
hits() {
	local pat=$1; shift
	[ $# -gt 0 ] || return 0
	grep -nE "$pat" "$@" /dev/null | cut -c1-160
}

echo "1..3"

outside=()
for f in $files; do
	case $f in lib/store/*) ;; *) outside+=("$f") ;; esac
done
mapfile -t raw < <(hits '\bsqlite3|SQLITE_' ${outside[@]+"${outside[@]}"})
check "no SQLite name outside lib/store/ (the backend)" ${raw[@]+"${raw[@]}"}

front=()
for f in $files; do
	case $f in fcgi/* | cli/*) front+=("$f") ;; esac
done
mapfile -t sql < <(hits '\bstore_(query|vquery|exec|int|text|stmt|vstmt)[[:space:]]*\(' ${front[@]+"${front[@]}"})
check "no SQL text in fcgi/ or cli/ (the desk's functions hold it)" ${sql[@]+"${sql[@]}"}

long=()
for f in $files; do
	lines=$(wc -l <"$f")
	[ "$lines" -le 1200 ] && continue
	head -40 "$f" | grep -q 'Long because:' || long+=("$f has $lines lines and no \"Long because:\" line in its first comment")
done
check "no source file over 1,200 lines without a reason at its top" ${long[@]+"${long[@]}"}
