/*
 * api_clients.c - the JSON API for clients: list and search, create, show
 * (with counts of open tasks and messages) and edit.
 *
 * Phone numbers are stored in E.164 and are unique: a second client with
 * the same number is a 409, never a silent merge.  Every write is one
 * transaction with its client_created / client_updated event naming the
 * token's actor.  Search text is bound as a LIKE pattern, never spliced
 * into SQL.  Authentication (bearer token) is the dispatcher's job.
 */
#include "api.h"
#include "handlers.h"
#include "phone.h"

#include <stdlib.h>
#include <string.h>

#define CLIENT_NAME_MAX 200
#define CLIENT_EMAIL_MAX 254
#define CLIENT_COMPANY_MAX 200
#define CLIENT_PHONE_MAX 32
#define CLIENT_SUMMARY_MAX 1000 /* the worker's rolling summary is bounded the same way */

/* One client row: the columns CLIENT_COLS selects, in that order. */
#define CLIENT_COLS "c.id, c.name, c.phone, c.email, c.company, c.summary, c.summary_updated_at, " \
		    "c.created_at, c.updated_at"

static json_t *client_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", api_col_int(st, 0));
	json_object_set_new(o, "name", api_col_text(st, 1));
	json_object_set_new(o, "phone", api_col_text(st, 2));
	json_object_set_new(o, "email", api_col_text(st, 3));
	json_object_set_new(o, "company", api_col_text(st, 4));
	json_object_set_new(o, "summary", api_col_text(st, 5));
	json_object_set_new(o, "summary_updated_at", api_col_time(st, 6));
	json_object_set_new(o, "created_at", api_col_time(st, 7));
	json_object_set_new(o, "updated_at", api_col_time(st, 8));
	return o;
}

/* The client as JSON with "counts": {"open_tasks", "messages"}; NULL when
 * there is no such client.  The caller owns the result. */
static json_t *client_load(Store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " CLIENT_COLS ", "
		" (SELECT count(*) FROM tasks t WHERE t.client_id = c.id AND t.status != 'closed'), "
		" (SELECT count(*) FROM messages m WHERE m.client_id = c.id) "
		"FROM clients c WHERE c.id = :id",
		SQL_INT(":id", id), SQL_END);
	json_t *o = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		o = client_json(st);
		json_object_set_new(o, "counts", json_pack("{s:I,s:I}", "open_tasks",
							   (json_int_t)sqlite3_column_int64(st, 9), "messages",
							   (json_int_t)sqlite3_column_int64(st, 10)));
	}
	store_done(st);
	return o;
}

/* A plausible address: one line, something@domain, no spaces.  Deliverability
 * is not our business. */
static int email_plausible(const char *e)
{
	const char *at = strchr(e, '@');
	return at && at != e && at[1] && !strchr(at + 1, '@') && !strpbrk(e, " \t\r\n") && strchr(at + 1, '.');
}

/* Read and check the optional email field: 1 set (NULL for null or ""),
 * 0 absent, -1 answered. */
static int read_email(Ctx *c, json_t *in, const char **out)
{
	int r = api_field_str(c, in, "email", F_NULLABLE | F_ONE_LINE, CLIENT_EMAIL_MAX, out);
	if (r == 1 && *out && !**out)
		*out = NULL;
	if (r == 1 && *out && !email_plausible(*out)) {
		respond_error(c, 422, "invalid_value", "email must look like name@example.com.", "email");
		return -1;
	}
	return r;
}

static int read_company(Ctx *c, json_t *in, const char **out)
{
	int r = api_field_str(c, in, "company", F_NULLABLE | F_ONE_LINE, CLIENT_COMPANY_MAX, out);
	if (r == 1 && *out && !**out)
		*out = NULL;
	return r;
}

/* Read the phone field and normalise it into e164: 1 set, 0 absent, -1
 * answered. */
static int read_phone(Ctx *c, json_t *in, int flags, char e164[32])
{
	const char *phone;
	int r = api_field_str(c, in, "phone", flags | F_ONE_LINE, CLIENT_PHONE_MAX, &phone);
	if (r != 1)
		return r;
	if (phone_e164(phone, e164, 32) != 0) {
		respond_error(c, 422, "invalid_value",
			      "phone must be a phone number with its country code, e.g. +14155550100.", "phone");
		return -1;
	}
	return 1;
}

/* Answer 409 when another client than self already has phone.  Returns -1
 * after answering (and rolling back), 0 when the number is free. */
