/*
 * test_sms.c - the SMS a draft is written from (lib/desk/desk_sms.c) and the
 * texts under templates/sms/: an urgent bug (an outage) gets an
 * acknowledgement that says what happens next and asks for nothing, other
 * urgent tasks an acknowledgement too, the rest the template of their
 * type; the LLM's draft prompt carries the same instruction.
 *
 * Pure: the templates are read from the source tree, no database.
 */
#include "desk/desk_sms.h"
#include "web/mustache.h"
#include "core/util.h"

#include "tap.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void test_choice(void)
{
	is_str(desk_sms_template("bug", "urgent", SMS_REPLY), "sms/bug_outage",
	       "an urgent bug's reply: the outage acknowledgement");
	is_str(desk_sms_template("bug", "urgent", SMS_FOLLOW_UP), "sms/bug_outage",
	       "an urgent bug's follow-up: the acknowledgement, not questions");
	is_str(desk_sms_template("bug", "medium", SMS_REPLY), "sms/bug", "a bug that is not urgent: sms/bug");
	is_str(desk_sms_template("bug", "low", SMS_FOLLOW_UP), "sms/bug_followup", "and its follow-up asks for details");
	is_str(desk_sms_template("question", "urgent", SMS_REPLY), "sms/urgent", "an urgent question: sms/urgent");
	is_str(desk_sms_template("question", "medium", SMS_REPLY), "sms/question", "a question: sms/question");
	is_str(desk_sms_template("feature_request", "low", SMS_REPLY), "sms/feature_request", "by type");
	is_str(desk_sms_template("nonsense", "low", SMS_REPLY), "sms/other", "an unknown type: sms/other");
	is_str(desk_sms_template(NULL, NULL, SMS_REPLY), "sms/other", "no task: sms/other");
	ok(desk_sms_outage("bug", "urgent") && !desk_sms_outage("question", "urgent") && !desk_sms_outage("bug", "medium"),
	   "an outage is an urgent bug");
	char w[32];
	desk_sms_within(60, w, sizeof w);
	is_str(w, "the hour", "60 minutes: within the hour");
	desk_sms_within(30, w, sizeof w);
	is_str(w, "30 minutes", "30 minutes");
	desk_sms_within(120, w, sizeof w);
	is_str(w, "2 hours", "120 minutes: 2 hours");
	desk_sms_within(0, w, sizeof w);
	is_str(w, "the hour", "no target: the hour");
}

static char *render(TplCache *tc, const char *name, json_t *d)
{
	Buf out = {0};
	char *err = NULL;
	int rc = tpl_render_name(tc, name, d, &out, &err);
	ok(rc == 0, "%s renders%s%s", name, err ? ": " : "", err ? err : "");
	free(err);
	return buf_detach(&out);
}

/* 1 when needle (lower case) occurs in s, ignoring case. */
static int has_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && tolower((unsigned char)s[i]) == needle[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

static int asks_for_details(const char *s)
{
	static const char *const asks[] = {"screenshot", "steps", "browser", "device", "could you send", "?", NULL};
	for (const char *const *a = asks; *a; a++)
		if (has_ci(s, *a))
			return 1;
	return 0;
}

static void test_texts(void)
{
	TplCache *tc = tpl_cache_dir("templates");
	json_t *d = json_pack("{s:s,s:{s:i,s:s,s:s,s:s},s:b,s:b,s:s,s:s}", "first_name", "Dana", "task", "id", 12,
			      "title", "Our site is down!!", "type", "bug", "urgency", "urgent", "urgent", 1, "outage", 1,
			      "update_within", "the hour", "missing", "a screenshot of what you see");
	char *s = render(tc, "sms/bug_outage", d);
	ok(strstr(s, "Hi Dana") && strstr(s, "#12"), "the acknowledgement greets the client and names the task");
	ok(strstr(s, "working on it right now") && strstr(s, "update within the hour"),
	   "it says someone is on it and when the client hears next");
	ok(!asks_for_details(s), "and asks for nothing (no steps, screenshot or question)");
	free(s);
	s = render(tc, "sms/urgent", d);
	ok(strstr(s, "within the hour") && !asks_for_details(s), "sms/urgent says when, asks nothing");
	free(s);
	s = render(tc, "sms/bug_followup", d);
	ok(strstr(s, "screenshot") != NULL, "the follow-up of a bug that is not urgent still asks what is missing");
	free(s);
	s = render(tc, "prompts/draft_system", d);
	ok(strstr(s, "outage") && strstr(s, "Do not ask for steps to reproduce, screenshots") &&
		   strstr(s, "within\nthe hour"),
	   "the LLM's draft prompt tells it to acknowledge an outage and ask nothing");
	free(s);
	json_object_set_new(d, "outage", json_false());
	json_object_set_new(d, "urgent", json_false());
	s = render(tc, "prompts/draft_system", d);
	ok(!strstr(s, "outage") && !strstr(s, "urgent"), "and says nothing of it for a task that is not urgent");
	free(s);
	s = render(tc, "prompts/draft_user", d);
	ok(strstr(s, "Urgency: urgent") != NULL, "the draft prompt's data carries the urgency");
	free(s);
	json_decref(d);
	tpl_cache_free(tc);
}

int main(void)
{
	test_choice();
	test_texts();
	return done_testing();
}
