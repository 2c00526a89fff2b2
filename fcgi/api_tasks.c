/*
 * api_tasks.c - the JSON API for tasks: list with filters, create by hand,
 * show, and edit (status, type, urgency, title, assignee).
 *
 * A person changing a task's type or urgency overrides the classifier, so
 * each such change is logged as its own `task_overridden` event besides the
 * general `task_updated`; the classifier's original decision stays in the
 * event log.  Every write is one transaction naming the token's actor.  This
 * file does not re-route tasks or enqueue AI work: that is the worker's.
 */
#include "api.h"
#include "handlers.h"

#include <string.h>

#define TASK_TITLE_MAX 200

static const char *const task_types[] = {"bug", "consult", "feature_request", "question", "other", NULL};
static const char *const task_urgencies[] = {"urgent", "medium", "low", NULL};
static const char *const task_statuses[] = {"open", "waiting", "approved", "closed", NULL};
static const char *const task_routes[] = {"AI", "HUMAN", NULL};

/* One task row: the columns TASK_COLS selects, in that order. */
#define TASK_COLS "t.id, t.client_id, t.title, t.type, t.urgency, t.status, t.route, t.confidence, " \
		  "t.rule_id, t.assignee_id, t.created_at, t.updated_at, t.closed_at"

static json_t *task_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", api_col_int(st, 0));
	json_object_set_new(o, "client_id", api_col_int(st, 1));
	json_object_set_new(o, "title", api_col_text(st, 2));
	json_object_set_new(o, "type", api_col_text(st, 3));
	json_object_set_new(o, "urgency", api_col_text(st, 4));
	json_object_set_new(o, "status", api_col_text(st, 5));
	json_object_set_new(o, "route", api_col_text(st, 6));
	json_object_set_new(o, "confidence", api_col_real(st, 7));
	json_object_set_new(o, "rule_id", api_col_int(st, 8));
	json_object_set_new(o, "assignee", api_col_int(st, 9));
	json_object_set_new(o, "created_at", api_col_time(st, 10));
	json_object_set_new(o, "updated_at", api_col_time(st, 11));
	json_object_set_new(o, "closed_at", api_col_time(st, 12));
	return o;
}

/* The task as JSON, or NULL when there is no such task.  Caller owns it. */
static json_t *task_load(Store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " TASK_COLS " FROM tasks t WHERE t.id = :id", SQL_INT(":id", id),
				      SQL_END);
	json_t *o = sqlite3_step(st) == SQLITE_ROW ? task_json(st) : NULL;
	store_done(st);
	return o;
}

/* GET /api/tasks - API token.  Query: status, type, urgency, client_id,
 * assignee (a user id, or "none" for unassigned tasks), limit (1..200,
 * default 50), cursor.  Newest first.
 * 200 {"data":[task...], "next_cursor": "..." | null}. */
void h_api_tasks_list(Ctx *c)
{
	ApiPage page;
	const char *status = NULL, *type = NULL, *urgency = NULL;
	int64_t client = 0, assignee = 0;
	const char *a = params_get(&c->query, "assignee");
	int unassigned = a && strcmp(a, "none") == 0;
	if (api_query_enum(c, "status", task_statuses, &status) < 0 ||
	    api_query_enum(c, "type", task_types, &type) < 0 ||
	    api_query_enum(c, "urgency", task_urgencies, &urgency) < 0 ||
	    api_query_id(c, "client_id", &client) < 0 ||
	    (!unassigned && api_query_id(c, "assignee", &assignee) < 0) || api_page(c, &page) < 0)
		return;
	sqlite3_stmt *st = store_stmt(c->store,
		"SELECT " TASK_COLS " FROM tasks t "
		"WHERE (:status IS NULL OR t.status = :status) AND (:type IS NULL OR t.type = :type) "
		"  AND (:urgency IS NULL OR t.urgency = :urgency) AND (:client IS NULL OR t.client_id = :client) "
		"  AND (:assignee IS NULL OR t.assignee_id = :assignee) "
		"  AND (:unassigned = 0 OR t.assignee_id IS NULL) "
		"  AND (:cursor IS NULL OR t.id < :cursor) "
		"ORDER BY t.id DESC LIMIT :limit",
		SQL_TEXT(":status", status), SQL_TEXT(":type", type), SQL_TEXT(":urgency", urgency),
		client ? SQL_INT(":client", client) : SQL_NULL(":client"),
		assignee ? SQL_INT(":assignee", assignee) : SQL_NULL(":assignee"),
		SQL_INT(":unassigned", unassigned), API_CURSOR_ARG(&page), SQL_INT(":limit", API_FETCH(&page)),
		SQL_END);
	json_t *out = api_list(st, &page, task_json);
	if (!out) {
		api_store_failed(c, "listing tasks");
		return;
	}
	respond_json(c, 200, out);
}

