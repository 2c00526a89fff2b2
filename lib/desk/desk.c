/*
 * desk.c - the desk's state changes (see desk.h).  SQL for clients,
 * messages, tasks and routing_rules lives here.  No network calls: the
 * slow parts run as jobs (worker.c).
 */
#include "desk/desk.h"
#include "core/config.h"
#include "desk/jobs.h"
#include "desk/phone.h"
#include "desk/proposals.h"
#include "core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dump a JSON value to text for an event's details (malloc'd), stealing v. */
static char *json_text(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(v);
	if (!s)
		sb_die("json_dumps failed");
	return s;
}

int64_t desk_client_for_address(Store *s, const char *address, const char *actor, int *created)
{
	char e164[32];
	const char *phone = phone_e164(address, e164, sizeof e164) == 0 ? e164 : address;
	*created = 0;
	int64_t id = store_int(s, 0, "SELECT id FROM clients WHERE phone = :p", SQL_TEXT(":p", phone), SQL_END);
	if (id > 0)
		return id;
	int64_t now = now_ms();
	if (store_exec(s, "INSERT INTO clients (name, phone, created_at, updated_at) VALUES ('', :p, :now, :now)",
		       SQL_TEXT(":p", phone), SQL_INT(":now", now), SQL_END) != STORE_OK)
		return -1;
	id = store_last_id(s);
	*created = 1;
	char *d = json_text(json_pack("{s:s,s:s}", "phone", phone, "source", "inbound"));
	store_event(s, "client_created", id, 0, 0, actor, d);
	free(d);
	return id;
}

const char *desk_inbound_from_problem(const char *from)
{
	char e164[32];
	if (strncmp(from, "whatsapp:", 9) == 0) {
		const char *n = from + 9;
		if (n[0] != '+' || phone_e164(n, e164, sizeof e164) != 0 || strcmp(n, e164) != 0)
			return "not a WhatsApp address (whatsapp:+ and the number in E.164)";
		return NULL;
	}
	if (phone_e164(from, e164, sizeof e164) != 0)
		return "not a phone number (E.164, e.g. +14155550100)";
	return NULL;
}

/* Record an inbound message whose sender cannot be a client: one
 * inbound_rejected event, in the open transaction, once per MessageSid.
 * Returns INBOUND_REJECTED with the event's id (committed), or
 * INBOUND_ERROR with *err set (rolled back). */
static InboundResult inbound_reject(Store *s, const InboundSms *m, const char *reason, int64_t *message_id,
				    char **err)
{
	int64_t ev = store_int(s, 0,
		"SELECT id FROM events WHERE event_type = 'inbound_rejected' "
		"AND json_extract(details, '$.message_sid') = :sid",
		SQL_TEXT(":sid", m->message_sid), SQL_END);
	if (ev) {
		store_rollback(s);
		*message_id = ev;
		return INBOUND_REJECTED;
	}
	json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "message_sid", m->message_sid, "from", m->from, "to",
			      m->to ? m->to : "", "body", m->body ? m->body : "", "reason", reason, "num_media",
			      m->num_media);
	if (m->account_sid && *m->account_sid)
		json_object_set_new(d, "account_sid", json_string(m->account_sid));
	char *dt = json_text(d);
	ev = store_event(s, "inbound_rejected", 0, 0, 0, "twilio", dt);
	free(dt);
	if (ev < 0) {
		*err = xasprintf("could not record the rejected message: %s", store_errmsg(s));
		store_rollback(s);
		return INBOUND_ERROR;
	}
	if (store_commit(s) != 0) {
		*err = xasprintf("commit failed: %s", store_errmsg(s));
		return INBOUND_ERROR;
	}
	*message_id = ev;
	return INBOUND_REJECTED;
}

