/*
 * worker.c - job handlers (see worker.h).
 *
 * Shape of every handler: read what it needs, call the outside service
 * (if any) outside a transaction, then in one transaction write the
 * results, the events and job_complete.  If job_complete fails the lease
 * was lost to another worker and everything is rolled back.
 *
 * Sending is the delicate one.  Before calling Twilio the message is moved
 * to `submitting` in its own commit.  A later attempt that finds a message
 * still `submitting` (the worker died, or the call timed out after the
 * request was written) first asks Twilio whether the message exists and
 * adopts it, so a message is never sent twice.  The lookup is by recipient
 * and text, which other messages may share: an SMS whose SID is already
 * recorded is never adopted, and the job completes only in the same commit
 * that records the message's SID and status.  GitHub issues and
 * comments (github_issue, github_comment) follow the same pattern with a
 * marker in the body that a later attempt searches for.
 */
#include "desk/worker.h"
#include "ai/classify.h"
#include "core/config.h"
#include "desk/desk.h"
#include "desk/desk_prd.h"
#include "desk/desk_sms.h"
#include "desk/documents.h"
#include "providers/github.h"
#include "desk/jobs.h"
#include "ai/llm.h"
#include "desk/owners.h"
#include "ai/profile_extract.h"
#include "desk/proposals.h"
#include "providers/twilio.h"
#include "providers/twilio_list.h"
#include "core/util.h"
#include "core/version.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

typedef enum { JOB_DONE, JOB_RETRY, JOB_DEAD, JOB_LOST } JobOutcome;

typedef struct {
	char *error;          /* malloc'd, for RETRY/DEAD */
	int64_t retry_after_ms;
} JobResult;

void worker_init(Worker *w, Store *s, TplCache *tpl)
{
	memset(w, 0, sizeof *w);
	w->store = s;
	w->tpl = tpl;
	char host[48] = "localhost";
	gethostname(host, sizeof host - 1);
	snprintf(w->id, sizeof w->id, "%s:%d", host, (int)getpid());
	w->lease_seconds = (int)config_int("JOB_LEASE_SECONDS");
}

