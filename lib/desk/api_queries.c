/*
 * api_queries.c - the SQL of the JSON API (see api_queries.h): client,
 * event, message and task rows for fcgi/api/, each with the
 * client-isolation rule of APIQ_VISIBLE.
 *
 * It only reads, apart from apiq_task_insert; it never decides what a
 * request may do beyond the isolation rule, and never builds SQL from
 * input: every value is a bound parameter.
 */
#include "desk/api_queries.h"

#include <stdlib.h>
#include <string.h>

#define CURSOR_ARG(cursor) ((cursor) > 0 ? SQL_INT(":cursor", (cursor)) : SQL_NULL(":cursor"))
#define ID_OR_NULL(name, v) ((v) ? SQL_INT(name, (v)) : SQL_NULL(name))

/* ---- clients --------------------------------------------------------- */

#define CLIENT_COLS "c.id, c.name, c.phone, c.email, c.company, c.summary, c.summary_updated_at, " \
		    "c.created_at, c.updated_at"

Rows *apiq_client(Store *s, const User *viewer, int64_t id)
{
	return store_query(s,
		"SELECT " CLIENT_COLS ", "
		" (SELECT count(*) FROM tasks t WHERE t.client_id = c.id AND t.status != 'closed'), "
		" (SELECT count(*) FROM messages m WHERE m.client_id = c.id) "
		"FROM clients c WHERE c.id = :id AND " APIQ_VISIBLE("c.id"),
		SQL_INT(":id", id), APIQ_VIEWER_ARGS(viewer), SQL_END);
}

int apiq_client_visible(Store *s, const User *viewer, int64_t id)
{
	return store_int(s, 0, "SELECT count(*) FROM clients c WHERE c.id = :id AND " APIQ_VISIBLE("c.id"),
			 SQL_INT(":id", id), APIQ_VIEWER_ARGS(viewer), SQL_END) > 0;
}

Rows *apiq_clients(Store *s, const User *viewer, const char *pat, const char *e164, int64_t cursor, int fetch)
{
	return store_query(s,
		"SELECT " CLIENT_COLS " FROM clients c "
		"WHERE (:pat IS NULL OR c.name LIKE :pat ESCAPE '\\' OR c.phone LIKE :pat ESCAPE '\\' "
		"       OR c.company LIKE :pat ESCAPE '\\' OR c.email LIKE :pat ESCAPE '\\' OR c.phone = :e164) "
		"  AND " APIQ_VISIBLE("c.id") " AND (:cursor IS NULL OR c.id < :cursor) "
		"ORDER BY c.id DESC LIMIT :limit",
		SQL_TEXT(":pat", pat), SQL_TEXT(":e164", e164), APIQ_VIEWER_ARGS(viewer), CURSOR_ARG(cursor),
		SQL_INT(":limit", fetch), SQL_END);
}

/* ---- events ---------------------------------------------------------- */

Rows *apiq_events(Store *s, const User *viewer, const ApiqEventFilter *f, int64_t cursor, int fetch)
{
	return store_query(s,
		"SELECT id, event_type, client_id, task_id, message_id, actor, details, created_at FROM events "
		"WHERE (:client IS NULL OR client_id = :client) AND (:task IS NULL OR task_id = :task) "
		"  AND (:message IS NULL OR message_id = :message) AND (:type IS NULL OR event_type = :type) "
		"  AND (:from IS NULL OR created_at >= :from) AND (:to IS NULL OR created_at < :to) "
		"  AND " APIQ_VISIBLE("client_id") " AND (:cursor IS NULL OR id < :cursor) "
		"ORDER BY id DESC LIMIT :limit",
		ID_OR_NULL(":client", f->client_id), ID_OR_NULL(":task", f->task_id),
		ID_OR_NULL(":message", f->message_id), SQL_TEXT(":type", f->event_type),
		f->has_from ? SQL_INT(":from", f->from) : SQL_NULL(":from"),
		f->has_to ? SQL_INT(":to", f->to) : SQL_NULL(":to"), APIQ_VIEWER_ARGS(viewer), CURSOR_ARG(cursor),
		SQL_INT(":limit", fetch), SQL_END);
}