InboundResult desk_inbound_sms(Store *s, const InboundSms *m, int64_t *message_id, char **err)
{
	*err = NULL;
	*message_id = 0;
	if (store_begin(s) != 0) {
		*err = xasprintf("database busy: %s", store_errmsg(s));
		return INBOUND_ERROR;
	}
	int64_t existing = store_int(s, 0,
		"SELECT id FROM messages WHERE channel = 'sms' AND external_id = :sid",
		SQL_TEXT(":sid", m->message_sid), SQL_END);
	if (existing) {
		store_rollback(s);
		*message_id = existing;
		return INBOUND_DUPLICATE;
	}
	const char *problem = desk_inbound_from_problem(m->from);
	if (problem)
		return inbound_reject(s, m, problem, message_id, err);
	int created;
	int64_t client = desk_client_for_address(s, m->from, "twilio", &created);
	if (client < 0)
		goto fail;
	int64_t now = now_ms();
	char e164[32];
	const char *from = phone_e164(m->from, e164, sizeof e164) == 0 ? e164 : m->from;
	if (store_exec(s,
		"INSERT INTO messages (client_id, channel, direction, external_id, from_addr, to_addr, body, "
		" status, created_at, updated_at) "
		"VALUES (:client, 'sms', 'in', :sid, :from, :to, :body, 'received', :now, :now)",
		SQL_INT(":client", client), SQL_TEXT(":sid", m->message_sid), SQL_TEXT(":from", from),
		SQL_TEXT(":to", m->to ? m->to : ""), SQL_TEXT(":body", m->body ? m->body : ""),
		SQL_INT(":now", now), SQL_END) != STORE_OK)
		goto fail;
	int64_t mid = store_last_id(s);
	json_t *d = json_pack("{s:s,s:s,s:s,s:i,s:i}", "message_sid", m->message_sid, "from", from, "to",
			      m->to ? m->to : "", "length", (int)strlen(m->body ? m->body : ""),
			      "num_media", m->num_media);
	if (m->messaging_service_sid && *m->messaging_service_sid)
		json_object_set_new(d, "messaging_service_sid", json_string(m->messaging_service_sid));
	if (m->media && json_array_size(m->media))
		json_object_set(d, "media", m->media);
	char *dt = json_text(d);
	int64_t ev = store_event(s, "message_in", client, 0, mid, "twilio", dt);
	free(dt);
	if (ev < 0)
		goto fail;
	char payload[64], key[64];
	snprintf(payload, sizeof payload, "{\"message_id\":%lld}", (long long)mid);
	snprintf(key, sizeof key, "classify:%lld", (long long)mid);
	if (job_enqueue(s, "classify", payload, key, client, 0, mid, 0) < 0)
		goto fail;
	if (store_commit(s) != 0) {
		*err = xasprintf("commit failed: %s", store_errmsg(s));
		return INBOUND_ERROR;
	}
	*message_id = mid;
	return INBOUND_STORED;
fail:
	*err = xasprintf("could not store the message: %s", store_errmsg(s));
	store_rollback(s);
	return INBOUND_ERROR;
}

void desk_inbound_failed(Store *s, InboundItem *const *items, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i]->err);
		items[i]->result = INBOUND_ERROR;
		items[i]->message_id = 0;
		items[i]->err = xasprintf("%s: %s", why, store_errmsg(s));
	}
}

int desk_inbound_batch(Store *s, InboundItem *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		items[i]->err = NULL;
	for (size_t i = 0; i < n; i++) {
		/* Inside the open transaction, store_begin() is a savepoint. */
		items[i]->result = desk_inbound_sms(s, items[i]->m, &items[i]->message_id, &items[i]->err);
		if (!store_in_transaction(s)) {
			/* An I/O or memory error rolled the whole transaction back. */
			desk_inbound_failed(s, items, n, "the transaction was rolled back");
			return -1;
		}
	}
	return 0;
}

double route_threshold(Store *s)
{
	char *v = store_text(s, "SELECT value FROM settings WHERE name = 'confidence_threshold'", SQL_END);
	double t = v ? strtod(v, NULL) : config_double("ROUTE_CONFIDENCE_THRESHOLD");
	free(v);
	return t;
}

