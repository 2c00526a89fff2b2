/*
 * page_clients.c - the client pages: the list with search, a new client,
 * the profile (details, rolling summary, tasks, recent messages) and its
 * forms: edit details, edit the summary, start an SMS conversation.  The
 * helpers the manage pages share (manage_*) are in fcgi/view.c.
 *
 * Who sees what is decided in the SQL (lib/desk/clients.c): an agent sees only
 * the clients they are attached to, and any other client's id answers 404,
 * exactly like an id that does not exist.  This file must not change a
 * client itself: every write goes through lib/desk/clients.h or lib/desk/desk.h, so
 * the rules and the events are the JSON API's too.
 */
#include "desk/client_admin.h"
#include "desk/clients.h"
#include "desk/desk.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENTS_PAGE 50
#define SMS_MAX_CHARS 1600

/* ---- the list ------------------------------------------------------------ */

static ClientViewer viewer(Ctx *c)
{
	return (ClientViewer){c->user.id, c->user.is_admin};
}

/* What to call a client: the name, or the phone number for one that only
 * texted in. */
static const char *display_name(json_t *client)
{
	const char *name = json_string_value(json_object_get(client, "name"));
	if (name && *name)
		return name;
	const char *phone = json_string_value(json_object_get(client, "phone"));
	return phone && *phone ? phone : "Unnamed client";
}

/* GET /clients?q=TEXT&after=ID - signed in.  The clients the user may see
 * (an agent: those attached to them), by name, 50 a page.  q searches
 * name, phone, company and email; after is the last client of the
 * previous page. */
void h_clients(Ctx *c)
{
	const char *q = params_get(&c->query, "q");
	if (q && manage_chars(q) > 200) {
		respond_error(c, 400, "bad_query", "The search text is longer than 200 characters.", "q");
		return;
	}
	int64_t after = manage_query_id(c, "after");
	ClientViewer v = viewer(c);
	int more = 0;
	json_t *rows = client_list(c->store, &v, q, after, CLIENTS_PAGE, &more);
	if (!rows) {
		ctx_log(c, "listing clients failed: %s", store_errmsg(c->store));
		respond_error(c, 500, "store_failed", "The clients could not be listed.", NULL);
		return;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "display_name", json_string(display_name(row)));
		json_object_set_new(row, "unnamed", json_boolean(!*json_string_value(json_object_get(row, "name"))));
	}
	json_t *d = page_data(c, "Clients", "clients");
	int n = (int)json_array_size(rows);
	json_object_set_new(d, "clients", rows);
	json_object_set_new(d, "q", json_string(q ? q : ""));
	json_object_set_new(d, "count", json_integer(n));
	if (more && n > 0) {
		Buf u = {0};
		buf_puts(&u, "/clients?");
		if (q && *q) {
			buf_puts(&u, "q=");
			buf_url_escape(&u, q);
			buf_putc(&u, '&');
		}
		buf_printf(&u, "after=%lld", (long long)json_integer_value(json_object_get(json_array_get(rows, n - 1), "id")));
		json_object_set_new(d, "next_url", json_string(buf_cstr(&u)));
		buf_free(&u);
	}
	if (after) {
		Buf u = {0};
		buf_puts(&u, "/clients");
		if (q && *q) {
			buf_puts(&u, "?q=");
			buf_url_escape(&u, q);
		}
		json_object_set_new(d, "first_url", json_string(buf_cstr(&u)));
		buf_free(&u);
	}
	if (n == 0) {
		const char *empty = q && *q ? "empty_search" : after ? "empty_end" : c->user.is_admin ? "empty_admin"
												     : "empty_agent";
		json_object_set_new(d, empty, json_true());
	}
	respond_page(c, 200, "pages/clients", d);
}

/* ---- a new client -------------------------------------------------------- */

/* The submitted client fields as the form's values ("f"). */
static json_t *form_values(Ctx *c)
{
	json_t *f = json_object();
	static const char *const names[] = {"name", "phone", "email", "company"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const char *v = params_get(&c->form, names[i]);
		json_object_set_new(f, names[i], json_string(v ? v : ""));
	}
	return f;
}

/* Put each error next to its field ("e_FIELD") and a summary on top
 * ("error"). */
