/*
 * desk_prd.c - PRD content for the feature-request flow (see desk_prd.h).
 * The builtin draft uses only the client's own words, sorted into the
 * template's sections by plain cues; it never invents requirements.  No
 * database writes and no network here.
 */
#include "desk/desk_prd.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

json_t *prd_context(Store *s, int64_t task_id)
{
	Rows *r = store_query(s,
		"SELECT t.title, c.name, coalesce(c.company, ''), c.summary, c.id FROM tasks t "
		"JOIN clients c ON c.id = t.client_id WHERE t.id = :id", SQL_INT(":id", task_id), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		return NULL;
	}
	const char *name = *rows_text(r, 1) ? rows_text(r, 1) : "The client";
	char date[21];
	fmt_iso8601(date, time(NULL));
	date[10] = '\0';
	json_t *d = json_pack("{s:s,s:s,s:s%,s:s,s:I,s:I,s:s,s:s,s:s}", "title", rows_text(r, 0), "client_name", name,
			      "first_name", name, strcspn(name, " "), "summary", rows_text(r, 3), "task_id",
			      (json_int_t)task_id, "client_id", (json_int_t)rows_int(r, 4), "status", "Draft",
			      "author", "Switchboard AI", "date", date);
	if (*rows_text(r, 2))
		json_object_set_new(d, "company", json_string(rows_text(r, 2)));
	rows_done(r);
	json_t *msgs = json_array();
	r = store_query(s, "SELECT body FROM messages WHERE task_id = :t AND direction = 'in' ORDER BY id LIMIT 20",
			SQL_INT(":t", task_id), SQL_END);
	while (rows_next(r))
		json_array_append_new(msgs, json_pack("{s:s}", "body", rows_text(r, 0)));
	rows_done(r);
	json_object_set_new(d, "messages", msgs);
	return d;
}

/* ---- builtin draft ------------------------------------------------------ */

/* Case-insensitive: does s contain any of cues? */
static int has_cue(const char *s, const char *const *cues)
{
	for (const char *const *c = cues; *c; c++) {
		size_t n = strlen(*c);
		for (const char *p = s; *p; p++)
			if (strncasecmp(p, *c, n) == 0)
				return 1;
	}
	return 0;
}

/* Append the sentences of text to out (a JSON array of strings): split
 * after . ! ? and at line ends, trimmed, empty ones dropped. */
static void sentences(const char *text, json_t *out)
{
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		const char *start = p;
		while (*p && *p != '\n' && *p != '\r' && !((*p == '.' || *p == '!' || *p == '?') &&
							  (p[1] == ' ' || p[1] == '\n' || p[1] == '\0' || p[1] == '\r')))
			p++;
		const char *end = *p && *p != '\n' && *p != '\r' ? p + 1 : p;
		if (*p)
			p++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > start)
			json_array_append_new(out, json_stringn(start, (size_t)(end - start)));
	}
}

void prd_builtin_sections(json_t *ctx)
{
	static const char *const asks[] = {"need", "want", "should", "must", "would like", "could you", "can you",
					   "please", "add ", "allow", "let ", "support", NULL};
	static const char *const limits[] = {"budget", "only ", "must work", "compatible", "without", "cannot",
					     "can't", "no more than", "at most", "limit", NULL};
	static const char *const times[] = {"deadline", "by ", "before", "until", "next week", "next month",
					    "tomorrow", "asap", "launch", "this week", "this month", NULL};
	json_t *all = json_array(), *req = json_array(), *con = json_array(), *qs = json_array();
	Buf problem = {0}, timeline = {0};
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(ctx, "messages"), i, m) {
		const char *body = json_string_value(json_object_get(m, "body"));
		/* The client's words, quoted line by line. */
		buf_puts(&problem, problem.len ? "\n>\n> " : "In the client's words:\n\n> ");
		for (const char *p = body; *p; p++) {
			if (*p == '\n')
				buf_puts(&problem, "\n> ");
			else if (*p != '\r')
				buf_putc(&problem, *p);
		}
		sentences(body, all);
	}
	json_t *sv;
	json_array_foreach(all, i, sv) {
		const char *t = json_string_value(sv);
		if (t[strlen(t) - 1] == '?' && !has_cue(t, asks))
			json_array_append(qs, sv);
		else if (has_cue(t, times))
			buf_printf(&timeline, "%s%s", timeline.len ? " " : "The client said: ", t);
		else if (has_cue(t, limits))
			json_array_append(con, sv);
		else if (has_cue(t, asks))
			json_array_append(req, sv);
	}
	const char *name = json_string_value(json_object_get(ctx, "client_name"));
	const char *title = json_string_value(json_object_get(ctx, "title"));
	const char *summary = json_string_value(json_object_get(ctx, "summary"));
	Buf ov = {0};
	buf_printf(&ov, "%s asked for: %s.", name, title);
	if (summary && *summary)
		buf_printf(&ov, " Context from the client's summary: %s", summary);
	json_object_set_new(ctx, "overview", json_string(buf_cstr(&ov)));
	buf_free(&ov);
	if (problem.len)
		json_object_set_new(ctx, "problem", json_string(buf_cstr(&problem)));
	if (timeline.len)
		json_object_set_new(ctx, "timeline", json_string(buf_cstr(&timeline)));
	buf_free(&problem);
	buf_free(&timeline);
	if (json_array_size(req))
		json_object_set(ctx, "requirements", req);
	if (json_array_size(con))
		json_object_set(ctx, "constraints", con);
	const char *company = json_string_value(json_object_get(ctx, "company"));
	char who[300];
	snprintf(who, sizeof who, "%s%s%s%s (requester)", name, company ? " (" : "", company ? company : "",
		 company ? ")" : "");
	json_object_set_new(ctx, "stakeholders", json_pack("[s,s]", who, "The consultancy's reviewer (approves this PRD)"));
	json_array_append_new(qs, json_string("Who will use this, and how often?"));
	json_array_append_new(qs, json_string("How will the client know it works: what does done look like?"));
	json_object_set(ctx, "open_questions", qs);
	json_decref(all);
	json_decref(req);
	json_decref(con);
	json_decref(qs);
}