void worker_heartbeat(Worker *w)
{
	char v[128];
	snprintf(v, sizeof v, "{\"worker\":\"%s\",\"at\":%lld,\"done\":%ld,\"failed\":%ld}", w->id,
		 (long long)now_ms(), w->jobs_done, w->jobs_failed);
	store_exec(w->store,
		   "INSERT INTO settings (name, value, updated_at) VALUES ('worker_heartbeat', :v, :now) "
		   "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		   SQL_TEXT(":v", v), SQL_INT(":now", now_ms()), SQL_END);
}

static char *json_text(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(v);
	return s;
}

/* Commit the handler's transaction with the job's completion. */
static JobOutcome finish(Worker *w, const Job *job)
{
	if (job_complete(w->store, job) != 0) {
		store_rollback(w->store);
		return JOB_LOST;
	}
	if (store_commit(w->store) != 0)
		return JOB_LOST;
	return JOB_DONE;
}

static JobOutcome retry(JobResult *r, int64_t after_ms, const char *fmt, ...) SB_PRINTF(3, 4);
static JobOutcome retry(JobResult *r, int64_t after_ms, const char *fmt, ...)
{
	Buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r->error = buf_detach(&b);
	r->retry_after_ms = after_ms;
	return JOB_RETRY;
}

static void record_usage(Store *s, int64_t client, const char *purpose, const LlmUsage *u)
{
	if (u->calls == 0)
		return;
	store_exec(s,
		"INSERT INTO usage (client_id, purpose, provider, model, prompt_tokens, completion_tokens, created_at) "
		"VALUES (:c, :p, 'openai', :m, :pt, :ct, :now)",
		client > 0 ? SQL_INT(":c", client) : SQL_NULL(":c"), SQL_TEXT(":p", purpose),
		SQL_TEXT(":m", config_get("LLM_MODEL")), SQL_INT(":pt", u->prompt_tokens),
		SQL_INT(":ct", u->completion_tokens), SQL_INT(":now", now_ms()), SQL_END);
}

/* ---- classify {message_id} ---- */
static JobOutcome run_classify(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t mid = json_integer_value(json_object_get(job->payload, "message_id"));
	char *text = store_text(s, "SELECT body FROM messages WHERE id = :id", SQL_INT(":id", mid), SQL_END);
	if (!text) {
		res->error = xasprintf("message %lld does not exist", (long long)mid);
		return JOB_DEAD;
	}
	ClassifyResult cr;
	LlmUsage usage = {0};
	int64_t after = 0;
	char *err = NULL;
	ClassifyStatus st = classify_text(w->tpl, text, job->attempts, &cr, &usage, &after, &err);
	free(text);
	if (st == CLASSIFY_RETRY) {
		if (store_begin(s) == 0) {
			record_usage(s, job->client_id, "classify", &usage);
			store_commit(s);
		}
		res->error = err;
		res->retry_after_ms = after;
		return JOB_RETRY;
	}
	if (store_begin(s) != 0)
		return retry(res, 0, "database busy: %s", store_errmsg(s));
	record_usage(s, job->client_id, "classify", &usage);
	if (desk_apply_classification(s, mid, &cr) < 0) {
		store_rollback(s);
		return retry(res, 0, "could not apply classification: %s", store_errmsg(s));
	}
	return finish(w, job);
}

/* ---- draft {task_id, message_id, auto_send} ---- */

/* Render a template to a malloc'd string, NULL on failure (logged). */
static char *render(Worker *w, const char *name, json_t *data)
{
	Buf b = {0};
	char *err = NULL;
	if (tpl_render_name(w->tpl, name, data, &b, &err) != 0) {
		fprintf(stderr, "switchboard: template %s: %s\n", name, err ? err : "?");
		free(err);
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Trim surrounding white space in place. */
static void trim(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* The context a draft or summary may use: this client's own data only. */
static json_t *client_context(Store *s, int64_t client, int64_t task)
{
	json_t *d = json_object();
	sqlite3_stmt *st = store_stmt(s, "SELECT name, phone, company, summary FROM clients WHERE id = :id",
				      SQL_INT(":id", client), SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_object_set_new(d, "name", json_string(col_text(st, 0)));
		json_object_set_new(d, "first_name", json_stringn(col_text(st, 0), strcspn(col_text(st, 0), " ")));
		json_object_set_new(d, "phone", json_string(col_text(st, 1)));
		json_object_set_new(d, "company", json_string(col_text(st, 2)));
		json_object_set_new(d, "summary", json_string(col_text(st, 3)));
	}
	store_done(st);
	if (task > 0) {
		st = store_stmt(s, "SELECT id, title, type, urgency FROM tasks WHERE id = :id", SQL_INT(":id", task),
				SQL_END);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object_set_new(d, "task",
					    json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
						      "title", col_text(st, 1), "type", col_text(st, 2), "urgency",
						      col_text(st, 3)));
			/* What the draft must fit: the templates and prompts
			 * acknowledge urgent tasks and outages, asking nothing. */
			json_object_set_new(d, "urgent", json_boolean(desk_sms_urgent(col_text(st, 3))));
			json_object_set_new(d, "outage", json_boolean(desk_sms_outage(col_text(st, 2), col_text(st, 3))));
		}
		store_done(st);
	}
	char within[32];
	desk_sms_within(config_int("SLA_URGENT_MINUTES"), within, sizeof within);
	json_object_set_new(d, "update_within", json_string(within));
	json_t *msgs = json_array();
	st = store_stmt(s,
		"SELECT direction, body, created_at FROM (SELECT id, direction, body, created_at FROM messages "
		" WHERE client_id = :c AND status NOT IN ('rejected', 'superseded') ORDER BY id DESC LIMIT 10) ORDER BY id",
		SQL_INT(":c", client), SQL_END);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(msgs, json_pack("{s:s,s:s,s:b}", "direction", col_text(st, 0), "body",
						      col_text(st, 1), "inbound",
						      strcmp(col_text(st, 0), "in") == 0));
	store_done(st);
	json_object_set_new(d, "messages", msgs);
	return d;
}

static const char draft_schema[] =
	"{\"type\":\"object\",\"properties\":{\"reply\":{\"type\":\"string\"}},"
	"\"required\":[\"reply\"],\"additionalProperties\":false}";

static void fill_llm(LlmConf *lc, int max_tokens)
{
	memset(lc, 0, sizeof *lc);
	lc->base_url = config_get("LLM_BASE_URL");
	lc->api_key = config_get("LLM_API_KEY");
	lc->model = config_get("LLM_MODEL");
	lc->max_tokens = max_tokens;
	lc->timeout_ms = config_int("LLM_TIMEOUT_MS");
}

/* Ask the LLM for a JSON object (schema).  Returns the malloc'd answer
 * text, NULL when there is none (fall back; *why says why), and sets
 * *retry when the provider asked us to come back later. */
static char *llm_json(Worker *w, const char *sys_tpl, const char *user_tpl, json_t *data, const char *schema,
		      int max_tokens, LlmUsage *u, int *retry, int64_t *after, char **why)
{
	*retry = 0;
	LlmConf lc;
	fill_llm(&lc, max_tokens);
	char *sys = render(w, sys_tpl, data), *user = render(w, user_tpl, data);
	char *out = NULL;
	if (sys && user) {
		LlmResult r;
		memset(&r, 0, sizeof r);
		llm_chat(&lc, sys, user, schema, NULL, &r);
		u->calls++;
		if (r.prompt_tokens > 0)
			u->prompt_tokens += r.prompt_tokens;
		if (r.completion_tokens > 0)
			u->completion_tokens += r.completion_tokens;
		if (r.kind == LLM_RETRY) {
			*retry = 1;
			*after = r.retry_after > 0 ? (int64_t)r.retry_after * 1000 : 0;
			*why = xasprintf("LLM unavailable: %s", r.error);
		} else if (r.kind == LLM_OK && r.content) {
			out = r.content;
			r.content = NULL;
		} else {
			*why = xasprintf("LLM error: %s", r.error);
		}
		llm_result_free(&r);
	}
	free(sys);
	free(user);
	return out;
}

/* Ask the LLM for a JSON object with one string field.  Returns the
 * malloc'd value, NULL when the answer is unusable (fall back), and sets
 * *retry when the provider asked us to come back later. */
static char *llm_field(Worker *w, const char *sys_tpl, const char *user_tpl, json_t *data, const char *schema,
		       const char *field, size_t maxlen, LlmUsage *u, int *retry, int64_t *after, char **why)
{
	char *answer = llm_json(w, sys_tpl, user_tpl, data, schema, 400, u, retry, after, why);
	if (!answer)
		return NULL;
	char *out = NULL;
	json_t *v = json_loads(answer, 0, NULL);
	const char *text = json_string_value(json_object_get(v, field));
	if (text && *text && strlen(text) <= maxlen) {
		out = xstrdup(text);
		trim(out);
	} else {
		*why = xasprintf("invalid LLM answer for %s", field);
	}
	json_decref(v);
	free(answer);
	return out;
}

static JobOutcome run_draft(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t task = json_integer_value(json_object_get(job->payload, "task_id"));
	int auto_send = json_is_true(json_object_get(job->payload, "auto_send"));
	int64_t client = store_int(s, 0, "SELECT client_id FROM tasks WHERE id = :id", SQL_INT(":id", task), SQL_END);
	if (client <= 0) {
		res->error = xasprintf("task %lld does not exist", (long long)task);
		return JOB_DEAD;
	}
	json_t *ctx = client_context(s, client, task);
	const char *type = json_string_value(json_object_get(json_object_get(ctx, "task"), "type"));
	const char *urgency = json_string_value(json_object_get(json_object_get(ctx, "task"), "urgency"));
	const char *tpl = desk_sms_template(type, urgency, SMS_REPLY);
	char *body = NULL, *why = NULL;
	LlmUsage usage = {0};
	if (classify_uses_llm()) {
		int again = 0;
		int64_t after = 0;
		body = llm_field(w, "prompts/draft_system", "prompts/draft_user", ctx, draft_schema, "reply", 1600,
				 &usage, &again, &after, &why);
		if (again && job->attempts < 3) {
			json_decref(ctx);
			res->error = why;
			res->retry_after_ms = after;
			if (store_begin(s) == 0) {
				record_usage(s, client, "draft", &usage);
				store_commit(s);
			}
			return JOB_RETRY;
		}
	}
	if (!body) {
		body = render(w, tpl, ctx);
		if (body)
			trim(body);
	}
	json_decref(ctx);
	if (!body || !*body) {
		free(body);
		free(why);
		return retry(res, 0, "no draft could be produced (template %s missing?)", tpl);
	}
	if (store_begin(s) != 0) {
		free(body);
		free(why);
		return retry(res, 0, "database busy");
	}
	record_usage(s, client, "draft", &usage);
	int64_t mid = desk_outbound(s, client, task, body, "worker", 1, !auto_send);
	free(body);
	if (mid < 0) {
		store_rollback(s);
		free(why);
		return retry(res, 0, "could not store the draft: %s", store_errmsg(s));
	}
	if (why) {
		char *d = json_text(json_pack("{s:s}", "note", why));
		store_event(s, "llm_fallback", client, task, mid, "worker", d);
		free(d);
		free(why);
	}
	return finish(w, job);
}

/* ---- summary {client_id} ---- */

static char *builtin_summary(Store *s, int64_t client)
{
	Buf b = {0};
	int64_t open = store_int(s, 0, "SELECT count(*) FROM tasks WHERE client_id = :c AND status != 'closed'",
				 SQL_INT(":c", client), SQL_END);
	buf_printf(&b, "%lld open task%s", (long long)open, open == 1 ? "" : "s");
	sqlite3_stmt *st = store_stmt(s,
		"SELECT id, type, urgency, title FROM tasks WHERE client_id = :c AND status != 'closed' "
		"ORDER BY CASE urgency WHEN 'urgent' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, updated_at DESC LIMIT 5",
		SQL_INT(":c", client), SQL_END);
	int first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_printf(&b, "%s#%lld %s (%s): %s", first ? ": " : "; ", (long long)sqlite3_column_int64(st, 0),
			   col_text(st, 1), col_text(st, 2), col_text(st, 3));
		first = 0;
	}
	store_done(st);
	buf_puts(&b, ".");
	st = store_stmt(s,
		"SELECT direction, created_at FROM messages WHERE client_id = :c AND status != 'draft' "
		"AND status NOT IN ('rejected', 'superseded') ORDER BY id DESC LIMIT 1",
		SQL_INT(":c", client), SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char when[21];
		fmt_iso8601(when, sqlite3_column_int64(st, 1) / 1000);
		buf_printf(&b, " Last contact %s (%s).", when,
			   strcmp(col_text(st, 0), "in") == 0 ? "from the client" : "from us");
	}
	store_done(st);
	int64_t closed = store_int(s, 0, "SELECT count(*) FROM tasks WHERE client_id = :c AND status = 'closed'",
				   SQL_INT(":c", client), SQL_END);
	if (closed)
		buf_printf(&b, " %lld closed task%s.", (long long)closed, closed == 1 ? "" : "s");
	return buf_detach(&b);
}

static const char summary_schema[] =
	"{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"}},"
	"\"required\":[\"summary\"],\"additionalProperties\":false}";

#define SUMMARY_MAX 1000