static void set_field_error(Ctx *c, json_t *d, const ClientError *err)
{
	int n = err->count > 0 ? err->count : 1;
	for (int i = 0; i < n && i < CLIENT_MAX_ERRORS; i++) {
		const char *field = err->count > 0 ? err->all[i].field : err->field;
		const char *msg = err->count > 0 ? err->all[i].message : err->message;
		if (!field)
			continue;
		if (err->kind == CLIENT_DUPLICATE) {
			if (ctx_sees_client(c, err->other_id))
				json_object_set_new(d, "dup_id", json_integer(err->other_id));
			else /* an agent must not learn about clients they cannot see */
				msg = "Another client already has this phone number.";
		}
		char key[32];
		snprintf(key, sizeof key, "e_%s", field);
		json_object_set_new(d, key, json_string(msg));
	}
	if (err->field)
		json_object_set_new(d, "error_anchor", json_string(err->field));
	json_object_set_new(d, "error",
			    json_string(!err->field ? err->message
				       : n > 1 ? arena_printf(c->arena, "Nothing was saved: correct the %d marked fields.", n)
					       : "Nothing was saved: correct the marked field."));
}

static void new_client_page(Ctx *c, int status, const ClientError *err)
{
	json_t *d = page_data(c, "New client", "clients");
	json_object_set_new(d, "f", form_values(c));
	if (err)
		set_field_error(c, d, err);
	respond_page(c, status, "pages/client_new", d);
}

/* GET /clients/new - signed in.  The form for a new client. */
void h_client_new_form(Ctx *c)
{
	new_client_page(c, 200, NULL);
}

/* POST /clients - signed in (CSRF).  Form: name, phone (any common format,
 * stored as E.164), email, company.  An agent who creates a client is
 * attached to it in the same transaction.  303 to the new profile; 422 (or
 * 409 for a phone number another client has) with the error next to the
 * field and nothing saved. */
void h_client_create(Ctx *c)
{
	ClientInput in = {
		.name = params_get(&c->form, "name") ? params_get(&c->form, "name") : "",
		.phone = params_get(&c->form, "phone") ? params_get(&c->form, "phone") : "",
		.email = params_get(&c->form, "email"),
		.company = params_get(&c->form, "company"),
	};
	ClientError err;
	if (client_validate(&in, 1, &err) < 0) {
		new_client_page(c, client_err_status(err.kind), &err);
		return;
	}
	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	int64_t id = client_create(c->store, &in, c->actor, "admin", &err);
	if (id < 0) {
		store_rollback(c->store);
		if (err.kind == CLIENT_STORE) {
			manage_store_failed(c, "creating a client");
			return;
		}
		new_client_page(c, client_err_status(err.kind), &err);
		return;
	}
	if (!c->user.is_admin && client_add_member(c->store, id, c->user.id, c->actor) < 0) {
		manage_store_failed(c, "attaching the creator");
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing a new client");
		return;
	}
	ctx_log(c, "client=%lld created by %s", (long long)id, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/clients/%lld?done=created", (long long)id));
}

/* ---- the profile --------------------------------------------------------- */

static const ManageFlash client_flash[] = {
	{"created", "Client created."},
	{"saved", "Details saved."},
	{"unchanged", "Nothing changed: the details were already like that."},
	{"summary", "Summary saved."},
	{"queued", "Message queued. The worker sends it in a moment; its status shows below."},
	{"simulated", "Simulated SMS received. The worker will classify it shortly and open or update a task."},
	{NULL, NULL},
};

static json_t *client_tasks(Ctx *c, int64_t id)
{
	Rows *r = client_admin_tasks(c->store, id);
	json_t *a = json_array();
	while (rows_next(r)) {
		const char *type = rows_text(r, 2), *urg = rows_text(r, 3), *status = rows_text(r, 4);
		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			"id", (json_int_t)rows_int(r, 0), "title", rows_text(r, 1),
			"type", manage_label(type), "urgency", urg, "urgency_label", manage_label(urg),
			"status", status, "status_label", manage_label(status), "route", manage_label(rows_text(r, 5)),
			"updated", manage_time(c, rows_int(r, 6))));
	}
	rows_done(r);
	return a;
}

