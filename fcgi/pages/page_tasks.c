/*
 * page_tasks.c - the task list and the task page with its forms: reply,
 * change status, reclassify, assign.  The helpers the task pages share
 * (times, labels, row decoration) are in fcgi/view.c.
 *
 * Handlers only read input, call lib/desk/desk_tasks.c (which holds the SQL,
 * the client-isolation rule and the events) and fill the view; they never
 * write SQL of their own.  A task the user may not see is a 404, exactly
 * like a task that does not exist.  Every POST is one transaction and
 * answers with a redirect back to the task and a ?done= flash (POST-
 * redirect-GET), or re-renders the page with the error next to its field.
 */
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/user_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_PER_PAGE 50
#define THREAD_MAX 200 /* newest messages shown on a task page */
#define TASK_EVENTS_MAX 50

/* ---- shared helpers -------------------------------------------------- */

/* A query parameter, NULL when absent or empty (GET forms send every
 * field, empty ones as ""). */
static const char *qv(Ctx *c, const char *name)
{
	const char *v = params_get(&c->query, name);
	return v && *v ? v : NULL;
}

/* A CSS tone for a message status: ok, warn, bad, muted or info. */
static const char *status_tone(const char *st)
{
	if (!strcmp(st, "sent") || !strcmp(st, "delivered") || !strcmp(st, "read") || !strcmp(st, "received"))
		return "ok";
	if (!strcmp(st, "draft"))
		return "warn";
	if (!strcmp(st, "failed") || !strcmp(st, "undelivered"))
		return "bad";
	if (!strcmp(st, "rejected") || !strcmp(st, "canceled") || !strcmp(st, "superseded"))
		return "muted";
	return "info";
}

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* Options of a select over a closed set: [{value, label, selected}]. */
static json_t *options(const char *const *values, const char *selected)
{
	json_t *a = json_array();
	for (; *values; values++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "value", *values, "label", tp_label(*values),
						   "selected", selected && strcmp(selected, *values) == 0));
	return a;
}

/* ---- GET /tasks ------------------------------------------------------ */

/* The list's query, as validated strings (NULL when absent). */
typedef struct {
	const char *status, *type, *urgency, *route, *client, *assignee, *sort, *after;
} ListQuery;

/* "/tasks?..." with q's filters; status replaced by `status` when
 * set_status, and `after` appended when non-NULL.  In the arena. */
static const char *tasks_href(Ctx *c, const ListQuery *q, int set_status, const char *status, const char *after)
{
	const char *names[] = {"status", "type", "urgency", "route", "client", "assignee", "sort", "after"};
	const char *vals[] = {set_status ? status : q->status, q->type, q->urgency, q->route, q->client,
			      q->assignee, q->sort, after};
	Buf b = {0};
	buf_puts(&b, "/tasks");
	char sep = '?';
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (!vals[i])
			continue;
		buf_putc(&b, sep);
		sep = '&';
		buf_puts(&b, names[i]);
		buf_putc(&b, '=');
		buf_url_escape(&b, vals[i]);
	}
	const char *href = arena_strdup(c->arena, buf_cstr(&b));
	buf_free(&b);
	return href;
}

/* GET /tasks - signed in; agents see only their clients' tasks.
 * Query: status, type, urgency, route, client (id), assignee (id, "me" or
 * "none"), sort (updated | created | urgency), after (cursor from the
 * "Next page" link).  Unknown values are 400 with the error next to the
 * filter. */