static JobOutcome run_summary(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t client = json_integer_value(json_object_get(job->payload, "client_id"));
	char *summary = NULL, *why = NULL;
	LlmUsage usage = {0};
	if (classify_uses_llm()) {
		json_t *ctx = client_context(s, client, 0);
		int again = 0;
		int64_t after = 0;
		summary = llm_field(w, "prompts/summary_system", "prompts/summary_user", ctx, summary_schema,
				    "summary", 4000, &usage, &again, &after, &why);
		json_decref(ctx);
		if (again && job->attempts < 3) {
			res->error = why;
			res->retry_after_ms = after;
			return JOB_RETRY;
		}
	}
	if (!summary)
		summary = builtin_summary(s, client);
	if (strlen(summary) > SUMMARY_MAX) {
		size_t cut = SUMMARY_MAX;
		while (cut > 0 && ((unsigned char)summary[cut] & 0xC0) == 0x80)
			cut--;
		summary[cut] = '\0';
	}
	if (store_begin(s) != 0) {
		free(summary);
		free(why);
		return retry(res, 0, "database busy");
	}
	record_usage(s, client, "summary", &usage);
	char *old = store_text(s, "SELECT summary FROM clients WHERE id = :id", SQL_INT(":id", client), SQL_END);
	if (old && strcmp(old, summary) != 0) {
		store_exec(s, "UPDATE clients SET summary = :s, summary_updated_at = :now, updated_at = :now WHERE id = :id",
			   SQL_TEXT(":s", summary), SQL_INT(":now", now_ms()), SQL_INT(":id", client), SQL_END);
		json_t *d = json_pack("{s:i,s:s}", "length", (int)strlen(summary), "provider",
				      usage.calls && !why ? "openai" : "builtin");
		if (why)
			json_object_set_new(d, "note", json_string(why));
		char *dt = json_text(d);
		store_event(s, "summary_updated", client, job->task_id, 0, "worker", dt);
		free(dt);
	}
	free(old);
	free(summary);
	free(why);
	return finish(w, job);
}

/* ---- profile {message_id} ----
 *
 * Client facts (name, company, email) read from one inbound message
 * become profile_edit proposals, one per field, grouped by the batch
 * "message-ID".  A value equal to the client's current one, or proposed
 * before for that field (whatever became of it), is not proposed. */

#define PROFILE_SOURCE_MAX 500

static JobOutcome run_profile(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t mid = json_integer_value(json_object_get(job->payload, "message_id"));
	sqlite3_stmt *st = store_stmt(s,
		"SELECT m.body, m.client_id, coalesce(m.task_id, 0), c.name, coalesce(c.company, ''), coalesce(c.email, '') "
		"FROM messages m JOIN clients c ON c.id = m.client_id WHERE m.id = :id AND m.direction = 'in'",
		SQL_INT(":id", mid), SQL_END);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		res->error = xasprintf("inbound message %lld does not exist", (long long)mid);
		return JOB_DEAD;
	}
	char *text = xstrdup(col_text(st, 0));
	int64_t client = sqlite3_column_int64(st, 1), task = sqlite3_column_int64(st, 2);
	char *current[3] = {xstrdup(col_text(st, 3)), xstrdup(col_text(st, 4)), xstrdup(col_text(st, 5))};
	store_done(st);
	ProfileFact facts[PROFILE_FACTS_MAX];
	int n = -1;
	char *why = NULL;
	LlmUsage usage = {0};
	JobOutcome out;
	if (classify_uses_llm()) {
		json_t *ctx = json_pack("{s:s}", "text", text);
		int again = 0;
		int64_t after = 0;
		char *answer = llm_json(w, "prompts/profile_system", "prompts/profile_user", ctx, profile_llm_schema, 200,
					&usage, &again, &after, &why);
		json_decref(ctx);
		if (again && job->attempts < 3) {
			free(answer);
			out = retry(res, after, "%s", why);
			free(why);
			why = NULL;
			goto done;
		}
		if (answer) {
			n = profile_extract_check_llm(answer, text, facts);
			if (n < 0)
				why = xasprintf("invalid LLM answer for the client's details");
		}
		free(answer);
	}
	if (n < 0)
		n = profile_extract_builtin(text, facts);
	if (store_begin(s) != 0) {
		out = retry(res, 0, "database busy");
		goto done;
	}
	record_usage(s, client, "profile", &usage);
	char batch[40], source[PROFILE_SOURCE_MAX + 1];
	snprintf(batch, sizeof batch, "message-%lld", (long long)mid);
	size_t cut = strlen(text) > PROFILE_SOURCE_MAX ? PROFILE_SOURCE_MAX : strlen(text);
	while (cut > 0 && cut < strlen(text) && ((unsigned char)text[cut] & 0xC0) == 0x80)
		cut--;
	snprintf(source, sizeof source, "%.*s", (int)cut, text);
	for (int i = 0; i < n; i++) {
		int f = strcmp(facts[i].field, "name") == 0 ? 0 : strcmp(facts[i].field, "company") == 0 ? 1 : 2;
		int same = f == 2 ? strcasecmp(current[f], facts[i].value) == 0 : strcmp(current[f], facts[i].value) == 0;
		if (same)
			continue;
		ProposalNew p = {.kind = "profile_edit", .client_id = client, .task_id = task, .message_id = mid,
				 .batch_id = batch, .field = facts[i].field,
				 .previous_value = *current[f] ? current[f] : NULL, .proposed_value = facts[i].value,
				 .source_text = source, .confidence = facts[i].confidence, .actor = "worker"};
		if (proposal_add(s, &p) < 0) {
			store_rollback(s);
			out = retry(res, 0, "could not store a profile proposal: %s", store_errmsg(s));
			goto done;
		}
	}
	if (why) {
		char *d = json_text(json_pack("{s:s,s:s}", "purpose", "profile", "note", why));
		store_event(s, "llm_fallback", client, task, mid, "worker", d);
		free(d);
	}
	out = finish(w, job);
done:
	free(why);
	free(text);
	for (int i = 0; i < 3; i++)
		free(current[i]);
	return out;
}

/* ---- prd {task_id} and prd_revise {proposal_id, feedback, by} ----
 *
 * A feature request on the AI route gets a PRD: drafted by the LLM (its
 * sections checked strictly) or filled from the client's messages
 * (builtin), rendered through docs/prd, committed to the artifact
 * repository as the task's prd.md by the AI worker, and put up for review
 * as a prd_review proposal.  A revision asked by a reviewer is a new
 * commit of the same document.  The commit happens before the proposal's
 * transaction; a retry after a lost lease finds the same bytes committed
 * (no new version) and only writes what is missing. */

/* Commit a PRD version (u: content, place and message) as the AI worker,
 * then begin the transaction that records it, with the LLM usage noted.
 * 0 with *doc and *commit (the document's current commit, malloc'd), or
 * -1 with *out set (retry later). */
static int prd_commit(Worker *w, DocUpload *u, int64_t client, const LlmUsage *usage, JobResult *res,
		      JobOutcome *out, int64_t *doc, char **commit)
{
	DocAuthor author;
	doc_author(&author, "worker", NULL, NULL);
	u->actor = "worker";
	u->author = &author;
	u->via = "worker";
	DocResult dr;
	DocError de;
	if (doc_upload(w->store, NULL, u, &dr, &de) != 0) {
		*out = retry(res, 0, "the PRD could not be committed: %s", de.message);
		return -1;
	}
	if (store_begin(w->store) != 0) {
		*out = retry(res, 0, "database busy");
		return -1;
	}
	record_usage(w->store, client, "prd", usage);
	*doc = dr.id;
	*commit = store_text(w->store, "SELECT current_commit FROM documents WHERE id = :id", SQL_INT(":id", dr.id),
			     SQL_END);
	return 0;
}