/* GET /api/tasks/:id - API token.  200 the task; 404 unknown id. */
void h_api_task_get(Ctx *c)
{
	json_t *o = task_load(c->store, path_id(c, "id"));
	if (!o) {
		respond_error(c, 404, "not_found", "There is no task with that id.", NULL);
		return;
	}
	respond_json(c, 200, o);
}

/* POST /api/tasks - API token.  JSON {"client_id", "title", "type",
 * "urgency" (all required), "route": "AI" | "HUMAN" (default HUMAN),
 * "assignee": user id or null}.  201 the task (Location: /api/tasks/ID);
 * 422 when the client does not exist.  Event task_created. */
void h_api_tasks_create(Ctx *c)
{
	static const char *const fields[] = {"client_id", "title", "type", "urgency", "route", "assignee", NULL};
	json_t *in = api_body(c);
	if (!in)
		return;
	int64_t client = 0, assignee = 0;
	const char *title = NULL, *type = NULL, *urgency = NULL, *route = "HUMAN";
	if (api_known_fields(c, in, fields) < 0 || api_field_id(c, in, "client_id", F_REQUIRED, &client, NULL) < 0 ||
	    api_field_str(c, in, "title", F_REQUIRED | F_ONE_LINE | F_NONBLANK, TASK_TITLE_MAX, &title) < 0 ||
	    api_field_enum(c, in, "type", F_REQUIRED, task_types, &type) < 0 ||
	    api_field_enum(c, in, "urgency", F_REQUIRED, task_urgencies, &urgency) < 0 ||
	    api_field_enum(c, in, "route", 0, task_routes, &route) < 0 ||
	    api_field_id(c, in, "assignee", F_NULLABLE, &assignee, NULL) < 0)
		goto out;

	if (api_begin(c) < 0)
		goto out;
	if (!store_int(c->store, 0, "SELECT id FROM clients WHERE id = :id", SQL_INT(":id", client), SQL_END)) {
		store_rollback(c->store);
		respond_error(c, 422, "not_found",
			      arena_printf(c->arena, "There is no client %lld.", (long long)client), "client_id");
		goto out;
	}
	int64_t now = now_ms();
	if (store_exec(c->store,
		"INSERT INTO tasks (client_id, title, type, urgency, status, route, assignee_id, created_at, updated_at) "
		"VALUES (:client, :title, :type, :urgency, 'open', :route, :assignee, :now, :now)",
		SQL_INT(":client", client), SQL_TEXT(":title", title), SQL_TEXT(":type", type),
		SQL_TEXT(":urgency", urgency), SQL_TEXT(":route", route),
		assignee ? SQL_INT(":assignee", assignee) : SQL_NULL(":assignee"), SQL_INT(":now", now),
		SQL_END) != SQLITE_OK) {
		api_store_failed(c, "inserting a task");
		goto out;
	}
	int64_t id = store_last_id(c->store);
	json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:s}", "title", title, "type", type, "urgency", urgency, "route",
			      route, "source", "api");
	json_object_set_new(d, "assignee", assignee ? json_integer(assignee) : json_null());
	if (api_event(c, "task_created", client, id, 0, d) < 0) {
		api_store_failed(c, "recording task_created");
		goto out;
	}
	json_t *o = task_load(c->store, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	ctx_log(c, "task=%lld client=%lld created by %s", (long long)id, (long long)client, c->actor);
	add_header(c, "Location", arena_printf(c->arena, "/api/tasks/%lld", (long long)id));
	respond_json(c, 201, o);
out:
	json_decref(in);
}

static json_t *jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

/* PATCH /api/tasks/:id - API token.  JSON with any of "status" (open |
 * waiting | approved | closed; closing sets closed_at, reopening clears
 * it), "type", "urgency", "title", "assignee" (user id or null).  Unknown
 * fields are 422; unchanged values write nothing.  200 the task; 404
 * unknown id.  Events: task_overridden {"field","from","to"} for each
 * changed type or urgency, then task_updated {"fields":[...],
 * "changes":{field:{from,to}}}. */