int route_decide(Store *s, const char *type, const char *urgency, double confidence, RouteDecision *out)
{
	memset(out, 0, sizeof *out);
	out->threshold = route_threshold(s);
	Rows *r = store_query(s,
		"SELECT id, route, auto_send FROM routing_rules WHERE type = :t AND urgency = :u",
		SQL_TEXT(":t", type), SQL_TEXT(":u", urgency), SQL_END);
	int found = rows_next(r);
	if (found) {
		out->rule_id = rows_int(r, 0);
		snprintf(out->route, sizeof out->route, "%s", rows_text(r, 1));
		out->auto_send = rows_int(r, 2);
	} else {
		snprintf(out->route, sizeof out->route, "HUMAN");
	}
	rows_done(r);
	if (confidence < out->threshold && strcmp(out->route, "AI") == 0) {
		snprintf(out->route, sizeof out->route, "HUMAN");
		out->auto_send = 0;
		out->low_confidence = 1;
	}
	return found ? 0 : -1;
}

char *desk_title_from_text(const char *text)
{
	Buf b = {0};
	int space = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && b.len < 72; p++) {
		if (isspace(*p)) {
			space = b.len > 0;
			continue;
		}
		if (space) {
			buf_putc(&b, ' ');
			space = 0;
		}
		buf_putc(&b, (char)*p);
	}
	if (b.len >= 72) {
		/* cut at a character boundary and the last space */
		size_t cut = b.len;
		while (cut > 0 && ((unsigned char)b.s[cut - 1] & 0xC0) == 0x80)
			cut--;
		if (cut > 0 && (unsigned char)b.s[cut - 1] >= 0xC0)
			cut--;
		size_t sp = cut;
		while (sp > 0 && b.s[sp - 1] != ' ')
			sp--;
		if (sp > 31)
			cut = sp - 1;
		b.len = cut;
		b.s[cut] = '\0';
		buf_puts(&b, "…");
	}
	if (b.len == 0)
		buf_puts(&b, "(empty message)");
	return buf_detach(&b);
}