static JobOutcome run_prd(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t task = json_integer_value(json_object_get(job->payload, "task_id"));
	if (store_int(s, 0, "SELECT count(*) FROM proposals WHERE task_id = :t AND kind = 'prd_review'",
		      SQL_INT(":t", task), SQL_END)) {
		if (store_begin(s) != 0)
			return retry(res, 0, "database busy");
		return finish(w, job); /* drafted already */
	}
	json_t *ctx = prd_context(s, task);
	if (!ctx) {
		res->error = xasprintf("task %lld does not exist", (long long)task);
		return JOB_DEAD;
	}
	int64_t client = json_integer_value(json_object_get(ctx, "client_id"));
	char *why = NULL, *md = NULL;
	LlmUsage usage = {0};
	JobOutcome out;
	const char *provider = "builtin";
	if (classify_uses_llm()) {
		int again = 0;
		int64_t after = 0;
		char *answer = llm_json(w, "prompts/prd_system", "prompts/prd_user", ctx, prd_llm_schema, 1500, &usage,
					&again, &after, &why);
		if (again && job->attempts < 3) {
			free(answer);
			out = retry(res, after, "%s", why);
			goto done;
		}
		if (answer && prd_check_llm(answer, ctx) == 0)
			provider = "openai";
		else if (answer)
			why = xasprintf("invalid LLM answer for the PRD");
		free(answer);
	}
	if (strcmp(provider, "builtin") == 0)
		prd_builtin_sections(ctx);
	md = render(w, "docs/prd", ctx);
	if (!md) {
		out = retry(res, 0, "template docs/prd could not be rendered");
		goto done;
	}
	char *msg = xasprintf("Draft the PRD of task %lld: %s\n\nWritten by the AI worker (%s) from the client's "
			      "messages, for review.", (long long)task, json_string_value(json_object_get(ctx, "title")),
			      provider);
	DocUpload u = {.task_id = task, .file_name = "prd.md", .declared_type = "text/markdown", .data = md,
		       .len = strlen(md), .description = "Product requirements drafted by the AI, for review",
		       .message = msg};
	int64_t doc = 0;
	char *commit = NULL;
	int up = prd_commit(w, &u, client, &usage, res, &out, &doc, &commit);
	free(msg);
	if (up != 0)
		goto done;
	ProposalNew p = {.kind = "prd_review", .client_id = client, .task_id = task, .document_id = doc,
			 .document_commit = commit, .proposed_value = commit, .confidence = -1, .actor = "worker"};
	int64_t pid = proposal_add(s, &p);
	if (pid < 0) {
		free(commit);
		store_rollback(s);
		out = retry(res, 0, "could not store the PRD proposal: %s", store_errmsg(s));
		goto done;
	}
	json_t *d = json_pack("{s:I,s:I,s:s,s:s}", "proposal_id", (json_int_t)pid, "document_id", (json_int_t)doc,
			      "commit", commit ? commit : "", "provider", provider);
	free(commit);
	if (why)
		json_object_set_new(d, "note", json_string(why));
	char *dt = json_text(d);
	store_event(s, "prd_drafted", client, task, 0, "worker", dt);
	free(dt);
	out = finish(w, job);
done:
	json_decref(ctx);
	free(md);
	free(why);
	return out;
}

#define PRD_FEEDBACK_MAX 2000

static JobOutcome run_prd_revise(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t pid = json_integer_value(json_object_get(job->payload, "proposal_id"));
	const char *feedback = json_string_value(json_object_get(job->payload, "feedback"));
	const char *by = json_string_value(json_object_get(job->payload, "by"));
	if (!feedback || !*feedback || strlen(feedback) > PRD_FEEDBACK_MAX || !by) {
		res->error = xasprintf("prd_revise job %lld has no usable feedback", (long long)job->id);
		return JOB_DEAD;
	}
	char path[512] = "", status[12] = "";
	int64_t task = 0, client = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT d.path, p.status, coalesce(p.task_id, 0), p.client_id FROM proposals p "
		"JOIN documents d ON d.id = p.document_id WHERE p.id = :id AND p.kind = 'prd_review'",
		SQL_INT(":id", pid), SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(path, sizeof path, "%s", col_text(st, 0));
		snprintf(status, sizeof status, "%s", col_text(st, 1));
		task = sqlite3_column_int64(st, 2);
		client = sqlite3_column_int64(st, 3);
	}
	store_done(st);
	if (!*path) {
		res->error = xasprintf("PRD proposal %lld does not exist", (long long)pid);
		return JOB_DEAD;
	}
	if (strcmp(status, "pending") != 0) {
		/* Decided meanwhile: a revision would change nothing anyone reviews. */
		if (store_begin(s) != 0)
			return retry(res, 0, "database busy");
		char *dt = json_text(json_pack("{s:I,s:s}", "proposal_id", (json_int_t)pid, "reason", "decided already"));
		store_event(s, "prd_revision_skipped", client, task, 0, "worker", dt);
		free(dt);
		return finish(w, job);
	}
	Buf cur = {0};
	char *err = NULL, *why = NULL, *md = NULL;
	LlmUsage usage = {0};
	JobOutcome out;
	const char *provider = "builtin";
	if (artifact_read(doc_repo(), path, NULL, &cur, &err) != 0) {
		out = retry(res, 0, "the PRD could not be read: %s", err ? err : "missing");
		free(err);
		goto done;
	}
	if (classify_uses_llm()) {
		json_t *ctx = json_pack("{s:s,s:s}", "prd", buf_cstr(&cur), "feedback", feedback);
		int again = 0;
		int64_t after = 0;
		char *answer = llm_json(w, "prompts/prd_revise_system", "prompts/prd_revise_user", ctx, prd_revise_schema,
					3000, &usage, &again, &after, &why);
		json_decref(ctx);
		if (again && job->attempts < 3) {
			free(answer);
			out = retry(res, after, "%s", why);
			goto done;
		}
		md = answer ? prd_check_revision(answer) : NULL;
		if (md)
			provider = "openai";
		else if (answer)
			why = xasprintf("invalid LLM answer for the PRD revision");
		free(answer);
	}
	if (!md) {
		char date[21];
		fmt_iso8601(date, time(NULL));
		date[10] = '\0';
		const char *who = strncmp(by, "user:", 5) == 0 ? by + 5 : by;
		md = prd_revise_builtin(buf_cstr(&cur), feedback, who, date);
	}
	char *msg = xasprintf("Revise the PRD of task %lld after feedback from %s\n\nRevised by the AI worker (%s).",
			      (long long)task, by, provider);
	int64_t doc = store_int(s, 0, "SELECT document_id FROM proposals WHERE id = :id", SQL_INT(":id", pid), SQL_END);
	DocUpload u = {.document_id = doc, .data = md, .len = strlen(md), .message = msg};
	char *commit = NULL;
	int up = prd_commit(w, &u, client, &usage, res, &out, &doc, &commit);
	free(msg);
	if (up != 0)
		goto done;
	proposal_prd_version(s, pid, commit);
	json_t *d = json_pack("{s:I,s:s,s:s,s:s}", "proposal_id", (json_int_t)pid, "commit", commit ? commit : "",
			      "provider", provider, "asked_by", by);
	free(commit);
	if (why)
		json_object_set_new(d, "note", json_string(why));
	char *dt = json_text(d);
	store_event(s, "prd_revised", client, task, 0, "worker", dt);
	free(dt);
	out = finish(w, job);
done:
	buf_free(&cur);
	free(md);
	free(why);
	return out;
}

/* ---- send {message_id} ---- */

static int twilio_configured(TwilioConf *tc)
{
	memset(tc, 0, sizeof *tc);
	tc->account_sid = config_get("TWILIO_ACCOUNT_SID");
	tc->auth_token = config_get("TWILIO_AUTH_TOKEN");
	tc->from = *config_get("TWILIO_FROM_NUMBER") ? config_get("TWILIO_FROM_NUMBER") : NULL;
	tc->messaging_service_sid =
		*config_get("TWILIO_MESSAGING_SERVICE_SID") ? config_get("TWILIO_MESSAGING_SERVICE_SID") : NULL;
	tc->api_base = config_get("TWILIO_API_BASE");
	tc->timeout_ms = config_int("TWILIO_TIMEOUT_MS");
	return *tc->account_sid && *tc->auth_token && (tc->from || tc->messaging_service_sid);
}

