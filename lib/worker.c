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
 * adopts it, so a message is never sent twice.
 */
#include "worker.h"
#include "classify.h"
#include "config.h"
#include "desk.h"
#include "jobs.h"
#include "llm.h"
#include "twilio.h"
#include "twilio_list.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		if (sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(d, "task",
					    json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
						      "title", col_text(st, 1), "type", col_text(st, 2), "urgency",
						      col_text(st, 3)));
		store_done(st);
	}
	json_t *msgs = json_array();
	st = store_stmt(s,
		"SELECT direction, body, created_at FROM (SELECT id, direction, body, created_at FROM messages "
		" WHERE client_id = :c AND status != 'rejected' ORDER BY id DESC LIMIT 10) ORDER BY id",
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

/* Ask the LLM for a JSON object with one string field.  Returns the
 * malloc'd value, NULL when the answer is unusable (fall back), and sets
 * *retry when the provider asked us to come back later. */
static char *llm_field(Worker *w, const char *sys_tpl, const char *user_tpl, json_t *data, const char *schema,
		       const char *field, size_t maxlen, LlmUsage *u, int *retry, int64_t *after, char **why)
{
	*retry = 0;
	LlmConf lc;
	fill_llm(&lc, 400);
	char *sys = render(w, sys_tpl, data), *user = render(w, user_tpl, data);
	char *out = NULL;
	if (sys && user) {
		LlmResult r;
		memset(&r, 0, sizeof r);
		llm_chat(&lc, sys, user, schema, field, &r);
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
			json_t *v = json_loads(r.content, 0, NULL);
			const char *text = json_string_value(json_object_get(v, field));
			if (text && *text && strlen(text) <= maxlen) {
				out = xstrdup(text);
				trim(out);
			} else {
				*why = xasprintf("invalid LLM answer for %s", field);
			}
			json_decref(v);
		} else {
			*why = xasprintf("LLM error: %s", r.error);
		}
		llm_result_free(&r);
	}
	free(sys);
	free(user);
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
		char name[64];
		snprintf(name, sizeof name, "sms/%s", type ? type : "other");
		body = render(w, name, ctx);
		if (body)
			trim(body);
	}
	json_decref(ctx);
	if (!body || !*body) {
		free(body);
		free(why);
		return retry(res, 0, "no draft could be produced (template sms/%s missing?)", type ? type : "?");
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
		"AND status != 'rejected' ORDER BY id DESC LIMIT 1",
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

static JobOutcome mark_sent(Worker *w, const Job *job, int64_t mid, int64_t client, int64_t task,
			    const char *transport, const char *sid, const char *status, const char *note)
{
	Store *s = w->store;
	if (store_begin(s) != 0)
		return JOB_LOST;
	store_exec(s,
		"UPDATE messages SET status = :st, external_id = :sid, transport = :tr, error_message = :note, "
		" updated_at = :now WHERE id = :id",
		SQL_TEXT(":st", status), SQL_TEXT(":sid", sid && *sid ? sid : NULL), SQL_TEXT(":tr", transport),
		SQL_TEXT(":note", note), SQL_INT(":now", now_ms()), SQL_INT(":id", mid), SQL_END);
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
		out = mark_sent(w, job, mid, client, task, "log", NULL, "sent",
				"recorded locally: Twilio is not configured, no SMS left this server");
		goto done;
	}
	if (strcmp(status, "submitting") == 0) {
		/* An earlier attempt may have reached Twilio: look before resending. */
		char sid[64], tstatus[32], err[256];
		int found = twilio_find_message(&tc, to, body, submitted_at, sid, tstatus, err, sizeof err);
		if (found < 0) {
			out = retry(res, 0, "%s", err);
			goto done;
		}
		if (found == 1) {
			out = mark_sent(w, job, mid, client, task, "twilio", sid,
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
		out = mark_sent(w, job, mid, client, task, "twilio", r.sid, "accepted", NULL);
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
