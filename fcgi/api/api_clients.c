/*
 * api_clients.c - the JSON API for clients: list and search, create, show
 * (with counts of open tasks and messages) and edit.
 *
 * The rules for a client's fields, the uniqueness of phone numbers and the
 * events live in lib/desk/clients.c, shared with the admin pages: this file only
 * checks JSON types and unknown fields, then calls client_create,
 * client_update and client_set_summary and maps a ClientError to a status
 * (client_err_status) naming the field.  It must not write the clients
 * table itself.  A token acting for a user sees only that user's clients
 * (the isolation rule in every query of lib/desk/api_queries.c): others are 404, exactly like unknown ids.
 * Authentication (bearer token) is the dispatcher's job.
 */
#include "fcgi/api/api.h"
#include "desk/api_queries.h"
#include "desk/clients.h"
#include "fcgi/handlers.h"
#include "desk/phone.h"

#include <stdint.h>
#include <string.h>

/* One client row (apiq_clients' columns) as JSON. */
static json_t *client_json(Rows *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", api_col_int(r, 0));
	json_object_set_new(o, "name", api_col_str(r, 1));
	json_object_set_new(o, "phone", api_col_str(r, 2));
	json_object_set_new(o, "email", api_col_str(r, 3));
	json_object_set_new(o, "company", api_col_str(r, 4));
	json_object_set_new(o, "summary", api_col_str(r, 5));
	json_object_set_new(o, "summary_updated_at", api_col_time(r, 6));
	json_object_set_new(o, "created_at", api_col_time(r, 7));
	json_object_set_new(o, "updated_at", api_col_time(r, 8));
	return o;
}

/* The client as JSON with "counts": {"open_tasks", "messages"}; NULL when
 * there is no such client or the token may not see it.  The caller owns
 * the result. */
static json_t *client_load(Ctx *c, int64_t id)
{
	Rows *r = apiq_client(c->store, API_VIEWER(c), id);
	json_t *o = NULL;
	if (rows_next(r)) {
		o = client_json(r);
		json_object_set_new(o, "counts", json_pack("{s:I,s:I}", "open_tasks",
							   (json_int_t)rows_int(r, 9), "messages",
							   (json_int_t)rows_int(r, 10)));
	}
	rows_done(r);
	return o;
}

int api_client_visible(Ctx *c, int64_t id)
{
	if (id <= 0)
		return 0;
	return apiq_client_visible(c->store, API_VIEWER(c), id);
}

/* Read an optional string field whose value lib/desk/clients.c checks: only
 * the JSON type is ours (400 wrong_type; null is 422 unless nullable, and
 * then reads as "", which clears).  1 set, 0 absent, -1 answered. */
static int read_text(Ctx *c, json_t *in, const char *name, int nullable, const char **out)
{
	int r = api_field_str(c, in, name, nullable ? F_NULLABLE : 0, SIZE_MAX, out);
	if (r == 1 && !*out)
		*out = "";
	return r;
}

/* Read the body's client fields into in (NULL for absent ones).  with_summary:
 * the PATCH also accepts "summary".  0, or -1 after answering. */
static int read_client(Ctx *c, json_t *body, ClientInput *in, int with_summary)
{
	static const char *const create_fields[] = {"name", "phone", "email", "company", NULL};
	static const char *const patch_fields[] = {"name", "email", "company", "phone", "summary", NULL};
	memset(in, 0, sizeof *in);
	if (api_known_fields(c, body, with_summary ? patch_fields : create_fields) < 0 ||
	    read_text(c, body, "name", 0, &in->name) < 0 || read_text(c, body, "phone", 0, &in->phone) < 0 ||
	    read_text(c, body, "email", 1, &in->email) < 0 || read_text(c, body, "company", 1, &in->company) < 0 ||
	    (with_summary && read_text(c, body, "summary", 0, &in->summary) < 0))
		return -1;
	return 0;
}

/* Answer a refused create or edit (rolling back when in_txn): the
 * library's status and code, naming the field.  A duplicate phone names
 * the other client only when the token may see it. */
static void client_refused(Ctx *c, const ClientError *err, int in_txn)
{
	if (err->kind == CLIENT_STORE) {
		api_store_failed(c, "changing a client"); /* logs the database's message, answers 500 */
		return;
	}
	const char *msg = err->message;
	if (err->kind == CLIENT_DUPLICATE && !api_client_visible(c, err->other_id))
		msg = "Another client already has this phone number.";
	if (in_txn)
		store_rollback(c->store);
	respond_error(c, client_err_status(err->kind), client_err_code(err->kind), msg, err->field);
}

