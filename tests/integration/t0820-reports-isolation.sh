#!/usr/bin/env bash
# t0820-reports-isolation: a client's report files never contain another
# client's data.  Every file reachable from clients/ID (the report, the
# CSV exports, the feed, every task timeline) is searched for every other
# client's name, phone number (E.164 and bare digits), email and company.
. "$(dirname "$0")/../lib.sh"
sb_env
[ -x "$SB_GEN" ] || skip_all "no switchboard-gen in $(dirname "$SB_GEN")"
"$SB_BIN" seed-demo --clients 12 --tasks 180 --events 1900 --end 1790000000000 --seed 3 >/dev/null
ok $? "seed-demo made 12 clients"
# Clients with awkward names, each with a task and activity, so their
# names would show up if anything leaked.
sql "INSERT INTO clients (id, name, phone, email, company, created_at, updated_at) VALUES
     (900, 'Zoë O''Brien-Ünal', '+447700900123', 'zoe@example.org', 'Quartz & Quill', 1789000000000, 1789000000000),
     (901, '<Léa> \"Dubois\"', '+33612345678', 'lea@example.fr', 'Boulangerie Dubois', 1789000000000, 1789000000000);
     INSERT INTO tasks (id, client_id, title, type, urgency, status, route, created_at, updated_at)
     VALUES (90000, 900, 'Quartz order', 'question', 'low', 'open', 'AI', 1789000001000, 1789000001000),
            (90001, 901, 'Pain au chocolat', 'other', 'low', 'open', 'AI', 1789000002000, 1789000002000);
     INSERT INTO events (event_type, client_id, task_id, message_id, actor, details, created_at) VALUES
     ('message_in', 900, NULL, 990000, 'twilio', '{\"from\":\"+447700900123\",\"to\":\"+15005550006\",\"length\":12}', 1789000000500),
     ('classified', 900, 90000, 990000, 'worker', '{\"type\":\"question\",\"urgency\":\"low\",\"confidence\":0.8}', 1789000001000),
     ('task_created', 900, 90000, 990000, 'worker', '{\"route\":\"AI\"}', 1789000001000),
     ('message_in', 901, NULL, 990001, 'twilio', '{\"from\":\"+33612345678\",\"to\":\"+15005550006\",\"length\":9}', 1789000001500),
     ('classified', 901, 90001, 990001, 'worker', '{\"type\":\"other\",\"urgency\":\"low\",\"confidence\":0.7}', 1789000002000),
     ('task_created', 901, 90001, 990001, 'worker', '{\"route\":\"AI\"}', 1789000002000);"
SITE=$SB_TMP/site
"$SB_GEN" --out "$SITE" --quiet
ok $? "site built"

# What identifies each client, one pattern per line.
sql --separator $'\t' "SELECT id, name, coalesce(phone, ''), coalesce(email, ''), coalesce(company, '') FROM clients" > "$SB_TMP/clients.tsv"
n=$(wc -l < "$SB_TMP/clients.tsv")
checked=0 leaks=0
while IFS=$'\t' read -r id name phone email company; do
    [ -d "$SITE/clients/$id/" ] || { ok 1 "client $id has a report"; continue; }
    # every other client's identifiers
    awk -F'\t' -v me="$id" '$1 != me { print $2; print $3; p = $3; sub(/^\+1?/, "", p); print p; print $4; print $5 }' \
        "$SB_TMP/clients.tsv" | grep -v '^$' > "$SB_TMP/others"
    # names also as HTML would write them
    sed -e 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g; s/'"'"'/\&#39;/g' "$SB_TMP/others" >> "$SB_TMP/others"
    hits=$(grep -RFl -f "$SB_TMP/others" "$SITE/clients/$id/" 2>/dev/null)
    if [ -n "$hits" ]; then
        leaks=$((leaks + 1))
        diag "client $id's files mention another client:"; grep -RFo -f "$SB_TMP/others" "$SITE/clients/$id/" | head -5 | sed 's/^/#   /'
    fi
    # and its own name is there (the search would find a leak)
    own=$(printf '%s' "$name" | sed -e 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g; s/'"'"'/\&#39;/g')
    grep -qF -- "$own" "$SITE/clients/$id/index.html" || { leaks=$((leaks + 1)); diag "client $id's own name is missing"; }
    checked=$((checked + 1))
done < "$SB_TMP/clients.tsv"
is "$checked" "$n" "every client's files were searched ($n clients)"
is "$leaks" 0 "no client's report mentions another client's name, number, email or company"
# The task pages are part of the search: they exist and are many.
is "$(find -L "$SITE/clients/900/" -name '*.html' | wc -l)" 6 "client 900: index and its client-safe twin, task list, its one month, its one task page and its twin searched"
like "$(cat "$SITE/clients/901/index.html")" '&lt;Léa&gt; &quot;Dubois&quot;' "names are HTML-escaped"
# The overview, for administrators, does list every client.
like "$(cat "$SITE/index.html")" 'Zo.* O&#39;Brien' "the overview lists all clients"

done_testing
