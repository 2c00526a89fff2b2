#!/usr/bin/env bash
# t1020-man: the manual pages render without a single groff warning (and
# through man -l); switchboard(1) documents every command of fcgi/main.c's
# table; switchboard.conf(5) documents every setting of lib/core/config.c's
# table with its default, and nothing that is not a setting; `make
# install` puts the pages under PREFIX/share/man where man finds them.
. "$(dirname "$0")/../lib.sh"
command -v groff >/dev/null || skip_all "groff is not installed (Debian: groff-base)"
sb_env
MAN=$SB_ROOT/man
# An ASCII rendering on very long lines: one line per paragraph, no
# hyphenation, no bold or underline sequences.
plain() { groff -man -Tascii -rLL=3000n -P-c -P-b -P-u "$1" 2>/dev/null; }

for page in switchboard.1 switchboard-gen.1 switchboard.conf.5; do
    warn=$(groff -man -Tutf8 -ww -z "$MAN/$page" 2>&1)
    is "$warn" "" "$page renders with no groff warning"
    out=$(MANWIDTH=80 man -l "$MAN/$page" 2>&1)
    ok $? "man -l $page"
    like "$out" "^NAME" "$page has a NAME section"
done

# ---- every command is documented ----------------------------------------------
cmds=$(sed -n 's/^[[:space:]]*{"\([a-z-]*\)", cmd_[a-z_]*,.*/\1/p' "$SB_ROOT/fcgi/main.c")
like "$(wc -w <<<"$cmds")" '^[1-9][0-9]+$' "the command table of fcgi/main.c was read"
page=$(plain "$MAN/switchboard.1" | sed -n '/^COMMANDS/,/^EXIT STATUS/p')
missing=""
for c in $cmds; do
    grep -qE "^       $c( |$)" <<<"$page" || missing="$missing $c"
done
is "$missing" "" "switchboard(1) has an entry for every command"
missing=""
for c in $cmds; do
    "$SB_BIN" "$c" --help >/dev/null 2>&1 </dev/null
    [ $? -le 2 ] || missing="$missing $c"
done
is "$missing" "" "and every command answers --help"

# ---- every setting is documented, with its default --------------------------------
result=$(python3 - "$SB_ROOT/lib/core/config.c" <(plain "$MAN/switchboard.conf.5") <<'PY'
import re, sys
src = open(sys.argv[1]).read()
table = src[src.index("static Setting settings[]"):]
table = table[:table.index("};")]
settings = [(m.group(1), None if m.group(2) == "NULL" else m.group(3))
            for m in re.finditer(r'\{"([A-Z_0-9]+)",\s*(NULL|"((?:[^"\\]|\\.)*)")', table)]
lines = open(sys.argv[2]).read().split("\n")
entries = {}
for i, l in enumerate(lines):
    m = re.match(r"^       ([A-Z][A-Z_0-9]+)$", l)
    if m:
        entries[m.group(1)] = lines[i + 1] if i + 1 < len(lines) else ""
problems = []
if len(settings) < 20:
    problems.append("only %d settings read from lib/core/config.c" % len(settings))
for name, default in settings:
    body = entries.get(name)
    if body is None:
        problems.append("%s: no entry" % name)
    elif default is None:
        if "Default: derived" not in body:
            problems.append("%s: the entry does not say the default is derived" % name)
    elif default == "":
        if "Default: empty" not in body:
            problems.append("%s: the entry does not say the default is empty" % name)
    elif "Default: " + default not in body:
        problems.append("%s: the entry does not give the default %s" % (name, default))
known = {n for n, _ in settings}
for name in entries:
    if name not in known:
        problems.append("%s: documented but not a setting" % name)
print("%d settings" % len(settings) if not problems else "; ".join(problems))
PY
)
like "$result" '^[0-9]+ settings$' "switchboard.conf(5) documents every setting in lib/core/config.c with its default, and no other"

# ---- make install --------------------------------------------------------------------
DEST=$SB_TMP/dest
make -s --no-print-directory -C "$SB_ROOT" -o all O="$SB_BUILD" install DESTDIR="$DEST" PREFIX=/usr >"$SB_TMP/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
is "$(cd "$DEST/usr/share/man" 2>/dev/null && find . -type f | sort | tr '\n' ' ')" \
   "./man1/switchboard-gen.1 ./man1/switchboard.1 ./man5/switchboard.conf.5 " "the pages are installed in man1 and man5"
is "$(stat -c %a "$DEST/usr/share/man/man5/switchboard.conf.5" 2>/dev/null)" 644 "mode 0644"
found=$(MANPATH=$DEST/usr/share/man man -w switchboard.conf 2>/dev/null)
is "$found" "$DEST/usr/share/man/man5/switchboard.conf.5" "man finds the installed configuration reference"

done_testing