/* GET /api/clients - API token (a user's token: that user's clients only).
 * Query: q (case-insensitive substring of name, phone, company or email; a
 * phone number in any format also matches its E.164 form), limit (1..200,
 * default 50), cursor.  Newest first.
 * 200 {"data":[client...], "next_cursor": "..." | null}. */
void h_api_clients_list(Ctx *c)
{
	ApiPage page;
	const char *q = NULL;
	if (api_query_text(c, "q", 200, &q) < 0 || api_page(c, &page) < 0)
		return;
	char e164[32];
	int is_phone = q && phone_e164(q, e164, sizeof e164) == 0;
	const char *pat = NULL;
	if (q) {
		/* "%q%" for LIKE, with \ escaping %, _ and \ itself. */
		Buf b = {0};
		buf_putc(&b, '%');
		for (const char *p = q; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '%');
		pat = arena_strdup(c->arena, buf_cstr(&b));
		buf_free(&b);
	}
	Rows *r = apiq_clients(c->store, API_VIEWER(c), pat, is_phone ? e164 : NULL, page.cursor, API_FETCH(&page));
	json_t *out = api_list(r, &page, client_json);
	if (!out) {
		api_store_failed(c, "listing clients");
		return;
	}
	respond_json(c, 200, out);
}

/* GET /api/clients/:id - API token.  200 client with "counts":
 * {"open_tasks": N, "messages": N}; 404 when there is no such client or
 * the token may not see it. */
void h_api_client_get(Ctx *c)
{
	json_t *o = client_load(c, path_id(c, "id"));
	if (!o) {
		api_not_found(c, "client", 0, NULL);
		return;
	}
	respond_json(c, 200, o);
}

/* POST /api/clients - API token.  JSON {"name": required, "phone":
 * required (any common format, stored as E.164), "email", "company"}.
 * 201 the client (Location: /api/clients/ID); 409 when the phone number
 * belongs to a client already.  A user's token attaches that user (unless
 * an admin) to the new client, as the admin pages do.  Events
 * client_created (and member_added). */
void h_api_clients_create(Ctx *c)
{
	json_t *body = api_body(c);
	if (!body)
		return;
	ClientInput in;
	ClientError err;
	if (read_client(c, body, &in, 0) < 0)
		goto out;
	if (client_validate(&in, 1, &err) < 0) {
		client_refused(c, &err, 0);
		goto out;
	}
	if (api_begin(c) < 0)
		goto out;
	int64_t id = client_create(c->store, &in, c->actor, "api", &err);
	if (id < 0) {
		client_refused(c, &err, 1);
		goto out;
	}
	if (!c->user.is_admin && client_add_member(c->store, id, c->user.id, c->actor) < 0) {
		api_store_failed(c, "attaching the token's user");
		goto out;
	}
	json_t *o = client_load(c, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	ctx_log(c, "client=%lld created by %s", (long long)id, c->actor);
	add_header(c, "Location", arena_printf(c->arena, "/api/clients/%lld", (long long)id));
	respond_json(c, 201, o);
out:
	json_decref(body);
}

/* PATCH /api/clients/:id - API token, a client it may see (else 404).
 * JSON with any of "name", "email" (null or "" clears), "company" (null or
 * "" clears), "phone" (stored as E.164), "summary" (a person's edit of the
 * rolling summary).  Unknown fields are 422; unchanged values write
 * nothing.  200 the client; 409 phone of another client.  Events
 * client_updated {"fields":[...], "changes":{field:{from,to}}} for the
 * details and summary_edited {length, previous_length} for the summary,
 * as the admin pages write them. */
void h_api_client_patch(Ctx *c)
{
	int64_t id = path_id(c, "id");
	if (!api_client_visible(c, id)) {
		api_not_found(c, "client", id, NULL);
		return;
	}
	json_t *body = api_body(c);
	if (!body)
		return;
	ClientInput in;
	ClientError err;
	if (read_client(c, body, &in, 1) < 0)
		goto out;
	if (client_validate(&in, 0, &err) < 0) {
		client_refused(c, &err, 0);
		goto out;
	}
	if (api_begin(c) < 0)
		goto out;
	/* Again inside the transaction: the user may have been detached since. */
	if (!api_client_visible(c, id)) {
		store_rollback(c->store);
		api_not_found(c, "client", id, NULL);
		goto out;
	}
	const char *summary = in.summary;
	in.summary = NULL; /* the summary has its own change and event */
	if (client_update(c->store, id, &in, c->actor, &err) < 0 ||
	    (summary && client_set_summary(c->store, id, summary, c->actor, &err) < 0)) {
		client_refused(c, &err, 1);
		goto out;
	}
	json_t *o = client_load(c, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	respond_json(c, 200, o);
out:
	json_decref(body);
}