static int phone_taken(Ctx *c, const char *phone, int64_t self)
{
	int64_t other = store_int(c->store, 0, "SELECT id FROM clients WHERE phone = :p AND id != :self",
				  SQL_TEXT(":p", phone), SQL_INT(":self", self), SQL_END);
	if (!other)
		return 0;
	store_rollback(c->store);
	respond_error(c, 409, "duplicate",
		      arena_printf(c->arena, "Client %lld already has the phone number %s.", (long long)other, phone),
		      "phone");
	return -1;
}

/* "%q%" for LIKE with \ escaping %, _ and \ itself (arena). */
static const char *like_pattern(Ctx *c, const char *q)
{
	Buf b = {0};
	buf_putc(&b, '%');
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '%');
	char *s = arena_strdup(c->arena, buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* GET /api/clients - API token.  Query: q (case-insensitive substring of
 * name, phone, company or email; a phone number in any format also matches
 * its E.164 form), limit (1..200, default 50), cursor.  Newest first.
 * 200 {"data":[client...], "next_cursor": "..." | null}. */
void h_api_clients_list(Ctx *c)
{
	ApiPage page;
	const char *q = NULL;
	if (api_query_text(c, "q", 200, &q) < 0 || api_page(c, &page) < 0)
		return;
	char e164[32];
	int is_phone = q && phone_e164(q, e164, sizeof e164) == 0;
	sqlite3_stmt *st = store_stmt(c->store,
		"SELECT " CLIENT_COLS " FROM clients c "
		"WHERE (:pat IS NULL OR c.name LIKE :pat ESCAPE '\\' OR c.phone LIKE :pat ESCAPE '\\' "
		"       OR c.company LIKE :pat ESCAPE '\\' OR c.email LIKE :pat ESCAPE '\\' OR c.phone = :e164) "
		"  AND (:cursor IS NULL OR c.id < :cursor) "
		"ORDER BY c.id DESC LIMIT :limit",
		SQL_TEXT(":pat", q ? like_pattern(c, q) : NULL), SQL_TEXT(":e164", is_phone ? e164 : NULL),
		API_CURSOR_ARG(&page), SQL_INT(":limit", API_FETCH(&page)), SQL_END);
	json_t *out = api_list(st, &page, client_json);
	if (!out) {
		api_store_failed(c, "listing clients");
		return;
	}
	respond_json(c, 200, out);
}

/* GET /api/clients/:id - API token.  200 client with "counts":
 * {"open_tasks": N, "messages": N}; 404 when there is no such client. */
void h_api_client_get(Ctx *c)
{
	json_t *o = client_load(c->store, path_id(c, "id"));
	if (!o) {
		respond_error(c, 404, "not_found", "There is no client with that id.", NULL);
		return;
	}
	respond_json(c, 200, o);
}

/* POST /api/clients - API token.  JSON {"name": required, "phone":
 * required (any common format, stored as E.164), "email", "company"}.
 * 201 the client (Location: /api/clients/ID); 409 when the phone number
 * belongs to a client already.  Event client_created. */
void h_api_clients_create(Ctx *c)
{
	static const char *const fields[] = {"name", "phone", "email", "company", NULL};
	json_t *in = api_body(c);
	if (!in)
		return;
	const char *name = NULL, *email = NULL, *company = NULL;
	char phone[32];
	if (api_known_fields(c, in, fields) < 0 ||
	    api_field_str(c, in, "name", F_REQUIRED | F_ONE_LINE | F_NONBLANK, CLIENT_NAME_MAX, &name) < 0 ||
	    read_phone(c, in, F_REQUIRED, phone) < 0 || read_email(c, in, &email) < 0 ||
	    read_company(c, in, &company) < 0)
		goto out;

	if (api_begin(c) < 0)
		goto out;
	if (phone_taken(c, phone, 0) < 0)
		goto out;
	int64_t now = now_ms();
	int rc = store_exec(c->store,
		"INSERT INTO clients (name, phone, email, company, created_at, updated_at) "
		"VALUES (:name, :phone, :email, :company, :now, :now)",
		SQL_TEXT(":name", name), SQL_TEXT(":phone", phone), SQL_TEXT(":email", email),
		SQL_TEXT(":company", company), SQL_INT(":now", now), SQL_END);
	if (rc != SQLITE_OK) {
		api_store_failed(c, "inserting a client");
		goto out;
	}
	int64_t id = store_last_id(c->store);
	json_t *d = json_pack("{s:s,s:s,s:s}", "name", name, "phone", phone, "source", "api");
	json_object_set_new(d, "email", email ? json_string(email) : json_null());
	json_object_set_new(d, "company", company ? json_string(company) : json_null());
	if (api_event(c, "client_created", id, 0, 0, d) < 0) {
		api_store_failed(c, "recording client_created");
		goto out;
	}
	json_t *o = client_load(c->store, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	ctx_log(c, "client=%lld created by %s", (long long)id, c->actor);
	add_header(c, "Location", arena_printf(c->arena, "/api/clients/%lld", (long long)id));
	respond_json(c, 201, o);
out:
	json_decref(in);
}

/* Nullable strings equal? */
static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* PATCH /api/clients/:id - API token.  JSON with any of "name", "email"
 * (null or "" clears), "company" (null or "" clears), "phone" (stored as
 * E.164), "summary".  Unknown fields are 422; unchanged values write
 * nothing.  200 the client; 404 unknown id; 409 phone of another client.
 * Event client_updated {"fields":[...], "changes":{field:{from,to}}} (the
 * summary's text is not copied into the event). */
void h_api_client_patch(Ctx *c)
{
	static const char *const fields[] = {"name", "email", "company", "phone", "summary", NULL};
	int64_t id = path_id(c, "id");
	json_t *in = api_body(c);
	if (!in)
		return;
	const char *name = NULL, *email = NULL, *company = NULL, *summary = NULL;
	char phone[32];
	int has_name, has_email, has_company, has_phone, has_summary;
	if (api_known_fields(c, in, fields) < 0 ||
	    (has_name = api_field_str(c, in, "name", F_ONE_LINE | F_NONBLANK, CLIENT_NAME_MAX, &name)) < 0 ||
	    (has_email = read_email(c, in, &email)) < 0 || (has_company = read_company(c, in, &company)) < 0 ||
	    (has_phone = read_phone(c, in, 0, phone)) < 0 ||
	    (has_summary = api_field_str(c, in, "summary", 0, CLIENT_SUMMARY_MAX, &summary)) < 0)
		goto out;

	if (api_begin(c) < 0)
		goto out;
	sqlite3_stmt *st = store_stmt(c->store,
		"SELECT name, phone, email, company, summary FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		store_rollback(c->store);
		respond_error(c, 404, "not_found", "There is no client with that id.", NULL);
		goto out;
	}
	const char *cur[5];
	for (int i = 0; i < 5; i++)
		cur[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NULL
								     : arena_strdup(c->arena, col_text(st, i));
	store_done(st);

	json_t *changed = json_array(), *changes = json_object();
	const char *new_name = cur[0], *new_phone = cur[1], *new_email = cur[2], *new_company = cur[3],
		   *new_summary = cur[4];
	if (has_name && !same(name, cur[0])) {
		api_note_change(changed, changes, "name", jstr(cur[0]), jstr(name));
		new_name = name;
	}
	if (has_phone && !same(phone, cur[1])) {
		if (phone_taken(c, phone, id) < 0) {
			json_decref(changed);
			json_decref(changes);
			goto out;
		}
		api_note_change(changed, changes, "phone", jstr(cur[1]), jstr(phone));
		new_phone = phone;
	}
	if (has_email && !same(email, cur[2])) {
		api_note_change(changed, changes, "email", jstr(cur[2]), jstr(email));
		new_email = email;
	}
	if (has_company && !same(company, cur[3])) {
		api_note_change(changed, changes, "company", jstr(cur[3]), jstr(company));
		new_company = company;
	}
	int summary_changed = has_summary && !same(summary, cur[4]);
	if (summary_changed) {
		json_array_append_new(changed, json_string("summary"));
		new_summary = summary;
	}
	if (json_array_size(changed) > 0) {
		int rc = store_exec(c->store,
			"UPDATE clients SET name = :name, phone = :phone, email = :email, company = :company, "
			" summary = :summary, updated_at = :now, "
			" summary_updated_at = CASE WHEN :sumch THEN :now ELSE summary_updated_at END "
			"WHERE id = :id",
			SQL_TEXT(":name", new_name), SQL_TEXT(":phone", new_phone), SQL_TEXT(":email", new_email),
			SQL_TEXT(":company", new_company), SQL_TEXT(":summary", new_summary),
			SQL_INT(":now", now_ms()), SQL_INT(":sumch", summary_changed), SQL_INT(":id", id), SQL_END);
		if (rc != SQLITE_OK) {
			json_decref(changed);
			json_decref(changes);
			api_store_failed(c, "updating a client");
			goto out;
		}
		if (api_event(c, "client_updated", id, 0, 0,
			      json_pack("{s:o,s:o}", "fields", changed, "changes", changes)) < 0) {
			api_store_failed(c, "recording client_updated");
			goto out;
		}
	} else {
		json_decref(changed);
		json_decref(changes);
	}
	json_t *o = client_load(c->store, id);
	if (api_commit(c) < 0) {
		json_decref(o);
		goto out;
	}
	respond_json(c, 200, o);
out:
	json_decref(in);
}