int64_t desk_apply_classification(Store *s, int64_t message_id, const ClassifyResult *r)
{
	Rows *rows = store_query(s,
		"SELECT client_id, body, task_id FROM messages WHERE id = :id AND direction = 'in'",
		SQL_INT(":id", message_id), SQL_END);
	if (!rows_next(rows)) {
		rows_done(rows);
		return -1;
	}
	int64_t client = rows_int(rows, 0);
	char *body = xstrdup(rows_text(rows, 1));
	int64_t already = rows_int(rows, 2);
	rows_done(rows);
	if (already > 0) {
		/* Classified before (the job ran twice): nothing more to do. */
		free(body);
		return already;
	}
	RouteDecision rd;
	route_decide(s, r->type, r->urgency, r->confidence, &rd);
	int64_t now = now_ms();
	store_exec(s, "UPDATE messages SET type = :t, urgency = :u, confidence = :c, updated_at = :now WHERE id = :id",
		   SQL_TEXT(":t", r->type), SQL_TEXT(":u", r->urgency), SQL_REAL(":c", r->confidence),
		   SQL_INT(":now", now), SQL_INT(":id", message_id), SQL_END);

	int64_t task = store_int(s, 0,
		"SELECT id FROM tasks WHERE client_id = :c AND type = :t AND status != 'closed' "
		"ORDER BY updated_at DESC LIMIT 1",
		SQL_INT(":c", client), SQL_TEXT(":t", r->type), SQL_END);
	const char *event;
	if (task > 0) {
		event = "task_updated";
		/* A more urgent message raises the task's urgency, never lowers it. */
		store_exec(s,
			"UPDATE tasks SET updated_at = :now, status = CASE WHEN status = 'waiting' THEN 'open' ELSE status END, "
			" urgency = CASE WHEN :u = 'urgent' OR (:u = 'medium' AND urgency = 'low') THEN :u ELSE urgency END "
			"WHERE id = :id",
			SQL_INT(":now", now), SQL_TEXT(":u", r->urgency), SQL_INT(":id", task), SQL_END);
	} else {
		event = "task_created";
		char *title = desk_title_from_text(body);
		if (store_exec(s,
			"INSERT INTO tasks (client_id, title, type, urgency, status, route, confidence, rule_id, "
			" created_at, updated_at) VALUES (:c, :title, :t, :u, 'open', :route, :conf, :rule, :now, :now)",
			SQL_INT(":c", client), SQL_TEXT(":title", title), SQL_TEXT(":t", r->type),
			SQL_TEXT(":u", r->urgency), SQL_TEXT(":route", rd.route), SQL_REAL(":conf", r->confidence),
			rd.rule_id ? SQL_INT(":rule", rd.rule_id) : SQL_NULL(":rule"), SQL_INT(":now", now),
			SQL_END) != STORE_OK) {
			free(title);
			free(body);
			return -1;
		}
		free(title);
		task = store_last_id(s);
	}
	free(body);
	store_exec(s, "UPDATE messages SET task_id = :task WHERE id = :id", SQL_INT(":task", task),
		   SQL_INT(":id", message_id), SQL_END);

	json_t *cls = json_pack("{s:s,s:s,s:f,s:s,s:s}", "type", r->type, "urgency", r->urgency, "confidence",
				r->confidence, "provider", r->provider, "model", r->model);
	if (r->fallback) {
		json_object_set_new(cls, "fallback", json_true());
		json_object_set_new(cls, "note", json_string(r->note));
	}
	char *d1 = json_text(json_deep_copy(cls));
	store_event(s, "classified", client, task, message_id, "worker", d1);
	free(d1);
	json_t *d = json_pack("{s:o,s:s,s:b,s:f}", "classification", cls, "route", rd.route, "auto_send",
			      rd.auto_send, "threshold", rd.threshold);
	json_object_set_new(d, "rule_id", rd.rule_id ? json_integer(rd.rule_id) : json_null());
	if (rd.low_confidence)
		json_object_set_new(d, "low_confidence", json_true());
	char *dt = json_text(d);
	store_event(s, event, client, task, message_id, "worker", dt);
	free(dt);

	char payload[96], key[64];
	snprintf(payload, sizeof payload, "{\"client_id\":%lld}", (long long)client);
	snprintf(key, sizeof key, "summary:msg:%lld", (long long)message_id);
	job_enqueue(s, "summary", payload, key, client, task, message_id, 0);
	/* The route is the task's (a human task stays human when more messages
	 * join it); the rule's auto-send applies to this message. */
	char *task_route = store_text(s, "SELECT route FROM tasks WHERE id = :id", SQL_INT(":id", task), SQL_END);
	if (task_route && strcmp(task_route, "AI") == 0 && strcmp(rd.route, "AI") == 0) {
		snprintf(payload, sizeof payload, "{\"task_id\":%lld,\"message_id\":%lld,\"auto_send\":%s}",
			 (long long)task, (long long)message_id, rd.auto_send ? "true" : "false");
		snprintf(key, sizeof key, "draft:%lld", (long long)message_id);
		job_enqueue(s, "draft", payload, key, client, task, message_id, 0);
	}
	/* Feature-request flow: a new feature request on the AI route gets
	 * a PRD drafted for review. */
	if (task_route && strcmp(task_route, "AI") == 0 && strcmp(event, "task_created") == 0 &&
	    strcmp(r->type, "feature_request") == 0) {
		snprintf(payload, sizeof payload, "{\"task_id\":%lld}", (long long)task);
		snprintf(key, sizeof key, "prd:%lld", (long long)task);
		if (job_enqueue(s, "prd", payload, key, client, task, message_id, 0) < 0) {
			free(task_route);
			return -1;
		}
	}
	free(task_route);
	/* Every message may say who the client is: profile_edit proposals. */
	snprintf(payload, sizeof payload, "{\"message_id\":%lld}", (long long)message_id);
	snprintf(key, sizeof key, "profile:%lld", (long long)message_id);
	if (job_enqueue(s, "profile", payload, key, client, task, message_id, 0) < 0)
		return -1;
	/* Bug flow: a new bug task gets a GitHub issue (and a follow-up
	 * draft); later messages on it become comments on that issue. */
	if (strcmp(r->type, "bug") == 0) {
		int created = strcmp(event, "task_created") == 0;
		snprintf(payload, sizeof payload, "{\"task_id\":%lld,\"message_id\":%lld}", (long long)task,
			 (long long)message_id);
		if (created)
			snprintf(key, sizeof key, "github_issue:%lld", (long long)task);
		else
			snprintf(key, sizeof key, "github_comment:%lld", (long long)message_id);
		if (job_enqueue(s, created ? "github_issue" : "github_comment", payload, key, client, task, message_id,
				0) < 0)
			return -1;
	}
	return task;
}