static JobOutcome mark_sent(Worker *w, const Job *job, JobResult *res, int64_t mid, int64_t client, int64_t task,
			    const char *transport, const char *sid, const char *status, const char *note)
{
	Store *s = w->store;
	if (store_begin(s) != 0)
		return JOB_LOST;
	/* The job is completed only together with the message's new state: a
	 * SID another message already holds (messages_external is unique)
	 * must not leave this one `submitting` under a finished job. */
	if (store_exec(s,
		"UPDATE messages SET status = :st, external_id = :sid, transport = :tr, error_message = :note, "
		" updated_at = :now WHERE id = :id",
		SQL_TEXT(":st", status), SQL_TEXT(":sid", sid && *sid ? sid : NULL), SQL_TEXT(":tr", transport),
		SQL_TEXT(":note", note), SQL_INT(":now", now_ms()), SQL_INT(":id", mid), SQL_END) != SQLITE_OK) {
		res->error = xasprintf("cannot record message %lld as %s (SID %s): %s", (long long)mid, status,
				       sid && *sid ? sid : "none", store_errmsg(s));
		store_rollback(s);
		return JOB_RETRY;
	}
	json_t *d = json_pack("{s:s,s:s}", "transport", transport, "status", status);
	if (sid && *sid)
		json_object_set_new(d, "message_sid", json_string(sid));
	if (note)
		json_object_set_new(d, "note", json_string(note));
	char *dt = json_text(d);
	store_event(s, "message_sent", client, task, mid, "worker", dt);
	free(dt);
	if (task > 0)
		store_exec(s, "UPDATE tasks SET status = CASE WHEN status = 'open' THEN 'waiting' ELSE status END, "
			      " updated_at = :now WHERE id = :id",
			   SQL_INT(":now", now_ms()), SQL_INT(":id", task), SQL_END);
	char payload[64], key[64];
	snprintf(payload, sizeof payload, "{\"client_id\":%lld}", (long long)client);
	snprintf(key, sizeof key, "summary:sent:%lld", (long long)mid);
	job_enqueue(s, "summary", payload, key, client, task, mid, 0);
	return finish(w, job);
}

/* TwilioSidTaken: the SID is already recorded for an outbound SMS. */
static int sid_recorded(void *ctx, const char *sid)
{
	return store_int((Store *)ctx, 0, "SELECT count(*) FROM messages WHERE channel = 'sms' AND external_id = :sid",
			 SQL_TEXT(":sid", sid), SQL_END) != 0;
}

static JobOutcome run_send(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t mid = json_integer_value(json_object_get(job->payload, "message_id"));
	sqlite3_stmt *st = store_stmt(s,
		"SELECT status, to_addr, body, client_id, task_id, submitted_at, external_id FROM messages "
		"WHERE id = :id AND direction = 'out'",
		SQL_INT(":id", mid), SQL_END);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		res->error = xasprintf("outbound message %lld does not exist", (long long)mid);
		return JOB_DEAD;
	}
	char status[24];
	snprintf(status, sizeof status, "%s", col_text(st, 0));
	char *to = xstrdup(col_text(st, 1)), *body = xstrdup(col_text(st, 2));
	int64_t client = sqlite3_column_int64(st, 3), task = sqlite3_column_int64(st, 4);
	int64_t submitted_at = sqlite3_column_int64(st, 5);
	int has_sid = sqlite3_column_type(st, 6) != SQLITE_NULL;
	store_done(st);
	JobOutcome out;

	if (has_sid || (strcmp(status, "queued") != 0 && strcmp(status, "submitting") != 0)) {
		/* Already sent, failed, or still a draft: nothing to do. */
		if (store_begin(s) != 0) {
			out = retry(res, 0, "database busy");
			goto done;
		}
		out = finish(w, job);
		goto done;
	}
	TwilioConf tc;
	if (!twilio_configured(&tc)) {
		out = mark_sent(w, job, res, mid, client, task, "log", NULL, "sent",
				"recorded locally: Twilio is not configured, no SMS left this server");
		goto done;
	}
	if (strcmp(status, "submitting") == 0) {
		/* An earlier attempt may have reached Twilio: look before resending.
		 * The same text to the same number may also be another message's
		 * SMS; a SID already recorded is never adopted. */
		char sid[64], tstatus[32], err[256];
		int found = twilio_find_message(&tc, to, body, submitted_at, sid_recorded, s, sid, tstatus, err,
						sizeof err);
		if (found < 0) {
			out = retry(res, 0, "%s", err);
			goto done;
		}
		if (found == 1) {
			out = mark_sent(w, job, res, mid, client, task, "twilio", sid,
					desk_status_rank(tstatus) > desk_status_rank("accepted") ? tstatus : "accepted",
					NULL);
			goto done;
		}
	}
	/* Claim the send: move to submitting while we still hold the job. */
	if (store_begin(s) != 0) {
		out = retry(res, 0, "database busy");
		goto done;
	}
	int64_t held = store_int(s, 0, "SELECT count(*) FROM jobs WHERE id = :id AND worker = :w AND state = 'running'",
				 SQL_INT(":id", job->id), SQL_TEXT(":w", job->worker), SQL_END);
	store_exec(s, "UPDATE messages SET status = 'submitting', submitted_at = :now, updated_at = :now WHERE id = :id",
		   SQL_INT(":now", now_ms()), SQL_INT(":id", mid), SQL_END);
	if (!held || store_commit(s) != 0) {
		store_rollback(s);
		out = JOB_LOST;
		goto done;
	}
	char *callback = xasprintf("%s/webhook/twilio/status", config_get("SWITCHBOARD_PUBLIC_URL"));
	TwSendResult r;
	memset(&r, 0, sizeof r);
	twilio_send_sms(&tc, to, body, callback, &r);
	free(callback);
	if (r.kind == TW_SEND_OK) {
		out = mark_sent(w, job, res, mid, client, task, "twilio", r.sid, "accepted", NULL);
	} else if (r.kind == TW_SEND_RETRY) {
		if (!r.maybe_sent)
			store_exec(s, "UPDATE messages SET status = 'queued', updated_at = :now WHERE id = :id "
				      "AND status = 'submitting'",
				   SQL_INT(":now", now_ms()), SQL_INT(":id", mid), SQL_END);
		out = retry(res, r.retry_after > 0 ? (int64_t)r.retry_after * 1000 : 0, "Twilio: HTTP %d %s%s",
			    r.http_status, r.message, r.maybe_sent ? " (may have been sent; will check before resending)" : "");
	} else {
		if (store_begin(s) != 0) {
			out = retry(res, 0, "database busy");
			goto done;
		}
		char code[16];
		snprintf(code, sizeof code, "%d", r.error_code);
		store_exec(s, "UPDATE messages SET status = 'failed', error_code = :code, error_message = :msg, "
			      " transport = 'twilio', updated_at = :now WHERE id = :id",
			   SQL_TEXT(":code", r.error_code ? code : NULL), SQL_TEXT(":msg", r.message),
			   SQL_INT(":now", now_ms()), SQL_INT(":id", mid), SQL_END);
		char *d = json_text(json_pack("{s:i,s:i,s:s}", "http_status", r.http_status, "error_code", r.error_code,
					      "message", r.message));
		store_event(s, "message_failed", client, task, mid, "worker", d);
		free(d);
		out = finish(w, job);
	}
done:
	free(to);
	free(body);
	return out;
}

/* ---- github_issue {task_id} and github_comment {task_id, message_id} ----
 *
 * A bug task gets one GitHub issue.  Without GITHUB_TOKEN/GITHUB_REPO the
 * rendered issue waits in github_issues as `pending` (an admin can copy it
 * or retry once configured).  Otherwise the row moves to `creating` in
 * its own commit before the request; a later attempt that finds it still
 * `creating` (timeout, 5xx, a worker that died) first looks for the
 * issue's marker in the repository and adopts what it finds, so a task
 * never gets two issues.  The first run also drafts the follow-up SMS
 * asking for what the report lacks, or for an urgent bug (an outage) an
 * acknowledgement that asks nothing (always a draft for review). */

static int github_configured(GithubConf *gc)
{
	memset(gc, 0, sizeof *gc);
	gc->token = config_get("GITHUB_TOKEN");
	gc->repo = config_get("GITHUB_REPO");
	gc->api_base = config_get("GITHUB_API_BASE");
	gc->user_agent = "switchboard/" SB_VERSION;
	gc->timeout_ms = config_int("GITHUB_TIMEOUT_MS");
	return *gc->token && github_repo_valid(gc->repo);
}

static int contains_word_ci(const char *text, const char *const *words)
{
	for (const char *const *w = words; *w; w++)
		if (owners_pattern_matches(*w, text))
			return 1;
	return 0;
}

/* What the report already says: steps, browser or device, attachments. */
typedef struct {
	int steps;
	char device[64];
	int media;
} BugDetails;