void h_tasks(Ctx *c)
{
	ListQuery q = {qv(c, "status"), qv(c, "type"), qv(c, "urgency"), qv(c, "route"),
		       qv(c, "client"), qv(c, "assignee"), qv(c, "sort"), qv(c, "after")};
	json_t *d = page_data(c, "Tasks", "tasks");
	int bad = 0;
#define BAD(field, msg) (json_object_set_new(d, "error_" field, json_string(msg)), bad = 1)
	DeskTaskFilter f = {.limit = TASKS_PER_PAGE};
	if (q.status && !desk_one_of(q.status, desk_task_statuses))
		BAD("status", desk_task_err_message(DT_BAD_STATUS)), q.status = NULL;
	if (q.type && !desk_one_of(q.type, desk_task_types))
		BAD("type", desk_task_err_message(DT_BAD_TYPE)), q.type = NULL;
	if (q.urgency && !desk_one_of(q.urgency, desk_task_urgencies))
		BAD("urgency", desk_task_err_message(DT_BAD_URGENCY)), q.urgency = NULL;
	if (q.route && !desk_one_of(q.route, desk_task_routes))
		BAD("route", "Choose AI or Human."), q.route = NULL;
	if (q.client && !(f.client_id = tp_parse_id(q.client)))
		BAD("client", "A client is chosen by its number."), q.client = NULL;
	if (q.assignee) {
		if (strcmp(q.assignee, "me") == 0)
			f.assignee_id = c->user.id;
		else if (strcmp(q.assignee, "none") == 0)
			f.unassigned = 1;
		else if (!(f.assignee_id = tp_parse_id(q.assignee)))
			BAD("assignee", "Choose a person, me, or unassigned."), q.assignee = NULL;
	}
	if (q.sort) {
		if (strcmp(q.sort, "created") == 0)
			f.sort = TASK_SORT_CREATED;
		else if (strcmp(q.sort, "urgency") == 0)
			f.sort = TASK_SORT_URGENCY;
		else if (strcmp(q.sort, "updated") != 0)
			BAD("sort", "Sort by last update, creation or urgency."), q.sort = NULL;
	}
	f.status = q.status;
	f.type = q.type;
	f.urgency = q.urgency;
	f.route = q.route;
	f.after = q.after;

	int64_t counts[4];
	if (desk_task_counts(c->store, &c->user, &f, counts) != 0) {
		json_decref(d);
		tp_change_failed(c, DT_STORE);
		return;
	}
	int64_t all = counts[0] + counts[1] + counts[2] + counts[3];
	f.matching = all;
	for (int i = 0; desk_task_statuses[i]; i++)
		if (f.status && strcmp(f.status, desk_task_statuses[i]) == 0)
			f.matching = counts[i];
	char *next = NULL;
	DeskTaskErr e = DT_OK;
	/* Nothing matches: skip the list (it would walk the whole sort index). */
	json_t *rows = all == 0 || (f.status && f.matching == 0) ? json_array()
								  : desk_task_list(c->store, &c->user, &f, &next, &e);
	if (!rows && e == DT_BAD_CURSOR) {
		BAD("after", desk_task_err_message(DT_BAD_CURSOR));
		q.after = f.after = NULL;
		rows = desk_task_list(c->store, &c->user, &f, &next, &e);
	}
#undef BAD
	if (!rows) {
		json_decref(d);
		tp_change_failed(c, DT_STORE);
		return;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		tp_task_view(row);
	json_object_set_new(d, "rows", rows);
	int has_next = next != NULL;
	if (next) {
		json_object_set_new(d, "next_href", json_string(tasks_href(c, &q, 0, NULL, next)));
		free(next);
	}
	if (q.after)
		json_object_set_new(d, "first_href", json_string(tasks_href(c, &q, 0, NULL, NULL)));
	json_object_set_new(d, "pager", json_boolean(has_next || q.after));
	json_object_set_new(d, "next_label", json_string("Next page"));

	/* Status tabs with counts, each keeping the other filters. */
	json_t *tabs = json_array();
	json_array_append_new(tabs, json_pack("{s:s,s:I,s:s,s:b}", "label", "All", "count", (json_int_t)all, "href",
					      tasks_href(c, &q, 1, NULL, NULL), "current", q.status == NULL));
	for (int k = 0; desk_task_statuses[k]; k++)
		json_array_append_new(tabs, json_pack("{s:s,s:s,s:I,s:s,s:b}", "label", tp_label(desk_task_statuses[k]),
						      "status", desk_task_statuses[k], "count", (json_int_t)counts[k],
						      "href", tasks_href(c, &q, 1, desk_task_statuses[k], NULL),
						      "current", q.status && !strcmp(q.status, desk_task_statuses[k])));
	json_object_set_new(d, "tabs", tabs);

	/* The filter form. */
	json_object_set_new(d, "status_options", options(desk_task_statuses, q.status));
	json_object_set_new(d, "type_options", options(desk_task_types, q.type));
	json_object_set_new(d, "urgency_options", options(desk_task_urgencies, q.urgency));
	json_object_set_new(d, "route_options", options(desk_task_routes, q.route));
	static const char *const sorts[] = {"updated", "created", "urgency", NULL};
	static const char *const sort_labels[] = {"Recently updated", "Newest", "Most urgent"};
	json_t *so = json_array();
	for (int k = 0; sorts[k]; k++)
		json_array_append_new(so, json_pack("{s:s,s:s,s:b}", "value", sorts[k], "label", sort_labels[k],
						    "selected", (int)f.sort == k));
	json_object_set_new(d, "sort_options", so);
	json_t *clients = tp_client_options(c, f.client_id);
	json_object_set_new(d, "client_select", json_boolean(clients != NULL));
	if (clients)
		json_object_set_new(d, "client_options", clients);
	json_object_set_new(d, "client_value", json_string(q.client ? q.client : ""));
	json_t *users = desk_user_choices(c->store, 0);
	json_t *u;
	json_array_foreach(users, i, u)
		json_object_set_new(u, "selected", json_boolean(f.assignee_id &&
			!(q.assignee && !strcmp(q.assignee, "me")) && json_integer_value(json_object_get(u, "id")) == f.assignee_id));
	json_object_set_new(d, "user_options", users);
	json_object_set_new(d, "assignee_me", json_boolean(q.assignee && !strcmp(q.assignee, "me")));
	json_object_set_new(d, "assignee_none", json_boolean(f.unassigned));

	int filtered = q.status || q.type || q.urgency || q.route || q.client || q.assignee;
	json_object_set_new(d, "filtered", json_boolean(filtered));
	json_object_set_new(d, "empty", json_boolean(json_array_size(rows) == 0));
	json_object_set_new(d, "nothing_yet", json_boolean(all == 0 && !filtered));
	json_object_set_new(d, "showing", json_integer((json_int_t)json_array_size(rows)));
	if (!c->user.is_admin)
		json_object_set_new(d, "no_clients", json_boolean(!user_admin_client_count(c->store, c->user.id)));
	respond_page(c, bad ? 400 : 200, "pages/tasks", d);
}

/* ---- GET /tasks/:id -------------------------------------------------- */

static void classification_view(json_t *d, json_t *task, json_t *cls)
{
	json_t *v = json_object();
	json_t *k = json_object_get(cls, "classified");
	if (json_is_object(k)) {
		json_object_set_new(v, "type_label", json_string(tp_label(jstr(k, "type"))));
		json_object_set_new(v, "urgency", json_string(jstr(k, "urgency")));
		json_object_set_new(v, "urgency_label", json_string(tp_label(jstr(k, "urgency"))));
		json_t *conf = json_object_get(k, "confidence");
		if (json_is_number(conf))
			json_object_set_new(v, "confidence_pct",
					    json_integer((json_int_t)(json_number_value(conf) * 100 + 0.5)));
		json_object_set_new(v, "provider", json_string(jstr(k, "provider")));
		json_object_set_new(v, "model", json_string(jstr(k, "model")));
		if (json_is_true(json_object_get(k, "fallback")))
			json_object_set_new(v, "fallback_note", json_string(*jstr(k, "note") ? jstr(k, "note")
										     : "the AI provider failed"));
		json_object_set_new(v, "known", json_true());
	}
	json_t *r = json_object_get(cls, "routed");
	if (json_is_object(r)) {
		json_object_set_new(v, "route_label", json_string(tp_label(jstr(r, "route"))));
		if (json_is_true(json_object_get(r, "low_confidence"))) {
			json_t *th = json_object_get(r, "threshold");
			json_object_set_new(v, "low_confidence", json_true());
			if (json_is_number(th))
				json_object_set_new(v, "threshold_pct",
						    json_integer((json_int_t)(json_number_value(th) * 100 + 0.5)));
		}
		if (strcmp(jstr(r, "source"), "api") == 0)
			json_object_set_new(v, "by_api", json_true());
	}
	json_t *rule = json_object_get(cls, "rule");
	if (json_is_object(rule)) {
		json_object_set_new(v, "rule", json_pack("{s:O,s:s,s:s,s:s,s:O}", "id", json_object_get(rule, "id"),
							 "type_label", tp_label(jstr(rule, "type")), "urgency_label",
							 tp_label(jstr(rule, "urgency")), "route_label",
							 tp_label(jstr(rule, "route")), "auto_send",
							 json_object_get(rule, "auto_send")));
	}
	json_object_set(v, "overrides", json_object_get(cls, "overrides"));
	json_object_set_new(v, "plural", json_boolean(json_integer_value(json_object_get(cls, "overrides")) > 1));
	json_object_set(v, "task_confidence_pct", json_object_get(task, "confidence_pct"));
	json_object_set_new(d, "cls", v);
}

static json_t *thread_view(Ctx *c, json_t *thread, const char *client_label, const TpFormError *e)
{
	size_t i;
	json_t *m;
	json_array_foreach(thread, i, m) {
		const char *st = jstr(m, "status");
		int in = strcmp(jstr(m, "direction"), "in") == 0;
		int64_t id = json_integer_value(json_object_get(m, "id"));
		json_object_set_new(m, "is_in", json_boolean(in));
		json_object_set_new(m, "is_draft", json_boolean(!strcmp(st, "draft")));
		json_object_set_new(m, "is_rejected", json_boolean(!strcmp(st, "rejected") || !strcmp(st, "superseded")));
		json_object_set_new(m, "status_label", json_string(tp_label(st)));
		json_object_set_new(m, "tone", json_string(status_tone(st)));
		json_object_set_new(m, "when", tp_when(json_integer_value(json_object_get(m, "created_at"))));
		json_object_set_new(m, "return_to", json_string("task"));
		json_object_set_new(m, "client_label", json_string(client_label));
		const char *author = jstr(m, "author");
		json_object_set_new(m, "author_label", in ? json_string(client_label)
						     : !strcmp(author, "worker") ? json_string("AI draft")
						     : tp_actor_label(author));
		if (!strcmp(jstr(m, "transport"), "log"))
			json_object_set_new(m, "via_log", json_true());
		if (e && e->form && !strcmp(e->form, "draft") && e->draft_id == id) {
			json_object_set_new(m, "error", json_string(e->message));
			if (e->value)
				json_object_set_new(m, "body", json_string(e->value));
		}
	}
	return thread;
}

/* The first max characters of s, with "…" when cut (in the arena): page
 * titles stay short enough for tabs and bookmarks. */
static const char *short_text(Ctx *c, const char *s, size_t max)
{
	size_t chars = 0;
	const char *p = s;
	for (; *p; p++)
		if ((*p & 0xC0) != 0x80 && chars++ == max)
			break;
	if (!*p)
		return s;
	return arena_printf(c->arena, "%.*s…", (int)(p - s), s);
}

void tp_task_page(Ctx *c, int64_t id, int status, const TpFormError *e)
{
	json_t *task = id > 0 ? desk_task_get(c->store, &c->user, id) : NULL;
	if (!task) {
		tp_change_failed(c, DT_NOT_FOUND);
		return;
	}
	tp_task_view(task);
	int64_t client = json_integer_value(json_object_get(task, "client_id"));
	json_t *d = page_data(c, arena_printf(c->arena, "#%lld %s", (long long)id, short_text(c, jstr(task, "title"), 40)),
			      "tasks");
	int64_t total = 0;
	json_t *thread = desk_task_thread(c->store, id, THREAD_MAX, &total);
	json_object_set_new(d, "thread", thread_view(c, thread, jstr(task, "client_label"), e));
	if (total > (int64_t)json_array_size(thread))
		json_object_set_new(d, "thread_hidden", json_integer(total - (json_int_t)json_array_size(thread)));
	json_t *cls = desk_task_classification(c->store, id, json_integer_value(json_object_get(task, "rule_id")));
	classification_view(d, task, cls);
	json_decref(cls);
	json_t *events = desk_task_events(c->store, id, TASK_EVENTS_MAX);
	size_t i;
	json_t *ev;
	json_array_foreach(events, i, ev)
		tp_event_view(ev);
	json_object_set_new(d, "events", events);
	json_object_set_new(d, "hide_task", json_true()); /* history entries are all about this task */

	json_object_set_new(d, "status_options", options(desk_task_statuses, jstr(task, "status")));
	json_object_set_new(d, "type_options", options(desk_task_types, jstr(task, "type")));
	json_object_set_new(d, "urgency_options", options(desk_task_urgencies, jstr(task, "urgency")));
	json_t *users = desk_user_choices(c->store, client), *u;
	int64_t assignee = json_integer_value(json_object_get(task, "assignee_id"));
	json_array_foreach(users, i, u)
		json_object_set_new(u, "selected", json_boolean(json_integer_value(json_object_get(u, "id")) == assignee));
	json_object_set_new(d, "assignee_options", users);
	json_object_set_new(d, "sms_max", json_integer(DESK_SMS_MAX));
	json_object_set_new(d, "can_text", json_boolean(*jstr(task, "client_phone") != '\0'));
	if (e) {
		if (!strcmp(e->form, "notice")) {
			json_object_set_new(d, "notice", json_string(e->message));
		} else if (strcmp(e->form, "draft") != 0) {
			json_object_set_new(d, arena_printf(c->arena, "%s_error", e->form), json_string(e->message));
			json_object_set_new(d, "error_summary", json_string(e->message));
			if (e->value)
				json_object_set_new(d, arena_printf(c->arena, "%s_value", e->form), json_string(e->value));
		} else {
			json_object_set_new(d, "error_summary", json_string(e->message));
		}
	}
	json_t *prd = proposals_task_prd(c, id);
	if (prd)
		json_object_set_new(d, "prd", prd);
	json_object_set_new(d, "task", task);
	const char *flash = tp_flash(qv(c, "done"));
	if (flash && !e)
		json_object_set_new(d, "flash", json_string(flash));
	respond_page(c, status, "pages/task", d);
}

/* GET /tasks/:id - signed in, sees the task's client (404 otherwise).
 * Query: done (flash after a form).  The thread, classification, history
 * and the forms. */
void h_task(Ctx *c)
{
	tp_task_page(c, path_id(c, "id"), 200, NULL);
}

/* ---- POST /tasks/:id/... --------------------------------------------- */

static int begin(Ctx *c)
{
	if (store_begin(c->store) != 0) {
		ctx_log(c, "cannot begin: %s", store_errmsg(c->store));
		respond_error(c, 503, "busy", "The database is busy. Go back and try again in a moment.", NULL);
		return -1;
	}
	return 0;
}

/* Run a task change in one transaction and answer: redirect with
 * ?done=flash (or "unchanged"), or the page with the error next to the
 * form's field. */
static void change_task(Ctx *c, const DeskTaskChange *ch, const char *form, const char *flash)
{
	int64_t id = path_id(c, "id");
	if (!desk_task_client(c->store, &c->user, id)) {
		tp_change_failed(c, DT_NOT_FOUND);
		return;
	}
	if (begin(c) < 0)
		return;
	int changed = 0;
	DeskTaskErr e = desk_task_change(c->store, &c->user, id, ch, c->actor, &changed);
	if (e != DT_OK) {
		store_rollback(c->store);
		if (tp_change_failed(c, e))
			tp_task_page(c, id, 422, &(TpFormError){form, 0, desk_task_err_field(e), desk_task_err_message(e), NULL});
		return;
	}
	if (store_commit(c->store) != 0) {
		tp_change_failed(c, DT_STORE);
		return;
	}
	if (changed)
		ctx_log(c, "task=%lld %s changed by %s", (long long)id, form, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/tasks/%lld?done=%s", (long long)id, changed ? flash : "unchanged"));
}

/* POST /tasks/:id/status - signed in, sees the task.  Form: status (open |
 * waiting | approved | closed).  Closing records closed_at. */
void h_task_status(Ctx *c)
{
	const char *status = params_get(&c->form, "status");
	DeskTaskChange ch = {.status = status ? status : ""};
	change_task(c, &ch, "status", "status");
}

/* POST /tasks/:id/classify - signed in, sees the task.  Form: type,
 * urgency.  Each changed value is a task_overridden event. */
void h_task_classify(Ctx *c)
{
	const char *type = params_get(&c->form, "type"), *urgency = params_get(&c->form, "urgency");
	DeskTaskChange ch = {.type = type ? type : "", .urgency = urgency ? urgency : ""};
	change_task(c, &ch, "classify", "classified");
}

/* POST /tasks/:id/assign - signed in, sees the task.  Form: assignee (a
 * user id who may see the client, or "" / "none" for nobody). */
void h_task_assign(Ctx *c)
{
	const char *a = params_get(&c->form, "assignee");
	DeskTaskChange ch = {.set_assignee = 1};
	if (a && *a && strcmp(a, "none") != 0)
		ch.assignee_id = tp_parse_id(a) ? tp_parse_id(a) : -1;
	change_task(c, &ch, "assign", "assigned");
}

/* POST /tasks/:id/reply - signed in, sees the task.  Form: body (1..1600
 * characters).  Queues an SMS to the client now (a send job; not a draft),
 * superseding the AI drafts still pending on the task, and redirects to
 * the thread; errors show next to the reply box (422). */
void h_task_reply(Ctx *c)
{
	int64_t id = path_id(c, "id");
	if (!desk_task_client(c->store, &c->user, id)) {
		tp_change_failed(c, DT_NOT_FOUND);
		return;
	}
	const char *body = tp_textarea(c, params_get(&c->form, "body"));
	DeskTaskErr e = desk_check_sms_body(body);
	if (e == DT_OK) {
		if (begin(c) < 0)
			return;
		int64_t mid = 0;
		int superseded = 0;
		e = desk_task_reply(c->store, &c->user, id, body, c->actor, &mid, &superseded);
		if (e == DT_OK && store_commit(c->store) != 0)
			e = DT_STORE;
		if (e == DT_OK) {
			ctx_log(c, "task=%lld message=%lld reply queued by %s, %d drafts superseded", (long long)id,
				(long long)mid, c->actor, superseded);
			respond_redirect(c, arena_printf(c->arena, "/tasks/%lld?done=%s#m%lld", (long long)id,
							 superseded ? "replied_superseded" : "replied", (long long)mid));
			return;
		}
		store_rollback(c->store);
	}
	if (tp_change_failed(c, e))
		tp_task_page(c, id, 422, &(TpFormError){"reply", 0, "body", desk_task_err_message(e), body});
}
