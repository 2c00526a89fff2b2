/*
 * seed.c - the SQL of `switchboard seed-demo` (see seed.h).  Plain
 * inserts through the store's cached statements; the caller holds the
 * transaction.
 */
#include "desk/seed.h"

void seed_marks(Store *s, SeedMarks *m)
{
	m->last_message_id = store_int(s, 0, "SELECT max(id) FROM messages", SQL_END);
	m->last_event_id = store_int(s, 0, "SELECT max(id) FROM events", SQL_END);
	m->last_event_at = store_int(s, 0, "SELECT max(created_at) FROM events", SQL_END);
	m->clients = store_int(s, 0, "SELECT count(*) FROM clients", SQL_END);
}

int64_t seed_client(Store *s, const char *name, const char *phone, const char *email, const char *company,
		    const char *summary, int64_t at)
{
	int rc = store_exec(s,
		"INSERT INTO clients (name, phone, email, company, summary, created_at, updated_at) "
		"VALUES (:name, :phone, :email, :company, :summary, :t, :t)",
		SQL_TEXT(":name", name), SQL_TEXT(":phone", phone), SQL_TEXT(":email", email),
		SQL_TEXT(":company", company), SQL_TEXT(":summary", summary), SQL_INT(":t", at), SQL_END);
	if (rc == STORE_OK)
		return store_last_id(s);
	return rc == STORE_CONSTRAINT ? 0 : -1;
}

int64_t seed_task(Store *s, int64_t client_id, const char *title, const char *type, const char *urgency,
		  const char *status, const char *route, double confidence, int64_t created_at, int64_t updated_at,
		  int64_t closed_at)
{
	int rc = store_exec(s,
		"INSERT INTO tasks (client_id, title, type, urgency, status, route, confidence, created_at, "
		"updated_at, closed_at) VALUES (:c, :title, :type, :urg, :status, :route, :conf, :t, :u, :closed)",
		SQL_INT(":c", client_id), SQL_TEXT(":title", title), SQL_TEXT(":type", type), SQL_TEXT(":urg", urgency),
		SQL_TEXT(":status", status), SQL_TEXT(":route", route), SQL_REAL(":conf", confidence),
		SQL_INT(":t", created_at), SQL_INT(":u", updated_at),
		closed_at ? SQL_INT(":closed", closed_at) : SQL_NULL(":closed"), SQL_END);
	return rc == STORE_OK ? store_last_id(s) : -1;
}

int64_t seed_message(Store *s, const SeedMessage *m)
{
	int rc = store_exec(s,
		"INSERT INTO messages (client_id, task_id, channel, direction, external_id, from_addr, to_addr, "
		"body, status, type, urgency, confidence, ai_generated, transport, author, created_at, updated_at) "
		"VALUES (:c, :task, 'sms', :dir, :sid, :from, :to, :body, :status, :type, :urg, :conf, :ai, :tr, "
		":author, :t, :t)",
		SQL_INT(":c", m->client_id), SQL_INT(":task", m->task_id), SQL_TEXT(":dir", m->direction),
		SQL_TEXT(":sid", m->sid), SQL_TEXT(":from", m->from), SQL_TEXT(":to", m->to), SQL_TEXT(":body", m->body),
		SQL_TEXT(":status", m->status), SQL_TEXT(":type", m->type), SQL_TEXT(":urg", m->urgency),
		m->confidence >= 0 ? SQL_REAL(":conf", m->confidence) : SQL_NULL(":conf"),
		SQL_INT(":ai", m->ai_generated), SQL_TEXT(":tr", m->transport), SQL_TEXT(":author", m->author),
		SQL_INT(":t", m->at), SQL_END);
	return rc == STORE_OK ? store_last_id(s) : -1;
}

int seed_event(Store *s, const char *type, int64_t client_id, int64_t task_id, int64_t message_id, const char *actor,
	       const char *details, int64_t at)
{
	int rc = store_exec(s,
		"INSERT INTO events (event_type, client_id, task_id, message_id, actor, details, created_at) "
		"VALUES (:type, :c, :task, :msg, :actor, :d, :t)",
		SQL_TEXT(":type", type), SQL_INT(":c", client_id),
		task_id ? SQL_INT(":task", task_id) : SQL_NULL(":task"),
		message_id ? SQL_INT(":msg", message_id) : SQL_NULL(":msg"), SQL_TEXT(":actor", actor),
		SQL_TEXT(":d", details), SQL_INT(":t", at), SQL_END);
	return rc == STORE_OK ? 0 : -1;
}

int seed_usage(Store *s, int64_t client_id, const char *purpose, const char *model, int64_t prompt_tokens,
	       int64_t completion_tokens, int64_t at)
{
	int rc = store_exec(s,
		"INSERT INTO usage (client_id, purpose, provider, model, prompt_tokens, completion_tokens, "
		"created_at) VALUES (:c, :p, 'openai', :m, :pt, :ct, :t)",
		SQL_INT(":c", client_id), SQL_TEXT(":p", purpose), SQL_TEXT(":m", model), SQL_INT(":pt", prompt_tokens),
		SQL_INT(":ct", completion_tokens), SQL_INT(":t", at), SQL_END);
	return rc == STORE_OK ? 0 : -1;
}

int seed_task_update(Store *s, int64_t task_id, const char *status, int64_t updated_at, int64_t closed_at)
{
	int rc = store_exec(s, "UPDATE tasks SET status = :status, updated_at = :u, closed_at = :closed WHERE id = :id",
		SQL_TEXT(":status", status), SQL_INT(":u", updated_at),
		closed_at ? SQL_INT(":closed", closed_at) : SQL_NULL(":closed"), SQL_INT(":id", task_id), SQL_END);
	return rc == STORE_OK ? 0 : -1;
}

void seed_each_client(Store *s, void (*fn)(void *arg, int64_t id, const char *phone, int64_t created_at), void *arg)
{
	Rows *r = store_query(s, "SELECT id, coalesce(phone, ''), created_at FROM clients ORDER BY id", SQL_END);
	while (rows_next(r))
		fn(arg, rows_int(r, 0), rows_text(r, 1), rows_int(r, 2));
	rows_done(r);
}

void seed_each_open_task(Store *s, void (*fn)(void *arg, const SeedTask *t), void *arg)
{
	Rows *r = store_query(s,
		"SELECT t.id, t.client_id, t.type, t.urgency, t.status, t.route, coalesce(t.confidence, 0.9), "
		"t.created_at, t.updated_at FROM tasks t WHERE t.status != 'closed' ORDER BY t.id DESC LIMIT 5000",
		SQL_END);
	while (rows_next(r)) {
		SeedTask t = {rows_int(r, 0), rows_int(r, 1), rows_text(r, 2), rows_text(r, 3), rows_text(r, 4),
			      rows_text(r, 5), rows_real(r, 6), rows_int(r, 7), rows_int(r, 8)};
		fn(arg, &t);
	}
	rows_done(r);
}