static const char *outbound_from(void)
{
	const char *from = config_get("TWILIO_FROM_NUMBER");
	if (*from)
		return from;
	from = config_get("TWILIO_MESSAGING_SERVICE_SID");
	return *from ? from : "switchboard";
}

int64_t desk_outbound(Store *s, int64_t client_id, int64_t task_id, const char *body, const char *author,
		      int ai_generated, int draft)
{
	return desk_outbound_proposal(s, client_id, task_id, body, author, ai_generated, draft, "reply_draft");
}

int64_t desk_outbound_proposal(Store *s, int64_t client_id, int64_t task_id, const char *body, const char *author,
			       int ai_generated, int draft, const char *kind)
{
	char *to = store_text(s, "SELECT phone FROM clients WHERE id = :id", SQL_INT(":id", client_id), SQL_END);
	if (!to)
		return -1;
	int64_t now = now_ms();
	int rc = store_exec(s,
		"INSERT INTO messages (client_id, task_id, channel, direction, from_addr, to_addr, body, status, "
		" ai_generated, author, created_at, updated_at) "
		"VALUES (:c, :task, 'sms', 'out', :from, :to, :body, :status, :ai, :author, :now, :now)",
		SQL_INT(":c", client_id), task_id > 0 ? SQL_INT(":task", task_id) : SQL_NULL(":task"),
		SQL_TEXT(":from", outbound_from()), SQL_TEXT(":to", to), SQL_TEXT(":body", body),
		SQL_TEXT(":status", draft ? "draft" : "queued"), SQL_INT(":ai", ai_generated),
		SQL_TEXT(":author", author), SQL_INT(":now", now), SQL_END);
	free(to);
	if (rc != STORE_OK)
		return -1;
	int64_t mid = store_last_id(s);
	char *d = json_text(json_pack("{s:b,s:b,s:i}", "draft", draft, "ai_generated", ai_generated, "length",
				      (int)strlen(body)));
	store_event(s, "message_out", client_id, task_id, mid, author, d);
	free(d);
	if (!draft) {
		char payload[64], key[64];
		snprintf(payload, sizeof payload, "{\"message_id\":%lld}", (long long)mid);
		snprintf(key, sizeof key, "send:%lld", (long long)mid);
		if (job_enqueue(s, "send", payload, key, client_id, task_id, mid, 0) < 0)
			return -1;
	}
	if (draft && ai_generated) {
		/* An AI draft waits for a person: it is a proposal. */
		ProposalNew p = {.kind = kind, .client_id = client_id, .task_id = task_id, .message_id = mid,
				 .proposed_value = body, .confidence = -1, .actor = author};
		if (proposal_add(s, &p) < 0)
			return -1;
	}
	if (task_id > 0)
		store_exec(s, "UPDATE tasks SET updated_at = :now WHERE id = :id", SQL_INT(":now", now),
			   SQL_INT(":id", task_id), SQL_END);
	return mid;
}

