/*
 * api_util.c - the JSON API's shared pieces (see api.h): body and query
 * validation with errors that name the field, keyset pagination, column
 * conversion, ISO 8601 times, transactions and events.
 *
 * It must not know any resource: no table or column names appear here, and
 * it never builds SQL.  Every rejection is answered here so handlers stay a
 * straight line: authorise → validate → transaction → JSON → respond.
 */
#include "fcgi/api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *join(Ctx *c, const char *const *values);

/* ---- who is asking --------------------------------------------------- */

void api_not_found(Ctx *c, const char *what, int64_t id, const char *field)
{
	/* The same words whether it is missing or hidden: a token must not learn
	 * which ids exist among the clients it may not see. */
	respond_error(c, 404, "not_found",
		      field ? arena_printf(c->arena, "There is no %s %lld that this token may see.", what, (long long)id)
			    : arena_printf(c->arena, "There is no %s with that id that this token may see.", what),
		      field);
}

/* ---- request body ---------------------------------------------------- */

/* application/json or application/<something>+json, parameters allowed. */
static int is_json_type(const char *ct)
{
	size_t n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

json_t *api_body(Ctx *c)
{
	if (c->content_type && *c->content_type && !is_json_type(c->content_type)) {
		respond_error(c, 415, "unsupported_media_type", "Send the body as application/json.", NULL);
		return NULL;
	}
	if (!c->body || c->body_len == 0) {
		respond_error(c, 400, "bad_json", "The request needs a JSON object body.", NULL);
		return NULL;
	}
	json_error_t err;
	/* jansson refuses invalid UTF-8, \u0000 (without JSON_ALLOW_NUL), raw
	 * control bytes in strings and trailing garbage. */
	json_t *v = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		respond_error(c, 400, "bad_json",
			      arena_printf(c->arena, "The body is not valid JSON: %s (line %d, column %d).", err.text,
					   err.line, err.column),
			      NULL);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		respond_error(c, 400, "bad_json", "The body must be a JSON object.", NULL);
		return NULL;
	}
	return v;
}

int api_known_fields(Ctx *c, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		const char *const *a;
		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (!*a) {
			/* The name goes into the log line: show it only when short and plain. */
			int plain = api_utf8_chars(key) <= 64;
			for (const unsigned char *p = (const unsigned char *)key; *p && plain; p++)
				plain = *p >= 0x20 && *p != 0x7f;
			respond_error(c, 422, "unknown_field",
				      arena_printf(c->arena, "Unknown field %s; this request accepts: %s.",
						   plain ? key : "(name not shown)", join(c, allowed)),
				      plain ? key : NULL);
			return -1;
		}
	}
	return 0;
}

/* Common start of the field readers: 0 absent, 2 null accepted, 1 go on,
 * -1 answered. */
static int field_start(Ctx *c, json_t *v, const char *name, int flags)
{
	if (!v) {
		if (flags & F_REQUIRED) {
			respond_error(c, 422, "missing_field", arena_printf(c->arena, "%s is required.", name), name);
			return -1;
		}
		return 0;
	}
	if (json_is_null(v)) {
		if (flags & F_NULLABLE)
			return 2;
		respond_error(c, 422, "invalid_value", arena_printf(c->arena, "%s cannot be null.", name), name);
		return -1;
	}
	return 1;
}

int api_field_str(Ctx *c, json_t *obj, const char *name, int flags, size_t max_chars, const char **out)
{
	json_t *v = json_object_get(obj, name);
	int r = field_start(c, v, name, flags);
	if (r == 2) {
		*out = NULL;
		return 1;
	}
	if (r <= 0)
		return r;
	if (!json_is_string(v)) {
		respond_error(c, 400, "wrong_type", arena_printf(c->arena, "%s must be a string.", name), name);
		return -1;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		respond_error(c, 422, "invalid_value", arena_printf(c->arena, "%s must not contain NUL.", name), name);
		return -1;
	}
	if (api_utf8_chars(s) > max_chars) {
		respond_error(c, 422, "too_long",
			      arena_printf(c->arena, "%s is longer than %zu characters.", name, max_chars), name);
		return -1;
	}
	if (flags & F_ONE_LINE) {
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				respond_error(c, 422, "invalid_value",
					      arena_printf(c->arena, "%s must be one line without control characters.",
							   name),
					      name);
				return -1;
			}
	}
	if (flags & F_NONBLANK) {
		const char *p = s;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p) {
			respond_error(c, 422, "blank", arena_printf(c->arena, "%s must not be empty.", name), name);
			return -1;
		}
	}
	*out = s;
	return 1;
}

