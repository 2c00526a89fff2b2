/*
 * clients.c - client records: validation, create, update, summary edits,
 * membership and the visibility-checked list (see clients.h).
 *
 * Validation is pure and runs before any write, so a refused change
 * writes nothing.  SQL for the clients table's edits lives here; it never
 * sees user text except through bound parameters (search text is bound as
 * a LIKE pattern with its wildcards escaped).  No HTTP, no formatting for
 * pages.
 */
#include "desk/clients.h"
#include "web/form.h"
#include "desk/phone.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Validated, trimmed values.  has_* says the field was given; an email or
 * company given as "" is stored as NULL. */
typedef struct {
	int has_name, has_phone, has_email, has_company, has_summary;
	char name[CLIENT_NAME_MAX * 4 + 1];
	char phone[CLIENT_PHONE_MAX];
	char email[CLIENT_EMAIL_MAX * 4 + 1];
	char company[CLIENT_COMPANY_MAX * 4 + 1];
	char summary[CLIENT_SUMMARY_MAX * 4 + 1];
} Values;

const char *client_err_code(ClientErr kind)
{
	switch (kind) {
	case CLIENT_OK: return "ok";
	case CLIENT_MISSING: return "missing_field";
	case CLIENT_BLANK: return "blank";
	case CLIENT_TOO_LONG: return "too_long";
	case CLIENT_INVALID: return "invalid_value";
	case CLIENT_DUPLICATE: return "duplicate";
	case CLIENT_NOT_FOUND: return "not_found";
	case CLIENT_STORE: return "store_failed";
	}
	return "error";
}

int client_err_status(ClientErr kind)
{
	switch (kind) {
	case CLIENT_OK: return 200;
	case CLIENT_DUPLICATE: return 409;
	case CLIENT_NOT_FOUND: return 404;
	case CLIENT_STORE: return 500;
	default: return 422;
	}
}