int desk_send_draft(Store *s, int64_t message_id, const char *new_body, const char *actor)
{
	Rows *r = store_query(s,
		"SELECT client_id, task_id, body FROM messages WHERE id = :id AND status = 'draft'",
		SQL_INT(":id", message_id), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		return -1;
	}
	int64_t client = rows_int(r, 0), task = rows_int(r, 1);
	int edited = new_body && strcmp(new_body, rows_text(r, 2)) != 0;
	rows_done(r);
	int64_t now = now_ms();
	store_exec(s, "UPDATE messages SET status = 'queued', body = coalesce(:body, body), author = :actor, "
		      " updated_at = :now WHERE id = :id",
		   SQL_TEXT(":body", edited ? new_body : NULL), SQL_TEXT(":actor", actor), SQL_INT(":now", now),
		   SQL_INT(":id", message_id), SQL_END);
	char *d = json_text(json_pack("{s:s}", "decision", edited ? "edited" : "approved"));
	store_event(s, "draft_approved", client, task, message_id, actor, d);
	free(d);
	if (proposal_draft_decided(s, message_id, edited ? "edited" : "accepted", edited ? new_body : NULL, actor) < 0)
		return -1;
	char payload[64], key[64];
	snprintf(payload, sizeof payload, "{\"message_id\":%lld}", (long long)message_id);
	snprintf(key, sizeof key, "send:%lld", (long long)message_id);
	return job_enqueue(s, "send", payload, key, client, task, message_id, 0) < 0 ? -1 : 0;
}

int desk_status_rank(const char *status)
{
	static const struct { const char *name; int rank; } ranks[] = {
		{"draft", 0}, {"queued", 1}, {"submitting", 2}, {"accepted", 3}, {"scheduled", 3},
		{"sending", 4}, {"sent", 5}, {"delivered", 7}, {"undelivered", 7}, {"failed", 7},
		{"read", 8}, {"canceled", 7}, {"rejected", 7}, {"superseded", 7},
	};
	for (size_t i = 0; i < ARRAY_LEN(ranks); i++)
		if (strcmp(ranks[i].name, status) == 0)
			return ranks[i].rank;
	return -1;
}

int desk_status_callback(Store *s, const char *message_sid, const char *status, const char *error_code,
			 const char *error_message)
{
	int new_rank = desk_status_rank(status);
	if (store_begin(s) != 0)
		return -1;
	Rows *r = store_query(s,
		"SELECT id, client_id, task_id, status FROM messages WHERE channel = 'sms' AND external_id = :sid "
		"AND direction = 'out'",
		SQL_TEXT(":sid", message_sid), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		store_rollback(s);
		return -1;
	}
	int64_t id = rows_int(r, 0), client = rows_int(r, 1), task = rows_int(r, 2);
	char old[24];
	snprintf(old, sizeof old, "%s", rows_text(r, 3));
	rows_done(r);
	int old_rank = desk_status_rank(old);
	if (new_rank < 0 || new_rank <= old_rank) {
		store_rollback(s);
		return 0;
	}
	store_exec(s, "UPDATE messages SET status = :st, error_code = coalesce(:code, error_code), "
		      " error_message = coalesce(:msg, error_message), updated_at = :now WHERE id = :id",
		   SQL_TEXT(":st", status), SQL_TEXT(":code", error_code && *error_code ? error_code : NULL),
		   SQL_TEXT(":msg", error_message && *error_message ? error_message : NULL),
		   SQL_INT(":now", now_ms()), SQL_INT(":id", id), SQL_END);
	json_t *d = json_pack("{s:s,s:s,s:s}", "message_sid", message_sid, "from", old, "status", status);
	if (error_code && *error_code)
		json_object_set_new(d, "error_code", json_string(error_code));
	char *dt = json_text(d);
	store_event(s, "message_status", client, task, id, "twilio", dt);
	free(dt);
	return store_commit(s) == 0 ? 1 : -1;
}