static void bug_details(const char *text, int media, BugDetails *d)
{
	static const char *const steps[] = {"step", "steps", "i clicked", "i click", "i tap", "i tapped", "then",
					    "reproduce", "first i", NULL};
	static const char *const devices[] = {"Chrome", "Firefox", "Safari", "Edge", "Opera", "iPhone", "iPad",
					      "Android", "Samsung", "Pixel", "Windows", "Mac", "macOS", "Linux",
					      "Chromebook", NULL};
	memset(d, 0, sizeof *d);
	d->steps = contains_word_ci(text, steps);
	Buf b = {0};
	for (const char *const *w = devices; *w; w++)
		if (owners_pattern_matches(*w, text) && b.len < 40)
			buf_printf(&b, "%s%s", b.len ? ", " : "", *w);
	snprintf(d->device, sizeof d->device, "%s", buf_cstr(&b));
	buf_free(&b);
	d->media = media;
}

/* The issue's view of a task: its inbound messages only (this task's
 * client, never anyone else's), quoted for Markdown.  Fills *title (the
 * task title), *owner (NULL when no rule matched), *last_in (newest
 * inbound message id) and the bug details.  Returns the data for
 * github/issue (and sms/bug_followup), or NULL when the task is gone. */
static json_t *issue_context(Store *s, int64_t task, char **title, char **owner, int64_t *last_in,
			     BugDetails *det)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT client_id, title, type, urgency FROM tasks WHERE id = :id",
				      SQL_INT(":id", task), SQL_END);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		return NULL;
	}
	int64_t client = sqlite3_column_int64(st, 0);
	*title = xstrdup(col_text(st, 1));
	json_t *d = client_context(s, client, task);
	store_done(st);
	/* The client context carries the phone and recent messages of all the
	 * client's tasks: keep only what the issue may show. */
	json_object_del(d, "phone");
	json_object_del(d, "messages");
	json_object_del(d, "summary");
	json_object_del(d, "company");
	Buf all = {0};
	buf_puts(&all, *title);
	json_t *later = json_array();
	int media = 0;
	*last_in = 0;
	st = store_stmt(s,
		"SELECT m.id, m.body, m.created_at, coalesce((SELECT json_extract(e.details, '$.num_media') "
		"  FROM events e WHERE e.message_id = m.id AND e.event_type = 'message_in' LIMIT 1), 0) "
		"FROM messages m WHERE m.task_id = :t AND m.direction = 'in' ORDER BY m.id",
		SQL_INT(":t", task), SQL_END);
	int first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		*last_in = sqlite3_column_int64(st, 0);
		media += sqlite3_column_int(st, 3);
		buf_printf(&all, "\n%s", col_text(st, 1));
		Buf q = {0};
		github_md_quote(&q, col_text(st, 1));
		if (first) {
			json_object_set_new(d, "report_md", json_string(buf_cstr(&q)));
			first = 0;
		} else {
			char when[21];
			fmt_iso8601(when, sqlite3_column_int64(st, 2) / 1000);
			json_array_append_new(later, json_pack("{s:s,s:s}", "when", when, "quote_md", buf_cstr(&q)));
		}
		buf_free(&q);
	}
	store_done(st);
	if (first)
		json_object_set_new(d, "report_md", json_string("> (no message text)"));
	json_object_set_new(d, "has_later", json_boolean(json_array_size(later) > 0));
	json_object_set_new(d, "later", later);
	bug_details(buf_cstr(&all), media, det);
	json_t *dj = json_pack("{s:b}", "steps", det->steps);
	if (det->device[0])
		json_object_set_new(dj, "device", json_string(det->device));
	if (det->media)
		json_object_set_new(dj, "media", json_integer(det->media));
	json_object_set_new(d, "details", dj);
	*owner = owners_pick(s, buf_cstr(&all));
	buf_free(&all);
	if (*owner)
		json_object_set_new(d, "owner", json_string(*owner));
	char *link = xasprintf("%s/tasks/%lld", config_get("SWITCHBOARD_PUBLIC_URL"), (long long)task);
	json_object_set_new(d, "link", json_string(link));
	free(link);
	char *marker = xasprintf("<!-- switchboard-task:%lld -->", (long long)task);
	json_object_set_new(d, "marker", json_string(marker));
	free(marker);
	json_object_set_new(d, "client_id", json_integer(client));
	/* What the follow-up SMS asks for. */
	const char *parts[3];
	int n = 0;
	if (!det->steps)
		parts[n++] = "the steps that lead to the problem";
	if (!det->device[0])
		parts[n++] = "the browser or device you are using";
	if (!det->media)
		parts[n++] = "a screenshot of what you see";
	Buf m = {0};
	for (int i = 0; i < n; i++)
		buf_printf(&m, "%s%s", i == 0 ? "" : i == n - 1 ? (n > 2 ? ", and " : " and ") : ", ", parts[i]);
	if (n)
		json_object_set_new(d, "missing", json_string(buf_cstr(&m)));
	buf_free(&m);
	return d;
}

static const char *issue_urgency(json_t *ctx)
{
	const char *u = json_string_value(json_object_get(json_object_get(ctx, "task"), "urgency"));
	return u ? u : "medium";
}

/* Mark the issue created (or found) and complete the job, in one
 * transaction. */
static JobOutcome issue_created(Worker *w, const Job *job, int64_t task, int64_t client, const char *repo,
				const GhResult *r, const char *owner, int adopted)
{
	Store *s = w->store;
	if (store_begin(s) != 0)
		return JOB_LOST;
	store_exec(s, "UPDATE github_issues SET state = 'open', number = :n, url = :u, repo = :repo, error = NULL, "
		      " updated_at = :now WHERE task_id = :t",
		   SQL_INT(":n", r->number), SQL_TEXT(":u", r->html_url), SQL_TEXT(":repo", repo),
		   SQL_INT(":now", now_ms()), SQL_INT(":t", task), SQL_END);
	json_t *d = json_pack("{s:I,s:s,s:s}", "number", (json_int_t)r->number, "url", r->html_url, "repo", repo);
	json_object_set_new(d, "owner", owner ? json_string(owner) : json_null());
	if (adopted)
		json_object_set_new(d, "adopted", json_true());
	char *dt = json_text(d);
	store_event(s, "github_issue_created", client, task, 0, "worker", dt);
	free(dt);
	return finish(w, job);
}

/* Write (insert or refresh) the task's github_issues row and, the first
 * time, the follow-up draft, in the caller's transaction.  Returns 0 or -1. */
static int issue_row(Worker *w, int64_t task, int64_t client, const char *state, const char *title,
		     const char *body, const char *labels, const char *owner, int64_t last_in, json_t *ctx)
{
	Store *s = w->store;
	int64_t now = now_ms();
	if (store_exec(s,
		"INSERT INTO github_issues (task_id, client_id, repo, state, title, body, labels, owner, "
		" included_message_id, create_started_at, created_at, updated_at) "
		"VALUES (:t, :c, :repo, :st, :title, :body, :labels, :owner, :last, "
		" CASE WHEN :st = 'creating' THEN :now END, :now, :now) "
		"ON CONFLICT (task_id) DO UPDATE SET repo = excluded.repo, state = excluded.state, "
		" title = excluded.title, body = excluded.body, labels = excluded.labels, owner = excluded.owner, "
		" included_message_id = excluded.included_message_id, "
		" create_started_at = coalesce(excluded.create_started_at, create_started_at), "
		" updated_at = excluded.updated_at",
		SQL_INT(":t", task), SQL_INT(":c", client), SQL_TEXT(":repo", config_get("GITHUB_REPO")),
		SQL_TEXT(":st", state), SQL_TEXT(":title", title), SQL_TEXT(":body", body), SQL_TEXT(":labels", labels),
		SQL_TEXT(":owner", owner), SQL_INT(":last", last_in), SQL_INT(":now", now), SQL_END) != SQLITE_OK)
		return -1;
	int64_t have = store_int(s, 0, "SELECT coalesce(followup_message_id, 0) FROM github_issues WHERE task_id = :t",
				 SQL_INT(":t", task), SQL_END);
	/* An urgent bug is an outage: the follow-up acknowledges it and says
	 * what happens next instead of asking for steps and screenshots, and
	 * is left out when a draft already waits on the task (the reply
	 * draft's own acknowledgement). */
	json_t *t = json_object_get(ctx, "task");
	const char *type = json_string_value(json_object_get(t, "type")), *urgency = issue_urgency(ctx);
	int outage = desk_sms_outage(type, urgency);
	if (have || (!outage && !json_object_get(ctx, "missing")))
		return 0;
	if (outage && store_int(s, 0, "SELECT count(*) FROM messages WHERE task_id = :t AND direction = 'out' "
				      "AND status = 'draft'", SQL_INT(":t", task), SQL_END) > 0)
		return 0;
	char *sms = render(w, desk_sms_template(type, urgency, SMS_FOLLOW_UP), ctx);
	if (!sms)
		return 0; /* logged; the issue matters more than the follow-up */
	trim(sms);
	int64_t mid = *sms ? desk_outbound_proposal(s, client, task, sms, "worker", 1, 1, "follow_up") : 0;
	free(sms);
	if (mid < 0)
		return -1;
	if (mid > 0) {
		store_exec(s, "UPDATE github_issues SET followup_message_id = :m WHERE task_id = :t", SQL_INT(":m", mid),
			   SQL_INT(":t", task), SQL_END);
		char *dt = json_text(outage ? json_pack("{s:s}", "kind", "outage_ack")
					    : json_pack("{s:s,s:s}", "kind", "bug_followup", "asks",
							json_string_value(json_object_get(ctx, "missing"))));
		store_event(s, "followup_proposed", client, task, mid, "worker", dt);
		free(dt);
	}
	return 0;
}

