/*
 * api_tasks.c - the JSON API for tasks: list with filters, create by hand,
 * show, and edit (status, type, urgency, title, assignee).
 *
 * Edits go through desk_task_change (lib/desk/desk_tasks.c), the same code the
 * admin pages use, so a change and its events (task_overridden for a
 * person overriding the classifier's type or urgency, then task_updated)
 * are written one way only; this file checks JSON types and unknown fields
 * and maps DeskTaskErr to a status.  Creating a task by hand has no
 * desk_tasks function yet, so its INSERT is apiq_task_insert
 * (lib/desk/api_queries.c).  A token acting for a user sees only tasks of
 * that user's clients (the isolation rule of api_queries.c, or the
 * library's viewer): others are 404, like unknown ids.  This file does not
 * re-route tasks or enqueue AI work: that is the worker's.
 */
#include "fcgi/api/api.h"
#include "desk/api_queries.h"
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"

#include <string.h>

/* One task row (apiq_tasks' columns) as JSON. */
static json_t *task_json(Rows *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", api_col_int(r, 0));
	json_object_set_new(o, "client_id", api_col_int(r, 1));
	json_object_set_new(o, "title", api_col_str(r, 2));
	json_object_set_new(o, "type", api_col_str(r, 3));
	json_object_set_new(o, "urgency", api_col_str(r, 4));
	json_object_set_new(o, "status", api_col_str(r, 5));
	json_object_set_new(o, "route", api_col_str(r, 6));
	json_object_set_new(o, "confidence", api_col_real(r, 7));
	json_object_set_new(o, "rule_id", api_col_int(r, 8));
	json_object_set_new(o, "assignee", api_col_int(r, 9));
	json_object_set_new(o, "created_at", api_col_time(r, 10));
	json_object_set_new(o, "updated_at", api_col_time(r, 11));
	json_object_set_new(o, "closed_at", api_col_time(r, 12));
	return o;
}

/* The task as JSON, or NULL when there is no such task or the token may
 * not see it.  Caller owns it. */
static json_t *task_load(Ctx *c, int64_t id)
{
	Rows *r = apiq_task(c->store, API_VIEWER(c), id);
	json_t *o = rows_next(r) ? task_json(r) : NULL;
	rows_done(r);
	return o;
}

/* May user_id take a task of client_id: an enabled user who may see the
 * client?  The rule is desk_user_choices' (the admin's assignee menu), as
 * desk_task_change applies it; desk_tasks.h has no single-user check. */
static int assignee_may_take(Ctx *c, int64_t user_id, int64_t client_id)
{
	json_t *users = desk_user_choices(c->store, client_id);
	size_t i;
	json_t *u;
	int ok = 0;
	json_array_foreach(users, i, u)
		if (json_integer_value(json_object_get(u, "id")) == user_id)
			ok = 1;
	json_decref(users);
	return ok;
}

/* GET /api/tasks - API token (a user's token: tasks of that user's clients
 * only).  Query: status, type, urgency, client_id, assignee (a user id, or
 * "none" for unassigned tasks), limit (1..200, default 50), cursor.
 * Newest first.  200 {"data":[task...], "next_cursor": "..." | null}. */
void h_api_tasks_list(Ctx *c)
{
	ApiPage page;
	const char *status = NULL, *type = NULL, *urgency = NULL;
	int64_t client = 0, assignee = 0;
	const char *a = params_get(&c->query, "assignee");
	int unassigned = a && strcmp(a, "none") == 0;
	if (api_query_enum(c, "status", desk_task_statuses, &status) < 0 ||
	    api_query_enum(c, "type", desk_task_types, &type) < 0 ||
	    api_query_enum(c, "urgency", desk_task_urgencies, &urgency) < 0 ||
	    api_query_id(c, "client_id", &client) < 0 ||
	    (!unassigned && api_query_id(c, "assignee", &assignee) < 0) || api_page(c, &page) < 0)
		return;
	ApiqTaskFilter f = {.status = status, .type = type, .urgency = urgency, .client_id = client,
			    .assignee_id = assignee, .unassigned = unassigned};
	Rows *r = apiq_tasks(c->store, API_VIEWER(c), &f, page.cursor, API_FETCH(&page));
	json_t *out = api_list(r, &page, task_json);
	if (!out) {
		api_store_failed(c, "listing tasks");
		return;
	}
	respond_json(c, 200, out);
}

/* GET /api/tasks/:id - API token.  200 the task; 404 unknown id or a task
 * of a client the token may not see. */
void h_api_task_get(Ctx *c)
{
	json_t *o = task_load(c, path_id(c, "id"));
	if (!o) {
		api_not_found(c, "task", 0, NULL);
		return;
	}
	respond_json(c, 200, o);
}