static json_t *client_messages(Ctx *c, int64_t id)
{
	Rows *r = client_admin_messages(c->store, id);
	json_t *a = json_array();
	while (rows_next(r)) {
		int in = strcmp(rows_text(r, 1), "in") == 0;
		const char *author = rows_text(r, 4);
		if (!in && rows_int(r, 5))
			author = "AI draft";
		else if (strncmp(author, "user:", 5) == 0)
			author += 5;
		json_t *m = json_pack("{s:I,s:b,s:s,s:s,s:s,s:s}", "id", (json_int_t)rows_int(r, 0),
				      "in", in, "body", rows_text(r, 2), "status", rows_text(r, 3), "author", author,
				      "time", manage_time(c, rows_int(r, 6)));
		if (strcmp(rows_text(r, 7), "log") == 0)
			json_object_set_new(m, "local", json_true());
		if (!rows_null(r, 8))
			json_object_set_new(m, "task_id", json_integer(rows_int(r, 8)));
		/* Oldest first, like a conversation. */
		json_array_insert_new(a, 0, m);
	}
	rows_done(r);
	return a;
}

/* Render the profile of a visible client.  overlay (stolen, may be NULL)
 * replaces defaults: submitted values and errors of a refused form. */
static void client_page(Ctx *c, int status, json_t *client, json_t *overlay)
{
	int64_t id = json_integer_value(json_object_get(client, "id"));
	json_object_set_new(client, "display_name", json_string(display_name(client)));
	json_object_set_new(client, "created", json_string(manage_time(c, json_integer_value(json_object_get(client, "created_at")))));
	json_t *su = json_object_get(client, "summary_updated_at");
	if (json_is_integer(su))
		json_object_set_new(client, "summary_updated", json_string(manage_time(c, json_integer_value(su))));
	json_t *d = page_data(c, display_name(client), "clients");
	json_t *f = json_object();
	static const char *const names[] = {"name", "phone", "email", "company"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		json_t *v = json_object_get(client, names[i]);
		json_object_set_new(f, names[i], json_string(json_is_string(v) ? json_string_value(v) : ""));
	}
	json_object_set_new(d, "f", f);
	json_object_set(d, "summary_text", json_object_get(client, "summary"));
	json_t *tasks = client_tasks(c, id), *messages = client_messages(c, id);
	json_object_set_new(d, "has_tasks", json_boolean(json_array_size(tasks) > 0));
	json_object_set_new(d, "has_messages", json_boolean(json_array_size(messages) > 0));
	json_object_set_new(d, "tasks", tasks);
	json_object_set_new(d, "messages", messages);
	json_object_set_new(d, "sms_max", json_integer(SMS_MAX_CHARS));
	json_object_set_new(d, "profile_proposals", proposals_profile_view(c, id));
	json_object_set_new(d, "client", client);
	manage_flash(c, d, client_flash);
	if (overlay) {
		json_object_update(d, overlay);
		json_decref(overlay);
	}
	respond_page(c, status, "pages/client", d);
}

/* The client when the user may see it; otherwise answers 404 and returns
 * NULL.  The caller owns the result. */
static json_t *visible_client(Ctx *c)
{
	ClientViewer v = viewer(c);
	json_t *client = client_get(c->store, &v, path_id(c, "id"));
	if (!client)
		respond_error(c, 404, "not_found", "There is no such client, or it is not one of yours.", NULL);
	return client;
}

/* GET /clients/:id - signed in, the client visible to the user (else 404).
 * Details, summary, tasks, recent messages and the forms that change them. */
void h_client(Ctx *c)
{
	json_t *client = visible_client(c);
	if (client)
		client_page(c, 200, client, NULL);
}

/* Refuse a form on the profile: re-render it with the status, the
 * submitted values and the error next to its field. */
static void client_refused(Ctx *c, json_t *client, const ClientError *err, json_t *overlay)
{
	set_field_error(c, overlay, err);
	client_page(c, client_err_status(err->kind), client, overlay);
}

/* POST /clients/:id - signed in, visible client (CSRF).  Form: name,
 * phone, email, company (empty email or company clears it).  303 back with
 * a flash; 422/409 with the error next to the field, nothing saved.  Event
 * client_updated when something changed. */