/* A feature request's issue carries its approved PRD: prd_md, prd_path
 * and prd_commit go into ctx, and nothing is asked of the client (no
 * follow-up).  0, or -1 with *err when the task has no approved PRD or it
 * cannot be read. */
static int prd_issue_context(Store *s, int64_t task, json_t *ctx, char **err)
{
	char path[512] = "", commit[41] = "";
	sqlite3_stmt *st = store_stmt(s,
		"SELECT d.path, p.document_commit FROM proposals p JOIN documents d ON d.id = p.document_id "
		"WHERE p.task_id = :t AND p.kind = 'prd_review' AND p.status IN ('accepted','edited')",
		SQL_INT(":t", task), SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(path, sizeof path, "%s", col_text(st, 0));
		snprintf(commit, sizeof commit, "%s", col_text(st, 1));
	}
	store_done(st);
	if (!*path || strlen(commit) != 40) {
		*err = xasprintf("feature request %lld has no approved PRD", (long long)task);
		return -1;
	}
	Buf md = {0};
	char *why = NULL;
	if (artifact_read(doc_repo(), path, commit, &md, &why) != 0) {
		*err = xasprintf("the approved PRD %s@%s cannot be read: %s", path, commit, why ? why : "missing");
		free(why);
		buf_free(&md);
		return -1;
	}
	json_object_set_new(ctx, "prd_md", json_string(buf_cstr(&md)));
	json_object_set_new(ctx, "prd_path", json_string(path));
	json_object_set_new(ctx, "prd_commit", json_string(commit));
	json_object_del(ctx, "missing");
	buf_free(&md);
	return 0;
}

static JobOutcome run_github_issue(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t task = json_integer_value(json_object_get(job->payload, "task_id"));
	char prev[16] = "";
	int64_t started = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT state, coalesce(create_started_at, 0) FROM github_issues "
					 "WHERE task_id = :t", SQL_INT(":t", task), SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(prev, sizeof prev, "%s", col_text(st, 0));
		started = sqlite3_column_int64(st, 1);
	}
	store_done(st);
	if (strcmp(prev, "open") == 0 || strcmp(prev, "closed") == 0) {
		/* The issue exists (the job ran twice): nothing to do. */
		if (store_begin(s) != 0)
			return retry(res, 0, "database busy");
		return finish(w, job);
	}
	char *title = NULL, *owner = NULL;
	int64_t last_in = 0;
	BugDetails det;
	json_t *ctx = issue_context(s, task, &title, &owner, &last_in, &det);
	if (!ctx) {
		res->error = xasprintf("task %lld does not exist", (long long)task);
		return JOB_DEAD;
	}
	int64_t client = json_integer_value(json_object_get(ctx, "client_id"));
	const char *ttype = json_string_value(json_object_get(json_object_get(ctx, "task"), "type"));
	int feature = ttype && strcmp(ttype, "feature_request") == 0;
	if (feature && prd_issue_context(s, task, ctx, &res->error) != 0) {
		json_decref(ctx);
		free(title);
		free(owner);
		return JOB_DEAD;
	}
	char *body = render(w, feature ? "github/feature_issue" : "github/issue", ctx);
	char label_u[40];
	snprintf(label_u, sizeof label_u, "urgency:%s", issue_urgency(ctx));
	const char *labels[] = {feature ? "enhancement" : "bug", label_u, NULL};
	const char *assignees[] = {owner, NULL};
	char *labels_json = json_text(json_pack("[s,s]", labels[0], labels[1]));
	GithubConf gc;
	int configured = github_configured(&gc);
	JobOutcome out;
	GhResult r;
	if (!body) {
		out = retry(res, 0, "template github/issue could not be rendered");
		goto done;
	}
	trim(body);

	if (!configured) {
		if (store_begin(s) != 0) {
			out = retry(res, 0, "database busy");
			goto done;
		}
		if (issue_row(w, task, client, "pending", title, body, labels_json, owner, last_in, ctx) != 0) {
			store_rollback(s);
			out = retry(res, 0, "could not store the pending issue: %s", store_errmsg(s));
			goto done;
		}
		if (strcmp(prev, "pending") != 0) {
			json_t *d = json_pack("{s:s}", "reason",
					      *gc.token ? "GITHUB_REPO is not owner/name" : "GITHUB_TOKEN is not set");
			json_object_set_new(d, "owner", owner ? json_string(owner) : json_null());
			char *dt = json_text(d);
			store_event(s, "github_issue_pending", client, task, 0, "worker", dt);
			free(dt);
		}
		out = finish(w, job);
		goto done;
	}

	if (strcmp(prev, "creating") == 0) {
		/* An earlier attempt may have reached GitHub: look before resending. */
		char marker[64];
		snprintf(marker, sizeof marker, "<!-- switchboard-task:%lld -->", (long long)task);
		int found = github_find_marker(&gc, 0, marker, started / 1000 - 120, &r);
		if (found < 0) {
			out = retry(res, r.retry_after_ms > 0 ? r.retry_after_ms : 0,
				    "GitHub: looking for an issue created by an earlier attempt: HTTP %d %s", r.http_status,
				    r.message);
			goto done;
		}
		if (found == 1) {
			out = issue_created(w, job, task, client, gc.repo, &r, owner, 1);
			goto done;
		}
	}
	/* Claim the create: `creating`, committed while we hold the job. */
	if (store_begin(s) != 0) {
		out = retry(res, 0, "database busy");
		goto done;
	}
	int64_t held = store_int(s, 0, "SELECT count(*) FROM jobs WHERE id = :id AND worker = :w AND state = 'running'",
				 SQL_INT(":id", job->id), SQL_TEXT(":w", job->worker), SQL_END);
	if (!held || issue_row(w, task, client, "creating", title, body, labels_json, owner, last_in, ctx) != 0 ||
	    store_commit(s) != 0) {
		store_rollback(s);
		out = JOB_LOST;
		goto done;
	}
	github_create_issue(&gc, title, body, labels, owner ? assignees : NULL, &r);
	if (r.kind == GH_OK) {
		out = issue_created(w, job, task, client, gc.repo, &r, owner, 0);
	} else if (r.kind == GH_RETRY) {
		out = retry(res, r.retry_after_ms > 0 ? r.retry_after_ms : 0, "GitHub: HTTP %d %s%s", r.http_status,
			    r.message, r.maybe_created ? " (may have been created; will look before resending)" : "");
	} else {
		if (store_begin(s) == 0) {
			store_exec(s, "UPDATE github_issues SET state = 'failed', error = :e, updated_at = :now "
				      "WHERE task_id = :t",
				   SQL_TEXT(":e", r.message), SQL_INT(":now", now_ms()), SQL_INT(":t", task), SQL_END);
			char *dt = json_text(json_pack("{s:i,s:s}", "http_status", r.http_status, "message", r.message));
			store_event(s, "github_issue_failed", client, task, 0, "worker", dt);
			free(dt);
			store_commit(s);
		}
		res->error = xasprintf("GitHub refused the issue: HTTP %d %s", r.http_status, r.message);
		out = JOB_DEAD;
	}