void h_api_task_patch(Ctx *c)
{
	static const char *const fields[] = {"status", "type", "urgency", "title", "assignee", NULL};
	int64_t id = path_id(c, "id");
	json_t *in = api_body(c);
	if (!in)
		return;
	const char *status = NULL, *type = NULL, *urgency = NULL, *title = NULL;
	int64_t assignee = 0;
	int has_status, has_type, has_urgency, has_title, has_assignee;
	if (api_known_fields(c, in, fields) < 0 ||
	    (has_status = api_field_enum(c, in, "status", 0, task_statuses, &status)) < 0 ||
	    (has_type = api_field_enum(c, in, "type", 0, task_types, &type)) < 0 ||
	    (has_urgency = api_field_enum(c, in, "urgency", 0, task_urgencies, &urgency)) < 0 ||
	    (has_title = api_field_str(c, in, "title", F_ONE_LINE | F_NONBLANK, TASK_TITLE_MAX, &title)) < 0 ||
	    (has_assignee = api_field_id(c, in, "assignee", F_NULLABLE, &assignee, NULL)) < 0)
		goto out;

	if (api_begin(c) < 0)
		goto out;
	sqlite3_stmt *st = store_stmt(c->store,
		"SELECT client_id, status, type, urgency, title, assignee_id, closed_at FROM tasks WHERE id = :id",
		SQL_INT(":id", id), SQL_END);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		store_rollback(c->store);
		respond_error(c, 404, "not_found", "There is no task with that id.", NULL);
		goto out;
	}
	int64_t client = sqlite3_column_int64(st, 0);
	const char *cur_status = arena_strdup(c->arena, col_text(st, 1));
	const char *cur_type = arena_strdup(c->arena, col_text(st, 2));
	const char *cur_urgency = arena_strdup(c->arena, col_text(st, 3));
	const char *cur_title = arena_strdup(c->arena, col_text(st, 4));
	int64_t cur_assignee = sqlite3_column_int64(st, 5); /* 0 when NULL */
	int has_closed_at = sqlite3_column_type(st, 6) != SQLITE_NULL;
	int64_t closed_at = sqlite3_column_int64(st, 6);
	store_done(st);

	int64_t now = now_ms();
	json_t *changed = json_array(), *changes = json_object();
	const char *new_status = cur_status, *new_type = cur_type, *new_urgency = cur_urgency,
		   *new_title = cur_title;
	int64_t new_assignee = cur_assignee;
	int ok = 1;
	if (has_status && strcmp(status, cur_status) != 0) {
		api_note_change(changed, changes, "status", json_string(cur_status), json_string(status));
		new_status = status;
		if (strcmp(status, "closed") == 0) {
			has_closed_at = 1;
			closed_at = now;
		} else if (strcmp(cur_status, "closed") == 0) {
			has_closed_at = 0;
		}
	}
	if (has_type && strcmp(type, cur_type) != 0) {
		api_note_change(changed, changes, "type", json_string(cur_type), json_string(type));
		new_type = type;
		ok = ok && api_event(c, "task_overridden", client, id, 0,
				     json_pack("{s:s,s:s,s:s}", "field", "type", "from", cur_type, "to", type)) > 0;
	}
	if (has_urgency && strcmp(urgency, cur_urgency) != 0) {
		api_note_change(changed, changes, "urgency", json_string(cur_urgency), json_string(urgency));
		new_urgency = urgency;
		ok = ok && api_event(c, "task_overridden", client, id, 0,
				     json_pack("{s:s,s:s,s:s}", "field", "urgency", "from", cur_urgency, "to",
					       urgency)) > 0;
	}
	if (has_title && strcmp(title, cur_title) != 0) {
		api_note_change(changed, changes, "title", json_string(cur_title), json_string(title));
		new_title = title;
	}
	if (has_assignee && assignee != cur_assignee) {
		api_note_change(changed, changes, "assignee", jid(cur_assignee), jid(assignee));
		new_assignee = assignee;
	}
	if (ok && json_array_size(changed) > 0) {
		ok = store_exec(c->store,
			"UPDATE tasks SET status = :status, type = :type, urgency = :urgency, title = :title, "
			" assignee_id = :assignee, closed_at = :closed_at, updated_at = :now WHERE id = :id",
			SQL_TEXT(":status", new_status), SQL_TEXT(":type", new_type), SQL_TEXT(":urgency", new_urgency),
			SQL_TEXT(":title", new_title),
			new_assignee ? SQL_INT(":assignee", new_assignee) : SQL_NULL(":assignee"),
			has_closed_at ? SQL_INT(":closed_at", closed_at) : SQL_NULL(":closed_at"),
			SQL_INT(":now", now), SQL_INT(":id", id), SQL_END) == SQLITE_OK;
		ok = ok && api_event(c, "task_updated", client, id, 0,
				     json_pack("{s:O,s:O}", "fields", changed, "changes", changes)) > 0;
	}
	json_decref(changed);
	json_decref(changes);
	if (!ok) {
		api_store_failed(c, "updating a task");
		goto out;
	}
	json_t *o = task_load(c->store, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	respond_json(c, 200, o);
out:
	json_decref(in);
}