void h_client_update(Ctx *c)
{
	json_t *client = visible_client(c);
	if (!client)
		return;
	int64_t id = json_integer_value(json_object_get(client, "id"));
	ClientInput in = {
		.name = params_get(&c->form, "name") ? params_get(&c->form, "name") : "",
		.phone = params_get(&c->form, "phone") ? params_get(&c->form, "phone") : "",
		.email = params_get(&c->form, "email") ? params_get(&c->form, "email") : "",
		.company = params_get(&c->form, "company") ? params_get(&c->form, "company") : "",
	};
	ClientError err;
	json_t *overlay = json_pack("{s:o,s:b}", "f", form_values(c), "edit_open", 1);
	if (client_validate(&in, 0, &err) < 0) {
		client_refused(c, client, &err, overlay);
		return;
	}
	if (store_begin(c->store) != 0) {
		json_decref(client);
		json_decref(overlay);
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	int r = client_update(c->store, id, &in, c->actor, &err);
	if (r < 0) {
		store_rollback(c->store);
		if (err.kind == CLIENT_STORE) {
			json_decref(client);
			json_decref(overlay);
			manage_store_failed(c, "updating a client");
			return;
		}
		client_refused(c, client, &err, overlay);
		return;
	}
	json_decref(client);
	json_decref(overlay);
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing a client update");
		return;
	}
	respond_redirect(c, arena_printf(c->arena, "/clients/%lld?done=%s", (long long)id, r ? "saved" : "unchanged"));
}

/* POST /clients/:id/summary - signed in, visible client (CSRF).  Form:
 * summary (at most 1000 characters, several lines).  A person's edit of
 * the rolling summary; event summary_edited.  303 back; 422 with the error
 * next to the field. */
void h_client_summary(Ctx *c)
{
	json_t *client = visible_client(c);
	if (!client)
		return;
	int64_t id = json_integer_value(json_object_get(client, "id"));
	const char *summary = params_get(&c->form, "summary");
	ClientInput in = {.summary = summary ? summary : ""};
	ClientError err;
	json_t *overlay = json_pack("{s:s}", "summary_text", in.summary);
	if (client_validate(&in, 0, &err) < 0) {
		client_refused(c, client, &err, overlay);
		return;
	}
	json_decref(overlay);
	json_decref(client);
	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	int r = client_set_summary(c->store, id, in.summary, c->actor, &err);
	if (r < 0) {
		manage_store_failed(c, "saving a summary");
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing a summary");
		return;
	}
	respond_redirect(c, arena_printf(c->arena, "/clients/%lld?done=%s", (long long)id, r ? "summary" : "unchanged"));
}

/* POST /clients/:id/message - signed in, visible client (CSRF).  Form:
 * body (1..1600 characters).  Starts an SMS conversation: an outbound
 * message queued for the worker (not a draft) by the user, with its
 * message_out event and send job.  303 back; 422 with the error next to
 * the field. */
void h_client_message(Ctx *c)
{
	json_t *client = visible_client(c);
	if (!client)
		return;
	int64_t id = json_integer_value(json_object_get(client, "id"));
	const char *body = params_get(&c->form, "body");
	if (!body)
		body = "";
	const char *p = body;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	const char *why = NULL;
	if (!*p)
		why = "Write the message to send.";
	else if (manage_chars(body) > SMS_MAX_CHARS)
		why = "A message is at most 1600 characters (about ten SMS segments).";
	else if (!json_is_string(json_object_get(client, "phone")))
		why = "This client has no phone number to text.";
	if (why) {
		ClientError err = {.kind = CLIENT_INVALID, .field = "body"};
		snprintf(err.message, sizeof err.message, "%s", why);
		client_refused(c, client, &err, json_pack("{s:s}", "message_body", body));
		return;
	}
	json_decref(client);
	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	int64_t mid = desk_outbound(c->store, id, 0, body, c->actor, 0, 0);
	if (mid < 0) {
		manage_store_failed(c, "queueing a message");
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing a message");
		return;
	}
	ctx_log(c, "client=%lld message=%lld queued by %s", (long long)id, (long long)mid, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/clients/%lld?done=queued", (long long)id));
}