/* ---- messages -------------------------------------------------------- */

#define MESSAGE_COLS "m.id, m.client_id, m.task_id, m.channel, m.direction, m.from_addr, m.to_addr, m.body, " \
		     "m.status, m.error_code, m.error_message, m.type, m.urgency, m.confidence, " \
		     "m.ai_generated, m.transport, m.author, m.external_id, m.created_at, m.updated_at"

Rows *apiq_messages(Store *s, const User *viewer, const ApiqMessageFilter *f, int64_t cursor, int fetch)
{
	return store_query(s,
		"SELECT " MESSAGE_COLS " FROM messages m "
		"WHERE (:client IS NULL OR m.client_id = :client) AND (:task IS NULL OR m.task_id = :task) "
		"  AND (:direction IS NULL OR m.direction = :direction) AND (:status IS NULL OR m.status = :status) "
		"  AND (:since IS NULL OR m.created_at >= :since) AND " APIQ_VISIBLE("m.client_id")
		"  AND (:cursor IS NULL OR m.id < :cursor) "
		"ORDER BY m.id DESC LIMIT :limit",
		ID_OR_NULL(":client", f->client_id), ID_OR_NULL(":task", f->task_id),
		SQL_TEXT(":direction", f->direction), SQL_TEXT(":status", f->status),
		f->has_since ? SQL_INT(":since", f->since) : SQL_NULL(":since"), APIQ_VIEWER_ARGS(viewer),
		CURSOR_ARG(cursor), SQL_INT(":limit", fetch), SQL_END);
}

/* ---- tasks ----------------------------------------------------------- */

#define TASK_COLS "t.id, t.client_id, t.title, t.type, t.urgency, t.status, t.route, t.confidence, " \
		  "t.rule_id, t.assignee_id, t.created_at, t.updated_at, t.closed_at"

Rows *apiq_task(Store *s, const User *viewer, int64_t id)
{
	return store_query(s, "SELECT " TASK_COLS " FROM tasks t WHERE t.id = :id AND " APIQ_VISIBLE("t.client_id"),
			   SQL_INT(":id", id), APIQ_VIEWER_ARGS(viewer), SQL_END);
}

Rows *apiq_tasks(Store *s, const User *viewer, const ApiqTaskFilter *f, int64_t cursor, int fetch)
{
	return store_query(s,
		"SELECT " TASK_COLS " FROM tasks t "
		"WHERE (:status IS NULL OR t.status = :status) AND (:type IS NULL OR t.type = :type) "
		"  AND (:urgency IS NULL OR t.urgency = :urgency) AND (:client IS NULL OR t.client_id = :client) "
		"  AND (:assignee IS NULL OR t.assignee_id = :assignee) "
		"  AND (:unassigned = 0 OR t.assignee_id IS NULL) AND " APIQ_VISIBLE("t.client_id")
		"  AND (:cursor IS NULL OR t.id < :cursor) "
		"ORDER BY t.id DESC LIMIT :limit",
		SQL_TEXT(":status", f->status), SQL_TEXT(":type", f->type), SQL_TEXT(":urgency", f->urgency),
		ID_OR_NULL(":client", f->client_id), ID_OR_NULL(":assignee", f->assignee_id),
		SQL_INT(":unassigned", f->unassigned), APIQ_VIEWER_ARGS(viewer), CURSOR_ARG(cursor),
		SQL_INT(":limit", fetch), SQL_END);
}

int64_t apiq_task_insert(Store *s, int64_t client_id, const char *title, const char *type, const char *urgency,
			 const char *route, int64_t assignee, int64_t now)
{
	if (store_exec(s,
		"INSERT INTO tasks (client_id, title, type, urgency, status, route, assignee_id, created_at, updated_at) "
		"VALUES (:client, :title, :type, :urgency, 'open', :route, :assignee, :now, :now)",
		SQL_INT(":client", client_id), SQL_TEXT(":title", title), SQL_TEXT(":type", type),
		SQL_TEXT(":urgency", urgency), SQL_TEXT(":route", route), ID_OR_NULL(":assignee", assignee),
		SQL_INT(":now", now), SQL_END) != STORE_OK)
		return -1;
	return store_last_id(s);
}
