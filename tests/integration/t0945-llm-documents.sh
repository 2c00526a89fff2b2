#!/usr/bin/env bash
# t0945-llm-documents: the profile and PRD jobs with an OpenAI-compatible
# model (the fake LLM server, real HTTP).  The client's name, company and
# email the model reads from a message become profile proposals; the
# model's PRD draft is committed and proposed for review; a revision the
# reviewer asks for is the model's rewrite; tokens are recorded per
# purpose; the client's text reaches the model inside its data section.
# Answers that fail the checks fall back to the built-in extraction and
# PRD template, with an llm_fallback event or a note, and nothing the
# message does not say is ever proposed.
. "$(dirname "$0")/../lib.sh"
sb_env
fake_start llm || { echo "not ok 1 - fake LLM starts"; echo "1..1"; exit 1; }
export LLM_PROVIDER=openai LLM_BASE_URL=$FAKE_LLM_URL/v1 LLM_API_KEY=sk-test LLM_MODEL=fake-model
export LLM_TIMEOUT_MS=2000 JOB_BACKOFF_MS=50
sb_start || { echo "not ok 1 - server starts"; echo "1..1"; exit 1; }
REPO=$SWITCHBOARD_DATA/artifacts.git

git_repo() { git --git-dir="$REPO" "$@"; }
# requests FIELD: the fake's logged completion requests whose schema has FIELD
requests() {
    python3 - "$SB_TMP/fake_llm.log" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    body = json.loads(line).get("body") or {}
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
    if sys.argv[2] in (schema.get("properties") or {}):
        n += 1
        last = body
print(n)
if n:
    print(json.dumps(last["messages"]))
PY
}

# ---- a message that says who the client is and asks for a feature ----------------
sms +14155550123 "Hi, this is Dana Scully from Acme Labs, dana@acme.example. Could you add a dark mode to the dashboard? We need it before the launch next month. It must work on phones too."
drain_until "SELECT count(*) FROM proposals WHERE kind='prd_review'" 1
drain_until "SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'dead', 'cancelled')" 0
TASK=$(sql "SELECT id FROM tasks ORDER BY id LIMIT 1")
CLIENT=$(sql "SELECT client_id FROM tasks WHERE id=$TASK")
is "$(sql "SELECT type||'|'||route FROM tasks WHERE id=$TASK")" "feature_request|AI" "classified by the model: a feature request on the AI route"

# Profile: what the model read, checked against the message.
is "$(sql "SELECT group_concat(field||'='||proposed_value, ';') FROM (SELECT field, proposed_value FROM proposals
           WHERE kind='profile_edit' AND client_id=$CLIENT ORDER BY field)")" \
   "company=Acme Labs;email=dana@acme.example;name=Dana Scully" "the model's name, company and email are proposed"
is "$(sql "SELECT count(DISTINCT confidence) || '|' || max(confidence) FROM proposals WHERE kind='profile_edit'")" "1|0.85" \
   "with the model's confidence"
is "$(sql "SELECT count(*) FROM events WHERE event_type='llm_fallback'")" 0 "no fallback to the built-in ones"
is "$(sql "SELECT count(*) > 0 FROM usage WHERE purpose='profile' AND model='fake-model' AND client_id=$CLIENT")" 1 \
   "the profile call's tokens are recorded for the client"
got=$(requests email)
like "$got" "^[1-9]" "the model was asked for the client's details"
like "$got" '<message>\\n[^"]*Dana Scully from Acme Labs' "the message goes in the prompt's data section"

# PRD: the model's draft, committed by the AI worker, up for review.
PID=$(sql "SELECT id FROM proposals WHERE kind='prd_review'")
PATHP=$(sql "SELECT d.path FROM proposals p JOIN documents d ON d.id = p.document_id WHERE p.id=$PID")
DRAFT=$(git_repo show "HEAD:$PATHP")
like "$DRAFT" 'Drafted by the language model' "the PRD is the model's draft"
like "$DRAFT" '## Requirements' "in the PRD template's sections"
like "$DRAFT" 'Could you add a dark mode to the dashboard\?' "its requirements"
like "$DRAFT" 'Which users need it first\?' "and its open questions"
is "$(git_repo log --format='%an' -- "$PATHP")" "Switchboard AI worker" "committed by the AI worker"
like "$(git_repo log -1 --format=%B -- "$PATHP")" "AI worker \(openai\)" "the commit says the model wrote it"
is "$(sql "SELECT json_extract(details, '\$.provider') FROM events WHERE event_type='prd_drafted' AND task_id=$TASK")" openai \
   "prd_drafted names the provider"