int api_field_id(Ctx *c, json_t *obj, const char *name, int flags, int64_t *out, int *is_null)
{
	json_t *v = json_object_get(obj, name);
	if (is_null)
		*is_null = 0;
	int r = field_start(c, v, name, flags);
	if (r == 2) {
		*out = 0;
		if (is_null)
			*is_null = 1;
		return 1;
	}
	if (r <= 0)
		return r;
	if (!json_is_integer(v)) {
		respond_error(c, 400, "wrong_type", arena_printf(c->arena, "%s must be an integer.", name), name);
		return -1;
	}
	if (json_integer_value(v) <= 0) {
		respond_error(c, 422, "invalid_value", arena_printf(c->arena, "%s must be a positive integer.", name),
			      name);
		return -1;
	}
	*out = json_integer_value(v);
	return 1;
}

/* "a, b, c" in the arena. */
static const char *join(Ctx *c, const char *const *values)
{
	Buf b = {0};
	for (const char *const *v = values; *v; v++)
		buf_printf(&b, "%s%s", v == values ? "" : ", ", *v);
	char *s = arena_strdup(c->arena, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static int in_set(const char *s, const char *const *values)
{
	for (const char *const *v = values; *v; v++)
		if (strcmp(*v, s) == 0)
			return 1;
	return 0;
}

int api_field_enum(Ctx *c, json_t *obj, const char *name, int flags, const char *const *values,
		   const char **out)
{
	json_t *v = json_object_get(obj, name);
	int r = field_start(c, v, name, flags);
	if (r == 2) {
		*out = NULL;
		return 1;
	}
	if (r <= 0)
		return r;
	if (!json_is_string(v)) {
		respond_error(c, 400, "wrong_type", arena_printf(c->arena, "%s must be a string.", name), name);
		return -1;
	}
	if (!in_set(json_string_value(v), values)) {
		respond_error(c, 422, "invalid_value",
			      arena_printf(c->arena, "%s must be one of: %s.", name, join(c, values)), name);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* ---- query filters --------------------------------------------------- */

static const char *query_value(Ctx *c, const char *name)
{
	const char *v = params_get(&c->query, name);
	return v && *v ? v : NULL;
}

/* A positive decimal integer of at most 18 digits; 0 when it is not. */
static int64_t parse_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 18)
		return 0;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v;
}

int api_query_id(Ctx *c, const char *name, int64_t *out)
{
	const char *v = query_value(c, name);
	if (!v)
		return 0;
	if (!(*out = parse_id(v))) {
		respond_error(c, 422, "invalid_value", arena_printf(c->arena, "%s must be a positive integer.", name),
			      name);
		return -1;
	}
	return 1;
}

int api_query_enum(Ctx *c, const char *name, const char *const *values, const char **out)
{
	const char *v = query_value(c, name);
	if (!v)
		return 0;
	if (!in_set(v, values)) {
		respond_error(c, 422, "invalid_value",
			      arena_printf(c->arena, "%s must be one of: %s.", name, join(c, values)), name);
		return -1;
	}
	*out = v;
	return 1;
}

int api_query_time(Ctx *c, const char *name, int64_t *out)
{
	const char *v = query_value(c, name);
	if (!v)
		return 0;
	if (api_parse_time(v, out) != 0) {
		respond_error(c, 422, "invalid_value",
			      arena_printf(c->arena, "%s must be an ISO 8601 time (2026-03-01T09:30:00Z) or unix "
						     "milliseconds.", name),
			      name);
		return -1;
	}
	return 1;
}

int api_query_text(Ctx *c, const char *name, size_t max_chars, const char **out)
{
	const char *v = query_value(c, name);
	if (!v)
		return 0;
	if (api_utf8_chars(v) > max_chars) {
		respond_error(c, 422, "too_long",
			      arena_printf(c->arena, "%s is longer than %zu characters.", name, max_chars), name);
		return -1;
	}
	*out = v;
	return 1;
}

/* ---- pagination ------------------------------------------------------ */

int api_page(Ctx *c, ApiPage *p)
{
	p->limit = 50;
	p->cursor = 0;
	const char *v = query_value(c, "limit");
	if (v) {
		int64_t n = parse_id(v);
		if (n < 1 || n > 200) {
			respond_error(c, 422, "invalid_value", "limit must be an integer from 1 to 200.", "limit");
			return -1;
		}
		p->limit = (int)n;
	}
	v = query_value(c, "cursor");
	if (v && !(p->cursor = parse_id(v))) {
		respond_error(c, 422, "invalid_value",
			      "cursor is not one this server gave out; use next_cursor from the previous page.",
			      "cursor");
		return -1;
	}
	return 0;
}

json_t *api_list(Rows *r, const ApiPage *p, ApiRowFn row)
{
	json_t *data = json_array();
	int n = 0, more = 0, rc;
	int64_t last = 0;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if (n == p->limit) {
			more = 1;
			break;
		}
		last = rows_int(r, 0);
		json_array_append_new(data, row(r));
		n++;
	}
	rows_done(r);
	if (!more && rc != STORE_OK) {
		json_decref(data);
		return NULL;
	}
	json_t *next = json_null();
	if (more) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)last);
		json_decref(next);
		next = json_string(id);
	}
	return json_pack("{s:o,s:o}", "data", data, "next_cursor", next);
}

