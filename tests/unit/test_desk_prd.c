/*
 * test_desk_prd.c - the PRD content helpers: the builtin sections sorted
 * from the client's own sentences, the strict checks of an LLM's PRD and
 * revision answers, the builtin revision and the summary SMS.
 *
 * Pure: no database, no network.
 */
#include "desk/desk_prd.h"

#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const char *list(json_t *ctx, const char *key)
{
	static char out[2048];
	out[0] = '\0';
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(ctx, key), i, v) {
		size_t k = strlen(out);
		snprintf(out + k, sizeof out - k, "%s%s", i ? " | " : "", json_string_value(v));
	}
	return out;
}

static void test_builtin(void)
{
	json_t *ctx = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s}]}", "title", "Dark mode", "client_name", "Dana Scully",
				"company", "Acme", "summary", "Runs a shop.", "messages", "body",
				"Could you add a dark mode? It must work on phones. We need it before the launch. "
				"Does it cost extra?\nThanks");
	prd_builtin_sections(ctx);
	is_str(list(ctx, "requirements"), "Could you add a dark mode?", "a request is a requirement");
	is_str(list(ctx, "constraints"), "It must work on phones.", "a limit is a constraint");
	is_str(json_string_value(json_object_get(ctx, "timeline")), "The client said: We need it before the launch.",
	       "a date cue goes to the timeline");
	ok(strncmp(list(ctx, "open_questions"), "Does it cost extra? | ", 22) == 0, "the client's question is open");
	ok(strstr(json_string_value(json_object_get(ctx, "problem")), "> Could you add a dark mode?") != NULL,
	   "the problem quotes the client");
	ok(strstr(json_string_value(json_object_get(ctx, "overview")), "Runs a shop.") != NULL,
	   "the overview uses the summary");
	is_str(list(ctx, "stakeholders"), "Dana Scully (Acme) (requester) | The consultancy's reviewer (approves this PRD)",
	       "stakeholders");
	json_decref(ctx);
}

static void test_llm_checks(void)
{
	const char *good = "{\"overview\":\"o\",\"problem\":\"p\",\"timeline\":\"t\",\"requirements\":[\"r1\"],"
			   "\"non_goals\":[],\"constraints\":[],\"stakeholders\":[\"s\"],\"open_questions\":[]}";
	json_t *ctx = json_object();
	is_int(prd_check_llm(good, ctx), 0, "a complete answer is kept");
	is_str(list(ctx, "requirements"), "r1", "its sections are copied");
	json_decref(ctx);
	ctx = json_object();
	is_int(prd_check_llm("{\"overview\":\"o\"}", ctx), -1, "missing sections refuse the answer");
	is_int(prd_check_llm("{\"overview\":\"o\",\"problem\":\"p\",\"timeline\":\"t\",\"requirements\":[\"a\\nb\"],"
			     "\"non_goals\":[],\"constraints\":[],\"stakeholders\":[],\"open_questions\":[]}", ctx),
	       -1, "a list item over several lines is refused");
	is_int(prd_check_llm("{\"overview\":\"o\",\"problem\":\"p\",\"timeline\":\"t\",\"requirements\":[1],"
			     "\"non_goals\":[],\"constraints\":[],\"stakeholders\":[],\"open_questions\":[]}", ctx),
	       -1, "a non-string item is refused");
	is_int(prd_check_llm("not json", ctx), -1, "malformed is refused");
	is_int((int)json_object_size(ctx), 0, "a refused answer leaves the data alone");
	json_decref(ctx);

	char *md = prd_check_revision("{\"prd\":\"# T\\n\\n## Requirements\\n\\n- a\\n\"}");
	ok(md && strncmp(md, "# T", 3) == 0, "a revision with title and requirements is kept");
	free(md);
	ok(!prd_check_revision("{\"prd\":\"Sure, here it is\"}"), "a revision without a title is refused");
	ok(!prd_check_revision("{\"prd\":\"# T\\n\\nno sections\"}"), "a revision without requirements is refused");
	ok(!prd_check_revision("{\"prd\":\"# T\\n## Requirements\",\"x\":1}"), "extra keys are refused");
}

static void test_revise_and_sms(void)
{
	char *r1 = prd_revise_builtin("# T\n\n## Requirements\n\n- a\n\n", "Add b.\nAnd c.", "ada", "2026-03-01");
	is_str(r1, "# T\n\n## Requirements\n\n- a\n\n## Review notes\n\n- 2026-03-01, ada asked: Add b. And c.\n",
	       "the first revision adds Review notes");
	char *r2 = prd_revise_builtin(r1, "More.", "bob", "2026-03-02");
	ok(strstr(r2, "asked: Add b. And c.\n- 2026-03-02, bob asked: More.\n") != NULL &&
		   strstr(strstr(r2, "## Review notes") + 1, "## Review notes") == NULL,
	   "later ones add to the same section");
	free(r1);
	free(r2);
	char *sms = prd_sms_summary("# Dark mode\n\n## Requirements\n\n- a\n- b\n\n## Non-goals\n\n- c\n", "Dana");
	is_str(sms, "Hi Dana, we wrote up your request as a short spec: \"Dark mode\". It lists 2 requirements. "
		    "We are reviewing it now; reply here if anything is missing.", "the summary SMS");
	free(sms);
	sms = prd_sms_summary("# X\n", "");
	ok(strncmp(sms, "Hi, we wrote", 12) == 0, "without a name");
	free(sms);
}

int main(void)
{
	test_builtin();
	test_llm_checks();
	test_revise_and_sms();
	return done_testing();
}