/* POST /api/tasks - API token.  JSON {"client_id", "title", "type",
 * "urgency" (all required), "route": "AI" | "HUMAN" (default HUMAN),
 * "assignee": an enabled user who may see the client, or null}.  201 the
 * task (Location: /api/tasks/ID); 404 naming client_id when the client
 * does not exist or the token may not see it; 422 naming assignee.  Event
 * task_created. */
void h_api_tasks_create(Ctx *c)
{
	static const char *const fields[] = {"client_id", "title", "type", "urgency", "route", "assignee", NULL};
	json_t *in = api_body(c);
	if (!in)
		return;
	int64_t client = 0, assignee = 0;
	const char *title = NULL, *type = NULL, *urgency = NULL, *route = "HUMAN";
	if (api_known_fields(c, in, fields) < 0 || api_field_id(c, in, "client_id", F_REQUIRED, &client, NULL) < 0 ||
	    api_field_str(c, in, "title", F_REQUIRED | F_ONE_LINE | F_NONBLANK, DESK_TITLE_MAX, &title) < 0 ||
	    api_field_enum(c, in, "type", F_REQUIRED, desk_task_types, &type) < 0 ||
	    api_field_enum(c, in, "urgency", F_REQUIRED, desk_task_urgencies, &urgency) < 0 ||
	    api_field_enum(c, in, "route", 0, desk_task_routes, &route) < 0 ||
	    api_field_id(c, in, "assignee", F_NULLABLE, &assignee, NULL) < 0)
		goto out;

	if (api_begin(c) < 0)
		goto out;
	if (!api_client_visible(c, client)) {
		store_rollback(c->store);
		api_not_found(c, "client", client, "client_id");
		goto out;
	}
	if (assignee && !assignee_may_take(c, assignee, client)) {
		store_rollback(c->store);
		respond_error(c, 422, "invalid_value",
			      arena_printf(c->arena, "assignee %lld is not an active user who may see client %lld.",
					   (long long)assignee, (long long)client),
			      "assignee");
		goto out;
	}
	int64_t now = now_ms();
	int64_t id = apiq_task_insert(c->store, client, title, type, urgency, route, assignee, now);
	if (id < 0) {
		api_store_failed(c, "inserting a task");
		goto out;
	}
	json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:s}", "title", title, "type", type, "urgency", urgency, "route",
			      route, "source", "api");
	json_object_set_new(d, "assignee", assignee ? json_integer(assignee) : json_null());
	if (api_event(c, "task_created", client, id, 0, d) < 0) {
		api_store_failed(c, "recording task_created");
		goto out;
	}
	json_t *o = task_load(c, id);
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

/* PATCH /api/tasks/:id - API token, a task it may see (else 404).  JSON
 * with any of "status" (open | waiting | approved | closed; closing sets
 * closed_at, reopening clears it), "type", "urgency", "title", "assignee"
 * (an enabled user who may see the task's client, or null; 422 naming
 * assignee otherwise).  Unknown fields are 422; unchanged values write
 * nothing.  200 the task.  Events, by desk_task_change: task_overridden
 * {"field","from","to"} for each changed type or urgency, then
 * task_updated {"fields":[...], "changes":{field:{from,to}}}. */
void h_api_task_patch(Ctx *c)
{
	static const char *const fields[] = {"status", "type", "urgency", "title", "assignee", NULL};
	int64_t id = path_id(c, "id");
	if (!desk_task_client(c->store, API_VIEWER(c), id)) {
		api_not_found(c, "task", id, NULL);
		return;
	}
	json_t *in = api_body(c);
	if (!in)
		return;
	DeskTaskChange ch = {0};
	if (api_known_fields(c, in, fields) < 0 ||
	    api_field_enum(c, in, "status", 0, desk_task_statuses, &ch.status) < 0 ||
	    api_field_enum(c, in, "type", 0, desk_task_types, &ch.type) < 0 ||
	    api_field_enum(c, in, "urgency", 0, desk_task_urgencies, &ch.urgency) < 0 ||
	    api_field_str(c, in, "title", F_ONE_LINE | F_NONBLANK, DESK_TITLE_MAX, &ch.title) < 0 ||
	    (ch.set_assignee = api_field_id(c, in, "assignee", F_NULLABLE, &ch.assignee_id, NULL)) < 0)
		goto out;

	if (api_begin(c) < 0)
		goto out;
	int changed = 0;
	DeskTaskErr e = desk_task_change(c->store, API_VIEWER(c), id, &ch, c->actor, &changed);
	if (e == DT_STORE) {
		api_store_failed(c, "updating a task");
		goto out;
	}
	if (e != DT_OK) {
		store_rollback(c->store);
		if (e == DT_NOT_FOUND)
			api_not_found(c, "task", id, NULL);
		else
			respond_error(c, 422, "invalid_value", desk_task_err_message(e), desk_task_err_field(e));
		goto out;
	}
	json_t *o = task_load(c, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	if (changed)
		ctx_log(c, "task=%lld %d field(s) changed by %s", (long long)id, changed, c->actor);
	respond_json(c, 200, o);
out:
	json_decref(in);
}
