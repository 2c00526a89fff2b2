/*
 * page_home.c - the admin's front page (what needs attention now) and the
 * health check.  Read-only; the queries that carry client isolation live
 * in lib/desk/desk_tasks.c, the others in lib/desk (health.c, job_admin.c,
 * user_admin.c).
 */
#include "fcgi/serve.h"
#include "core/version.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/desk_tasks.h"
#include "desk/health.h"
#include "desk/job_admin.h"
#include "desk/user_admin.h"

#include <stdlib.h>

/* GET /health - public.  200 {"status":"ok","db":"ok","schema":N,"version":V}
 * or 503 with the reason the database cannot be used. */

void h_health(Ctx *c)
{
	if (!c->store) {
		const char *why = app_store_error();
		respond_json(c, 503, json_pack("{s:s,s:s,s:s}", "status", "error", "db", "error", "reason",
					       why ? why : "database unavailable"));
		return;
	}
	int schema;
	if (health_schema_version(c->store, &schema) != 0) {
		respond_json(c, 503, json_pack("{s:s,s:s,s:s}", "status", "error", "db", "error", "reason",
					       store_errmsg(c->store)));
		return;
	}
	respond_json(c, 200, json_pack("{s:s,s:s,s:i,s:s}", "status", "ok", "db", "ok", "schema", schema,
				       "version", SB_VERSION));
}

/* GET / - signed in.  What needs attention among the clients the user
 * may see: tasks per status (links to the filtered list), the user's own
 * open tasks, drafts waiting for review, urgent open tasks, dead jobs
 * (admins) and recent activity; or, before the first message, an empty
 * state that says how to get one in. */
void h_home(Ctx *c)
{
	json_t *d = page_data(c, "Home", "home");
	DeskTaskFilter all = {.limit = 1};
	int64_t counts[4];
	if (desk_task_counts(c->store, &c->user, &all, counts) != 0) {
		json_decref(d);
		tp_change_failed(c, DT_STORE);
		return;
	}
	int64_t total = 0;
	json_t *stats = json_array();
	for (int i = 0; desk_task_statuses[i]; i++) {
		total += counts[i];
		json_array_append_new(stats, json_pack("{s:s,s:s,s:I,s:s}", "status", desk_task_statuses[i], "label",
						       i == 0 ? "Open" : i == 1 ? "Waiting on client" : i == 2 ? "Approved" : "Closed",
						       "count", (json_int_t)counts[i], "href",
						       arena_printf(c->arena, "/tasks?status=%s", desk_task_statuses[i])));
	}
	json_object_set_new(d, "stats", stats);
	json_object_set_new(d, "drafts", json_integer(desk_draft_count(c->store, &c->user)));
	DeskTaskFilter mine = {.assignee_id = c->user.id, .limit = 1};
	int64_t my[4] = {0};
	if (c->user.id)
		desk_task_counts(c->store, &c->user, &mine, my);
	json_object_set_new(d, "mine", json_integer(my[0] + my[1]));
	if (c->user.is_admin)
		json_object_set_new(d, "dead_jobs", json_integer(job_admin_dead_count(c->store)));

	DeskTaskFilter urgent = {.status = "open", .urgency = "urgent", .limit = 5, .matching = counts[0]};
	char *next = NULL;
	DeskTaskErr e;
	json_t *rows = counts[0] ? desk_task_list(c->store, &c->user, &urgent, &next, &e) : json_array();
	free(next);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		tp_task_view(row);
	json_object_set_new(d, "has_urgent", json_boolean(json_array_size(rows) > 0));
	json_object_set_new(d, "urgent", rows ? rows : json_array());

	int more;
	json_t *events = desk_event_list(c->store, &c->user, NULL, 0, 0, 8, &more);
	json_array_foreach(events, i, row)
		tp_event_view(row);
	json_object_set_new(d, "events", events ? events : json_array());

	json_object_set_new(d, "empty", json_boolean(total == 0));
	if (!c->user.is_admin)
		json_object_set_new(d, "no_clients", json_boolean(!user_admin_client_count(c->store, c->user.id)));
	respond_page(c, 200, "pages/home", d);
}