is "$(sql "SELECT count(*) > 0 FROM usage WHERE purpose='prd' AND client_id=$CLIENT")" 1 "the PRD call's tokens are recorded"
like "$(requests overview)" '<client_data>' "the client's messages go in the prompt's data section"

# A revision asked by the reviewer: the model's rewrite, a new commit.
sb_user admin 'correct horse battery' --admin
is "$(sb_login admin 'correct horse battery')" 303 "admin signs in"
use_jar admin
csrf=$(csrf_of "/proposals/$PID")
r=$(http POST "/proposals/$PID/revise" --data-urlencode "_csrf=$csrf" \
    --data-urlencode "feedback=Mention that reports must stay printable in light mode.")
is "$(status_of "$r")" 303 "revision requested"
drain_until "SELECT count(*) FROM events WHERE event_type='prd_revised'" 1
REV=$(git_repo show "HEAD:$PATHP")
like "$REV" 'Revised by the language model: Mention that reports must stay printable' "the revision is the model's"
is "$(git_repo log --format=%H -- "$PATHP" | wc -l | tr -d ' ')" 2 "a second version"
is "$(sql "SELECT count(*) > 0 FROM usage WHERE purpose='prd' AND client_id=$CLIENT AND prompt_tokens > 0")" 1 "its tokens too"

# ---- answers that fail the checks -----------------------------------------------------
# Every completion answers prose instead of JSON for a while: classification,
# profile and PRD fall back to the built-in ones, and say so.
fake_control llm '{"mode":"malformed","count":1000}'
sms +14155550188 "This is Fox Mulder from Bureau Labs. Could you add an export to CSV? We must have it by Friday."
drain_until "SELECT count(*) FROM proposals WHERE kind='prd_review'" 2
drain_until "SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'dead', 'cancelled')" 0
fake_control llm '{"mode":"ok","count":0}'
T2=$(sql "SELECT id FROM tasks ORDER BY id DESC LIMIT 1")
C2=$(sql "SELECT client_id FROM tasks WHERE id=$T2")
is "$(sql "SELECT json_extract(details, '\$.provider') FROM events WHERE event_type='prd_drafted' AND task_id=$T2")" builtin \
   "an unusable PRD answer: the built-in template drafts it"
like "$(sql "SELECT json_extract(details, '\$.note') FROM events WHERE event_type='prd_drafted' AND task_id=$T2")" \
   "invalid LLM answer" "and the event says why"
P2=$(sql "SELECT d.path FROM proposals p JOIN documents d ON d.id = p.document_id WHERE p.kind='prd_review' AND p.task_id=$T2")
D2=$(git_repo show "HEAD:$P2")
unlike "$D2" 'language model' "the built-in draft"
like "$D2" 'export to CSV' "from the client's words"
is "$(sql "SELECT count(*) FROM events WHERE event_type='llm_fallback' AND client_id=$C2
           AND json_extract(details, '\$.purpose')='profile'")" 1 "an unusable profile answer: llm_fallback event"
vals=$(sql "SELECT group_concat(proposed_value, '|') FROM proposals WHERE kind='profile_edit' AND client_id=$C2")
unlike "$vals" 'Here is|type=' "nothing from the unusable answer is proposed"

# A message that names nobody: the model finds nothing, nothing is proposed.
sms +14155550199 "Hello, could you call me back about the invoice?"
drain_until "SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'dead', 'cancelled')" 0
C3=$(sql "SELECT id FROM clients WHERE phone='+14155550199'")
is "$(sql "SELECT count(*) FROM proposals WHERE kind='profile_edit' AND client_id=$C3")" 0 \
   "a message without a name, company or email: no profile proposal"

done_testing