/* ---- LLM answers ---------------------------------------------------------- */

const char prd_llm_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"overview\":{\"type\":\"string\"},\"problem\":{\"type\":\"string\"},\"timeline\":{\"type\":\"string\"},"
	"\"requirements\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	"\"non_goals\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	"\"constraints\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	"\"stakeholders\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	"\"open_questions\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
	"\"required\":[\"overview\",\"problem\",\"timeline\",\"requirements\",\"non_goals\",\"constraints\","
	"\"stakeholders\",\"open_questions\"],\"additionalProperties\":false}";

static int plain_text(const char *s, size_t max, int one_line)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(*p == '\n' && !one_line)) || *p == 0x7f)
			return 0;
	return 1;
}

int prd_check_llm(const char *answer, json_t *ctx)
{
	static const char *const prose[] = {"overview", "problem", "timeline", NULL};
	static const char *const lists[] = {"requirements", "non_goals", "constraints", "stakeholders",
					    "open_questions", NULL};
	json_t *v = answer ? json_loads(answer, JSON_REJECT_DUPLICATES, NULL) : NULL;
	int ok = json_is_object(v) && json_object_size(v) == 8;
	for (const char *const *f = prose; ok && *f; f++) {
		const char *t = json_string_value(json_object_get(v, *f));
		ok = t && plain_text(t, 2000, 0);
	}
	for (const char *const *f = lists; ok && *f; f++) {
		json_t *a = json_object_get(v, *f), *it;
		size_t i;
		ok = json_is_array(a) && json_array_size(a) <= 12;
		json_array_foreach(a, i, it) {
			if (!ok)
				break;
			ok = json_is_string(it) && plain_text(json_string_value(it), 300, 1);
		}
	}
	if (ok)
		json_object_update(ctx, v);
	json_decref(v);
	return ok ? 0 : -1;
}

const char prd_revise_schema[] =
	"{\"type\":\"object\",\"properties\":{\"prd\":{\"type\":\"string\"}},"
	"\"required\":[\"prd\"],\"additionalProperties\":false}";

char *prd_check_revision(const char *answer)
{
	json_t *v = answer ? json_loads(answer, JSON_REJECT_DUPLICATES, NULL) : NULL;
	const char *md = json_string_value(json_object_get(v, "prd"));
	char *out = NULL;
	if (json_is_object(v) && json_object_size(v) == 1 && md && strlen(md) <= PRD_MAX && strncmp(md, "# ", 2) == 0 &&
	    strstr(md, "\n## Requirements") && plain_text(md, PRD_MAX, 0)) {
		out = xstrdup(md);
	}
	json_decref(v);
	return out;
}

char *prd_revise_builtin(const char *markdown, const char *feedback, const char *who, const char *date)
{
	Buf b = {0};
	size_t n = strlen(markdown);
	while (n > 0 && (markdown[n - 1] == '\n' || markdown[n - 1] == ' '))
		n--;
	buf_append(&b, markdown, n);
	if (!strstr(markdown, "\n## Review notes"))
		buf_puts(&b, "\n\n## Review notes\n");
	buf_printf(&b, "\n- %s, %s asked: ", date, who);
	/* The feedback on one list item: line breaks become spaces. */
	for (const char *p = feedback; *p; p++)
		if (*p != '\r')
			buf_putc(&b, *p == '\n' ? ' ' : *p);
	buf_putc(&b, '\n');
	return buf_detach(&b);
}

char *prd_sms_summary(const char *markdown, const char *first_name)
{
	char title[160] = "";
	if (strncmp(markdown, "# ", 2) == 0) {
		size_t n = strcspn(markdown + 2, "\n");
		snprintf(title, sizeof title, "%.*s", (int)(n < 150 ? n : 150), markdown + 2);
	}
	/* The requirements listed: "- " items under "## Requirements". */
	int reqs = 0;
	const char *r = strstr(markdown, "\n## Requirements\n");
	if (r) {
		r += strlen("\n## Requirements\n");
		const char *end = strstr(r, "\n## ");
		for (const char *p = r; p && *p && (!end || p < end); p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			reqs += strncmp(p, "- ", 2) == 0;
	}
	Buf b = {0};
	buf_printf(&b, "Hi%s%s, we wrote up your request as a short spec: \"%s\".", *first_name ? " " : "", first_name,
		   title);
	if (reqs)
		buf_printf(&b, " It lists %d requirement%s.", reqs, reqs == 1 ? "" : "s");
	buf_puts(&b, " We are reviewing it now; reply here if anything is missing.");
	char *s = buf_detach(&b);
	if (strlen(s) > 320) {
		size_t cut = 317;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		strcpy(s + cut, "...");
	}
	return s;
}