static int fail(ClientError *err, ClientErr kind, const char *field, const char *fmt, ...) SB_PRINTF(4, 5);
static int fail(ClientError *err, ClientErr kind, const char *field, const char *fmt, ...)
{
	char msg[sizeof err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (err->count == 0) {
		err->kind = kind;
		err->field = field;
		memcpy(err->message, msg, sizeof msg);
	}
	if (err->count < CLIENT_MAX_ERRORS) {
		err->all[err->count].kind = kind;
		err->all[err->count].field = field;
		memcpy(err->all[err->count].message, msg, sizeof msg);
		err->count++;
	}
	return -1;
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Trim in, check it (valid UTF-8, at most max_chars characters, no
 * control characters except line breaks and tabs when multi_line) and copy
 * it into out (outsz bytes, large enough for max_chars characters).  what
 * names the field's subject in messages ("The name").  0 or -1 with *err. */
static int take(const char *in, const char *field, const char *what, size_t max_chars, int multi_line, char *out,
		size_t outsz, ClientError *err)
{
	while (is_space(*in))
		in++;
	size_t n = strlen(in);
	while (n > 0 && is_space(in[n - 1]))
		n--;
	if (!form_utf8_valid(in, n))
		return fail(err, CLIENT_INVALID, field, "%s is not valid UTF-8 text.", what);
	if (utf8_chars(in, n) > max_chars || n >= outsz)
		return fail(err, CLIENT_TOO_LONG, field, "%s is longer than %zu characters.", what, max_chars);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if ((ch < 0x20 || ch == 0x7f) && !(multi_line && (ch == '\n' || ch == '\r' || ch == '\t')))
			return fail(err, CLIENT_INVALID, field,
				    multi_line ? "%s must not contain control characters."
					       : "%s must be one line without control characters.",
				    what);
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

int client_email_plausible(const char *e)
{
	const char *at = strchr(e, '@');
	return at && at != e && at[1] && !strchr(at + 1, '@') && !strpbrk(e, " \t\r\n") && strchr(at + 1, '.') &&
	       at[strlen(at) - 1] != '.';
}

/* Check every field, recording each bad one in *err.  0 or -1. */
static int check(const ClientInput *in, int creating, Values *v, ClientError *err)
{
	memset(err, 0, sizeof *err);
	v->has_name = v->has_phone = v->has_email = v->has_company = v->has_summary = 0;
	if (in->name) {
		if (take(in->name, "name", "The name", CLIENT_NAME_MAX, 0, v->name, sizeof v->name, err) == 0) {
			if (v->name[0])
				v->has_name = 1;
			else
				fail(err, CLIENT_BLANK, "name", "Enter the client's name.");
		}
	} else if (creating) {
		fail(err, CLIENT_MISSING, "name", "Enter the client's name.");
	}
	if (in->phone) {
		if (utf8_chars(in->phone, strlen(in->phone)) > CLIENT_PHONE_MAX)
			fail(err, CLIENT_TOO_LONG, "phone", "The phone number is longer than %d characters.",
			     CLIENT_PHONE_MAX);
		else if (phone_e164(in->phone, v->phone, sizeof v->phone) != 0)
			fail(err, CLIENT_INVALID, "phone", "Enter a phone number with its country code, e.g. +14155550100.");
		else
			v->has_phone = 1;
	} else if (creating) {
		fail(err, CLIENT_MISSING, "phone", "Enter the client's phone number, e.g. +14155550100.");
	}
	if (in->email &&
	    take(in->email, "email", "The email address", CLIENT_EMAIL_MAX, 0, v->email, sizeof v->email, err) == 0) {
		if (v->email[0] && !client_email_plausible(v->email))
			fail(err, CLIENT_INVALID, "email", "Enter an email address like name@example.com, or leave it empty.");
		else
			v->has_email = 1;
	}
	if (in->company &&
	    take(in->company, "company", "The company", CLIENT_COMPANY_MAX, 0, v->company, sizeof v->company, err) == 0)
		v->has_company = 1;
	if (in->summary &&
	    take(in->summary, "summary", "The summary", CLIENT_SUMMARY_MAX, 1, v->summary, sizeof v->summary, err) == 0)
		v->has_summary = 1;
	return err->count ? -1 : 0;
}

int client_validate(const ClientInput *in, int creating, ClientError *err)
{
	Values *v = xmalloc(sizeof *v);
	int rc = check(in, creating, v, err);
	free(v);
	return rc;
}

/* NULL for "", so cleared optional fields are stored as NULL. */
static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Append an event whose details are v (stolen). */
static int64_t event(Store *s, const char *type, int64_t client_id, const char *actor, json_t *v)
{
	char *d = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!d)
		sb_die("json_dumps failed");
	int64_t id = store_event(s, type, client_id, 0, 0, actor, d);
	free(d);
	return id;
}

/* -1 with a CLIENT_DUPLICATE error when a client other than self has
 * phone, 0 when the number is free. */
static int phone_taken(Store *s, const char *phone, int64_t self, ClientError *err)
{
	int64_t other = store_int(s, 0, "SELECT id FROM clients WHERE phone = :p AND id != :self",
				  SQL_TEXT(":p", phone), SQL_INT(":self", self), SQL_END);
	if (!other)
		return 0;
	err->other_id = other;
	return fail(err, CLIENT_DUPLICATE, "phone", "Client %lld already has the phone number %s.",
		    (long long)other, phone);
}

static int store_failed(Store *s, ClientError *err, const char *what)
{
	return fail(err, CLIENT_STORE, NULL, "Could not %s: %s", what, store_errmsg(s));
}

int64_t client_create(Store *s, const ClientInput *in, const char *actor, const char *source, ClientError *err)
{
	int64_t id = -1;
	Values *v = xmalloc(sizeof *v);
	if (check(in, 1, v, err) < 0 || phone_taken(s, v->phone, 0, err) < 0)
		goto out;
	const char *email = v->has_email ? opt(v->email) : NULL;
	const char *company = v->has_company ? opt(v->company) : NULL;
	int64_t now = now_ms();
	if (store_exec(s,
		"INSERT INTO clients (name, phone, email, company, created_at, updated_at) "
		"VALUES (:name, :phone, :email, :company, :now, :now)",
		SQL_TEXT(":name", v->name), SQL_TEXT(":phone", v->phone), SQL_TEXT(":email", email),
		SQL_TEXT(":company", company), SQL_INT(":now", now), SQL_END) != STORE_OK) {
		store_failed(s, err, "save the client");
		goto out;
	}
	int64_t newid = store_last_id(s);
	json_t *d = json_pack("{s:s,s:s,s:o,s:o,s:s}", "name", v->name, "phone", v->phone, "email", jstr(email),
			      "company", jstr(company), "source", source ? source : "admin");
	if (event(s, "client_created", newid, actor, d) < 0) {
		store_failed(s, err, "record client_created");
		goto out;
	}
	id = newid;
out:
	free(v);
	return id;
}

/* Record one changed field for client_updated's details. */
static void note(json_t *fields, json_t *changes, const char *name, const char *from, const char *to)
{
	json_array_append_new(fields, json_string(name));
	json_object_set_new(changes, name, json_pack("{s:o,s:o}", "from", jstr(from), "to", jstr(to)));
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int client_update(Store *s, int64_t id, const ClientInput *in, const char *actor, ClientError *err)
{
	int rc = -1;
	char *cur[5] = {0};
	json_t *fields = NULL, *changes = NULL;
	Values *v = xmalloc(sizeof *v);
	if (check(in, 0, v, err) < 0)
		goto out;
	Rows *r = store_query(s, "SELECT name, phone, email, company, summary FROM clients WHERE id = :id",
			      SQL_INT(":id", id), SQL_END);
	int step = rows_step(r);
	if (step == STORE_ROW)
		for (int i = 0; i < 5; i++)
			cur[i] = rows_null(r, i) ? NULL : xstrdup(rows_text(r, i));
	rows_done(r);
	if (step != STORE_ROW) {
		if (step == STORE_OK)
			fail(err, CLIENT_NOT_FOUND, NULL, "There is no client %lld.", (long long)id);
		else
			store_failed(s, err, "read the client");
		goto out;
	}
	const char *name = cur[0], *phone = cur[1], *email = cur[2], *company = cur[3], *summary = cur[4];
	fields = json_array();
	changes = json_object();
	if (v->has_name && !same(v->name, name)) {
		note(fields, changes, "name", name, v->name);
		name = v->name;
	}
	if (v->has_phone && !same(v->phone, phone)) {
		if (phone_taken(s, v->phone, id, err) < 0)
			goto out;
		note(fields, changes, "phone", phone, v->phone);
		phone = v->phone;
	}
	if (v->has_email && !same(opt(v->email), email)) {
		note(fields, changes, "email", email, opt(v->email));
		email = opt(v->email);
	}
	if (v->has_company && !same(opt(v->company), company)) {
		note(fields, changes, "company", company, opt(v->company));
		company = opt(v->company);
	}
	int summary_changed = v->has_summary && !same(v->summary, summary);
	if (summary_changed) {
		json_array_append_new(fields, json_string("summary"));
		summary = v->summary;
	}
	if (json_array_size(fields) == 0) {
		rc = 0;
		goto out;
	}
	if (store_exec(s,
		"UPDATE clients SET name = :name, phone = :phone, email = :email, company = :company, "
		" summary = :summary, updated_at = :now, "
		" summary_updated_at = CASE WHEN :sumch THEN :now ELSE summary_updated_at END "
		"WHERE id = :id",
		SQL_TEXT(":name", name), SQL_TEXT(":phone", phone), SQL_TEXT(":email", email),
		SQL_TEXT(":company", company), SQL_TEXT(":summary", summary ? summary : ""),
		SQL_INT(":now", now_ms()), SQL_INT(":sumch", summary_changed), SQL_INT(":id", id),
		SQL_END) != STORE_OK) {
		store_failed(s, err, "update the client");
		goto out;
	}
	json_t *d = json_pack("{s:O,s:O}", "fields", fields, "changes", changes);
	if (event(s, "client_updated", id, actor, d) < 0) {
		store_failed(s, err, "record client_updated");
		goto out;
	}
	rc = 1;
out:
	json_decref(fields);
	json_decref(changes);
	for (int i = 0; i < 5; i++)
		free(cur[i]);
	free(v);
	return rc;
}

int client_set_summary(Store *s, int64_t id, const char *summary, const char *actor, ClientError *err)
{
	int rc = -1;
	char *old = NULL;
	Values *v = xmalloc(sizeof *v);
	ClientInput in = {.summary = summary ? summary : ""};
	if (check(&in, 0, v, err) < 0)
		goto out;
	old = store_text(s, "SELECT summary FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END);
	if (!old) {
		fail(err, CLIENT_NOT_FOUND, NULL, "There is no client %lld.", (long long)id);
		goto out;
	}
	if (strcmp(old, v->summary) == 0) {
		rc = 0;
		goto out;
	}
	int64_t now = now_ms();
	if (store_exec(s, "UPDATE clients SET summary = :s, summary_updated_at = :now, updated_at = :now WHERE id = :id",
		       SQL_TEXT(":s", v->summary), SQL_INT(":now", now), SQL_INT(":id", id), SQL_END) != STORE_OK) {
		store_failed(s, err, "save the summary");
		goto out;
	}
	json_t *d = json_pack("{s:I,s:I}", "length", (json_int_t)utf8_chars(v->summary, strlen(v->summary)),
			      "previous_length", (json_int_t)utf8_chars(old, strlen(old)));
	if (event(s, "summary_edited", id, actor, d) < 0) {
		store_failed(s, err, "record summary_edited");
		goto out;
	}
	rc = 1;
out:
	free(old);
	free(v);
	return rc;
}

int client_add_member(Store *s, int64_t client_id, int64_t user_id, const char *actor)
{
	if (store_exec(s, "INSERT OR IGNORE INTO client_members (user_id, client_id, created_at) VALUES (:u, :c, :now)",
		       SQL_INT(":u", user_id), SQL_INT(":c", client_id), SQL_INT(":now", now_ms()), SQL_END) != STORE_OK)
		return -1;
	if (store_changes(s) == 0)
		return 0;
	return event(s, "member_added", client_id, actor, json_pack("{s:I}", "user_id", (json_int_t)user_id)) < 0
		       ? -1
		       : 1;
}

/* "%q%" for LIKE with \ escaping %, _ and \ itself (malloc'd). */
static char *like_pattern(const char *q)
{
	Buf b = {0};
	buf_putc(&b, '%');
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '%');
	return buf_detach(&b);
}

static json_t *col_json_text(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_string(rows_text(r, i));
}

/* The search condition and the keyset condition, shared by both queries. */
#define LIST_WHERE                                                                                        \
	"(:pat IS NULL OR c.name LIKE :pat ESCAPE '\\' OR c.phone LIKE :pat ESCAPE '\\' "                \
	" OR c.company LIKE :pat ESCAPE '\\' OR c.email LIKE :pat ESCAPE '\\' OR c.phone = :e164) "     \
	"AND c.name COLLATE NOCASE >= :aname AND (c.name COLLATE NOCASE > :aname OR c.id > :aid) "
#define LIST_COLS                                                                                         \
	"c.id, c.name, c.phone, c.email, c.company, "                                                     \
	"(SELECT count(*) FROM tasks t WHERE t.client_id = c.id AND t.status != 'closed'), c.created_at "

json_t *client_list(Store *s, const ClientViewer *v, const char *q, int64_t after_id, int limit, int *more)
{
	*more = 0;
	char e164[32];
	int is_phone = q && *q && phone_e164(q, e164, sizeof e164) == 0;
	char *pat = q && *q ? like_pattern(q) : NULL;
	SqlArg pat_arg = SQL_TEXT(":pat", pat);
	SqlArg e164_arg = SQL_TEXT(":e164", is_phone ? e164 : NULL);
	/* Keyset: rows after (name, id) of the previous page's last client,
	 * written so SQLite can seek in clients_name.  ("", 0) starts at the
	 * top, as does an unknown id. */
	char *aname = after_id > 0 ? store_text(s, "SELECT name FROM clients WHERE id = :id", SQL_INT(":id", after_id),
						   SQL_END)
				   : NULL;
	SqlArg aname_arg = SQL_TEXT(":aname", aname ? aname : "");
	SqlArg aid_arg = SQL_INT(":aid", aname ? after_id : 0);
	Rows *r;
	if (v->is_admin && !pat)
		r = store_query(s,
			"SELECT " LIST_COLS "FROM clients c WHERE " LIST_WHERE
			"ORDER BY c.name COLLATE NOCASE, c.id LIMIT :limit",
			pat_arg, e164_arg, aname_arg, aid_arg, SQL_INT(":limit", limit + 1), SQL_END);
	else if (v->is_admin)
		/* A search reads every row anyway: a plain table scan and a
		 * top-N sort beat walking the name index with a row lookup
		 * each (about 15 times faster at 100,000 clients). */
		r = store_query(s,
			"SELECT " LIST_COLS "FROM clients c NOT INDEXED WHERE " LIST_WHERE
			"ORDER BY c.name COLLATE NOCASE, c.id LIMIT :limit",
			pat_arg, e164_arg, aname_arg, aid_arg, SQL_INT(":limit", limit + 1), SQL_END);
	else
		r = store_query(s,
			"SELECT " LIST_COLS "FROM clients c "
			"WHERE c.id IN (SELECT m.client_id FROM client_members m WHERE m.user_id = :uid) AND " LIST_WHERE
			"ORDER BY c.name COLLATE NOCASE, c.id LIMIT :limit",
			SQL_INT(":uid", v->user_id), pat_arg, e164_arg, aname_arg, aid_arg, SQL_INT(":limit", limit + 1),
			SQL_END);
	json_t *rows = json_array();
	int rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if ((int)json_array_size(rows) == limit) {
			*more = 1;
			continue;
		}
		json_array_append_new(rows, json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I}",
			"id", (json_int_t)rows_int(r, 0), "name", col_json_text(r, 1),
			"phone", col_json_text(r, 2), "email", col_json_text(r, 3), "company", col_json_text(r, 4),
			"open_tasks", (json_int_t)rows_int(r, 5),
			"created_at", (json_int_t)rows_int(r, 6)));
	}
	rows_done(r);
	free(pat);
	free(aname);
	if (rc != STORE_OK) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

json_t *client_get(Store *s, const ClientViewer *v, int64_t id)
{
	Rows *r = store_query(s,
		"SELECT c.id, c.name, c.phone, c.email, c.company, c.summary, c.summary_updated_at, c.created_at, "
		" c.updated_at FROM clients c "
		"WHERE c.id = :id AND (:admin OR EXISTS (SELECT 1 FROM client_members m "
		"                                        WHERE m.user_id = :uid AND m.client_id = c.id))",
		SQL_INT(":id", id), SQL_INT(":admin", v->is_admin), SQL_INT(":uid", v->user_id), SQL_END);
	json_t *o = NULL;
	if (rows_next(r)) {
		o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "id", (json_int_t)rows_int(r, 0),
			      "name", col_json_text(r, 1), "phone", col_json_text(r, 2), "email",
			      col_json_text(r, 3), "company", col_json_text(r, 4), "summary", col_json_text(r, 5),
			      "created_at", (json_int_t)rows_int(r, 7), "updated_at",
			      (json_int_t)rows_int(r, 8));
		json_object_set_new(o, "summary_updated_at",
				    rows_null(r, 6) ? json_null() : json_integer(rows_int(r, 6)));
	}
	rows_done(r);
	return o;
}