/* ---- columns and values ---------------------------------------------- */

json_t *api_col_int(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_integer(rows_int(r, i));
}

json_t *api_col_real(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_real(rows_real(r, i));
}

json_t *api_col_str(Rows *r, int i)
{
	if (rows_null(r, i))
		return json_null();
	const char *s = rows_text(r, i);
	json_t *v = json_stringn(s, rows_bytes(r, i));
	/* Stored text is valid UTF-8 (every writer validates); never crash if not. */
	return v ? v : json_null();
}

json_t *api_col_bool(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_boolean(rows_int(r, i) != 0);
}

json_t *api_col_time(Rows *r, int i)
{
	if (rows_null(r, i))
		return json_null();
	char t[32];
	api_fmt_time(t, rows_int(r, i));
	return json_string(t);
}

void api_fmt_time(char out[32], int64_t ms)
{
	int64_t secs = ms / 1000, rem = ms % 1000;
	if (rem < 0) {
		rem += 1000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 32, "1970-01-01T00:00:00.000Z");
		return;
	}
	size_t n = strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)rem);
}

/* Exactly n decimal digits at *p; advances.  0 ok, -1 otherwise. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char ch = (*p)[i];
		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int api_parse_time(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	if (n >= 1 && n <= 15 && strspn(s, "0123456789") == n) {
		int64_t v = 0;
		for (const char *p = s; *p; p++)
			v = v * 10 + (*p - '0');
		*ms = v;
		return 0;
	}
	const char *p = s;
	int Y, M, D, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' || digits(&p, 2, &D))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				int nd = 0;
				for (; *p >= '0' && *p <= '9'; p++, nd++)
					if (nd < 3)
						frac = frac * 10 + (*p - '0');
				if (nd == 0)
					return -1;
				for (; nd < 3; nd++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (sec == 60)
			sec = 59; /* a leap second: close enough for a filter */
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-' || *p == ' ') {
			/* ' ': an unescaped '+' in a query string arrives as a space. */
			int sign = *p == '-' ? -1 : 1, oh, om;
			p++;
			if (digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om) || oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 60 + om);
		}
	}
	if (*p)
		return -1;
	int64_t days = days_from_civil(Y, M, D);
	*ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) * 1000 + frac;
	return 0;
}

size_t api_utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

/* ---- writes ---------------------------------------------------------- */

int api_begin(Ctx *c)
{
	if (store_begin(c->store) != 0) {
		ctx_log(c, "cannot begin a transaction: %s", store_errmsg(c->store));
		respond_error(c, 503, "db_busy", "The database is busy; try again shortly.", NULL);
		return -1;
	}
	return 0;
}

int api_commit(Ctx *c)
{
	if (store_commit(c->store) != 0) {
		ctx_log(c, "commit failed: %s", store_errmsg(c->store));
		respond_error(c, 503, "db_busy", "The change could not be committed; try again.", NULL);
		return -1;
	}
	return 0;
}

void api_store_failed(Ctx *c, const char *what)
{
	ctx_log(c, "%s failed: %s", what, store_errmsg(c->store));
	store_rollback(c->store);
	respond_error(c, 500, "store_failed", "The change could not be stored; nothing was changed.", NULL);
}

int64_t api_event(Ctx *c, const char *type, int64_t client_id, int64_t task_id, int64_t message_id,
		  json_t *details)
{
	char *d = NULL;
	if (details) {
		d = json_dumps(details, JSON_COMPACT | JSON_REAL_PRECISION(6));
		json_decref(details);
		if (!d)
			sb_die("json_dumps failed");
	}
	int64_t id = store_event(c->store, type, client_id, task_id, message_id, c->actor, d);
	free(d);
	return id;
}

void api_note_change(json_t *fields, json_t *changes, const char *name, json_t *from, json_t *to)
{
	json_array_append_new(fields, json_string(name));
	json_object_set_new(changes, name, json_pack("{s:o,s:o}", "from", from, "to", to));
}