done:
	json_decref(ctx);
	free(labels_json);
	free(body);
	free(title);
	free(owner);
	return out;
}

static JobOutcome comment_posted(Worker *w, const Job *job, int64_t mid, int64_t client, int64_t task,
				 int64_t number, const GhResult *r)
{
	Store *s = w->store;
	if (store_begin(s) != 0)
		return JOB_LOST;
	store_exec(s, "UPDATE github_comments SET state = 'posted', comment_id = :cid, url = :u WHERE message_id = :m",
		   SQL_INT(":cid", r->id), SQL_TEXT(":u", r->html_url), SQL_INT(":m", mid), SQL_END);
	char *dt = json_text(json_pack("{s:I,s:I,s:s}", "number", (json_int_t)number, "comment_id",
				       (json_int_t)r->id, "url", r->html_url));
	store_event(s, "github_comment_posted", client, task, mid, "worker", dt);
	free(dt);
	return finish(w, job);
}

/* A later client message on a bug task becomes a comment on its issue.
 * Messages already in the issue's body are skipped; while the issue is
 * still being created the job waits; a pending or failed issue gets the
 * message in its body when it is (re)created, so nothing is posted. */
static JobOutcome run_github_comment(Worker *w, const Job *job, JobResult *res)
{
	Store *s = w->store;
	int64_t task = json_integer_value(json_object_get(job->payload, "task_id"));
	int64_t mid = json_integer_value(json_object_get(job->payload, "message_id"));
	char state[16] = "";
	int64_t number = 0, included = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT state, coalesce(number, 0), included_message_id FROM github_issues "
					 "WHERE task_id = :t", SQL_INT(":t", task), SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(state, sizeof state, "%s", col_text(st, 0));
		number = sqlite3_column_int64(st, 1);
		included = sqlite3_column_int64(st, 2);
	}
	store_done(st);
	if (!*state || strcmp(state, "creating") == 0)
		return retry(res, 30000, "the task's GitHub issue is not created yet");
	char cstate[16] = "";
	int64_t started = 0;
	st = store_stmt(s, "SELECT state, started_at FROM github_comments WHERE message_id = :m", SQL_INT(":m", mid),
			SQL_END);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(cstate, sizeof cstate, "%s", col_text(st, 0));
		started = sqlite3_column_int64(st, 1);
	}
	store_done(st);
	if (mid <= included || number <= 0 || strcmp(cstate, "posted") == 0) {
		if (store_begin(s) != 0)
			return retry(res, 0, "database busy");
		return finish(w, job);
	}
	sqlite3_stmt *mt = store_stmt(s, "SELECT body, client_id, created_at FROM messages WHERE id = :m AND "
					 "task_id = :t AND direction = 'in'", SQL_INT(":m", mid), SQL_INT(":t", task),
				      SQL_END);
	if (sqlite3_step(mt) != SQLITE_ROW) {
		store_done(mt);
		res->error = xasprintf("message %lld is not an inbound message of task %lld", (long long)mid,
				       (long long)task);
		return JOB_DEAD;
	}
	int64_t client = sqlite3_column_int64(mt, 1);
	char when[21];
	fmt_iso8601(when, sqlite3_column_int64(mt, 2) / 1000);
	Buf body = {0};
	buf_printf(&body, "The client sent another message by SMS (%s):\n\n", when);
	github_md_quote(&body, col_text(mt, 0));
	store_done(mt);
	char marker[64];
	snprintf(marker, sizeof marker, "<!-- switchboard-message:%lld -->", (long long)mid);
	buf_printf(&body, "\n\n%s\n", marker);
	GithubConf gc;
	GhResult r;
	JobOutcome out;
	if (!github_configured(&gc)) {
		out = retry(res, 0, "GitHub is not configured (GITHUB_TOKEN, GITHUB_REPO)");
		goto done;
	}
	if (strcmp(cstate, "posting") == 0) {
		int found = github_find_marker(&gc, number, marker, started / 1000 - 120, &r);
		if (found < 0) {
			out = retry(res, r.retry_after_ms > 0 ? r.retry_after_ms : 0, "GitHub: HTTP %d %s", r.http_status,
				    r.message);
			goto done;
		}
		if (found == 1) {
			out = comment_posted(w, job, mid, client, task, number, &r);
			goto done;
		}
	}
	if (store_begin(s) != 0) {
		out = retry(res, 0, "database busy");
		goto done;
	}
	int64_t held = store_int(s, 0, "SELECT count(*) FROM jobs WHERE id = :id AND worker = :w AND state = 'running'",
				 SQL_INT(":id", job->id), SQL_TEXT(":w", job->worker), SQL_END);
	int64_t now = now_ms();
	if (!held ||
	    store_exec(s, "INSERT INTO github_comments (message_id, task_id, issue_number, state, started_at, created_at) "
			  "VALUES (:m, :t, :n, 'posting', :now, :now) ON CONFLICT (message_id) DO UPDATE SET "
			  "started_at = excluded.started_at",
		       SQL_INT(":m", mid), SQL_INT(":t", task), SQL_INT(":n", number), SQL_INT(":now", now),
		       SQL_END) != SQLITE_OK ||
	    store_commit(s) != 0) {
		store_rollback(s);
		out = JOB_LOST;
		goto done;
	}
	github_create_comment(&gc, number, buf_cstr(&body), &r);
	if (r.kind == GH_OK)
		out = comment_posted(w, job, mid, client, task, number, &r);
	else if (r.kind == GH_RETRY)
		out = retry(res, r.retry_after_ms > 0 ? r.retry_after_ms : 0, "GitHub: HTTP %d %s", r.http_status,
			    r.message);
	else {
		res->error = xasprintf("GitHub refused the comment: HTTP %d %s", r.http_status, r.message);
		out = JOB_DEAD;
	}
done:
	buf_free(&body);
	return out;
}

/* ---- dispatch ---- */

int worker_step(Worker *w)
{
	Job job;
	int got = job_claim(w->store, w->id, w->lease_seconds, &job);
	if (got <= 0)
		return got;
	JobResult res = {0};
	JobOutcome out;
	if (strcmp(job.kind, "classify") == 0)
		out = run_classify(w, &job, &res);
	else if (strcmp(job.kind, "draft") == 0)
		out = run_draft(w, &job, &res);
	else if (strcmp(job.kind, "send") == 0)
		out = run_send(w, &job, &res);
	else if (strcmp(job.kind, "summary") == 0)
		out = run_summary(w, &job, &res);
	else if (strcmp(job.kind, "github_issue") == 0)
		out = run_github_issue(w, &job, &res);
	else if (strcmp(job.kind, "github_comment") == 0)
		out = run_github_comment(w, &job, &res);
	else if (strcmp(job.kind, "profile") == 0)
		out = run_profile(w, &job, &res);
	else if (strcmp(job.kind, "prd") == 0)
		out = run_prd(w, &job, &res);
	else if (strcmp(job.kind, "prd_revise") == 0)
		out = run_prd_revise(w, &job, &res);
	else {
		res.error = xasprintf("unknown job kind %s", job.kind);
		out = JOB_DEAD;
	}
	store_rollback(w->store); /* a handler that bailed out mid-transaction */
	switch (out) {
	case JOB_DONE:
		w->jobs_done++;
		break;
	case JOB_RETRY:
	case JOB_DEAD: {
		w->jobs_failed++;
		int dead = job_fail(w->store, &job, res.error ? res.error : "failed", res.retry_after_ms, out == JOB_DEAD);
		fprintf(stderr, "switchboard worker: job %lld (%s) attempt %d failed: %s%s\n", (long long)job.id,
			job.kind, job.attempts, res.error ? res.error : "?", dead == 1 ? " (dead)" : "");
		break;
	}
	case JOB_LOST:
		fprintf(stderr, "switchboard worker: job %lld (%s): lease lost, effects rolled back\n",
			(long long)job.id, job.kind);
		break;
	}
	free(res.error);
	job_clear(&job);
	return 1;
}
