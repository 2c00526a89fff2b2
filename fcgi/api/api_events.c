/*
 * api_events.c - the JSON API over the append-only event log: read it with
 * filters, newest first.
 *
 * Read-only by design: events are written only by the state changes they
 * record (desk.c, the API handlers, the worker), never through this file.
 * A token acting for a user reads only events of that user's clients
 * (apiq_events' isolation rule; events about no client are for admins and operator tokens
 * only).  Authentication (bearer token) is the dispatcher's job.
 */
#include "fcgi/api/api.h"
#include "desk/api_queries.h"
#include "fcgi/handlers.h"

static json_t *event_json(Rows *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", api_col_int(r, 0));
	json_object_set_new(o, "event_type", api_col_str(r, 1));
	json_object_set_new(o, "client_id", api_col_int(r, 2));
	json_object_set_new(o, "task_id", api_col_int(r, 3));
	json_object_set_new(o, "message_id", api_col_int(r, 4));
	json_object_set_new(o, "actor", api_col_str(r, 5));
	/* details is JSON text (CHECK json_valid): hand it back as an object. */
	json_t *d = json_loads(rows_text(r, 6), JSON_DECODE_ANY, NULL);
	json_object_set_new(o, "details", d ? d : api_col_str(r, 6));
	json_object_set_new(o, "created_at", api_col_time(r, 7));
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
	ApiqEventFilter f = {.client_id = client, .task_id = task, .message_id = message, .event_type = type,
			     .has_from = has_from, .has_to = has_to, .from = from, .to = to};
	Rows *r = apiq_events(c->store, API_VIEWER(c), &f, page.cursor, API_FETCH(&page));
	json_t *out = api_list(r, &page, event_json);
	if (!out) {
		api_store_failed(c, "listing events");
		return;
	}
	respond_json(c, 200, out);
}
