/*
 * api_events.c - the JSON API over the append-only event log: read it with
 * filters, newest first.
 *
 * Read-only by design: events are written only by the state changes they
 * record (desk.c, the API handlers, the worker), never through this file.
 * A token acting for a user reads only events of that user's clients
 * (API_VISIBLE; events about no client are for admins and operator tokens
 * only).  Authentication (bearer token) is the dispatcher's job.
 */
#include "fcgi/api/api.h"
#include "fcgi/handlers.h"

static json_t *event_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", api_col_int(st, 0));
	json_object_set_new(o, "event_type", api_col_text(st, 1));
	json_object_set_new(o, "client_id", api_col_int(st, 2));
	json_object_set_new(o, "task_id", api_col_int(st, 3));
	json_object_set_new(o, "message_id", api_col_int(st, 4));
	json_object_set_new(o, "actor", api_col_text(st, 5));
	/* details is JSON text (CHECK json_valid): hand it back as an object. */
	json_t *d = json_loads(col_text(st, 6), JSON_DECODE_ANY, NULL);
	json_object_set_new(o, "details", d ? d : api_col_text(st, 6));
	json_object_set_new(o, "created_at", api_col_time(st, 7));
	return o;
}

/* GET /api/events - API token (a user's token: events of that user's
 * clients only).  Query: client_id, task_id, message_id,
 * event_type, from and to (ISO 8601 or unix ms; from <= created_at < to),
 * limit (1..200, default 50), cursor.  Newest first.
 * 200 {"data":[event...], "next_cursor": "..." | null}. */
void h_api_events_list(Ctx *c)
{
	ApiPage page;
	int64_t client = 0, task = 0, message = 0, from = 0, to = 0;
	const char *type = NULL;
	int has_from, has_to;
	if (api_query_id(c, "client_id", &client) < 0 || api_query_id(c, "task_id", &task) < 0 ||
	    api_query_id(c, "message_id", &message) < 0 || api_query_text(c, "event_type", 64, &type) < 0 ||
	    (has_from = api_query_time(c, "from", &from)) < 0 || (has_to = api_query_time(c, "to", &to)) < 0 ||
	    api_page(c, &page) < 0)
		return;
	if (has_from && has_to && from > to) {
		respond_error(c, 422, "invalid_value", "from must not be later than to.", "from");
		return;
	}
	sqlite3_stmt *st = store_stmt(c->store,
		"SELECT id, event_type, client_id, task_id, message_id, actor, details, created_at FROM events "
		"WHERE (:client IS NULL OR client_id = :client) AND (:task IS NULL OR task_id = :task) "
		"  AND (:message IS NULL OR message_id = :message) AND (:type IS NULL OR event_type = :type) "
		"  AND (:from IS NULL OR created_at >= :from) AND (:to IS NULL OR created_at < :to) "
		"  AND " API_VISIBLE("client_id") " AND (:cursor IS NULL OR id < :cursor) "
		"ORDER BY id DESC LIMIT :limit",
		client ? SQL_INT(":client", client) : SQL_NULL(":client"),
		task ? SQL_INT(":task", task) : SQL_NULL(":task"),
		message ? SQL_INT(":message", message) : SQL_NULL(":message"), SQL_TEXT(":type", type),
		has_from ? SQL_INT(":from", from) : SQL_NULL(":from"), has_to ? SQL_INT(":to", to) : SQL_NULL(":to"),
		API_VIEWER_ARGS(c), API_CURSOR_ARG(&page), SQL_INT(":limit", API_FETCH(&page)), SQL_END);
	json_t *out = api_list(st, &page, event_json);
	if (!out) {
		api_store_failed(c, "listing events");
		return;
	}
	respond_json(c, 200, out);
}
