/*
 * api.h - helpers shared by the JSON API handlers (fcgi/api/api_*.c): who the
 * token acts for and what it may see, reading and validating a JSON body,
 * query filters, keyset pagination, turning SQLite columns into JSON
 * values, timestamps, and writing events.
 *
 * Every helper that can reject input answers the request itself (400, 404,
 * 415 or 422 through respond_error, naming the field) and returns -1 (or
 * NULL), so a handler only checks the return value and stops.  No SQL
 * here or in the handlers: the queries, with the client-isolation rule,
 * are lib/desk/api_queries.h's (and the other lib/desk modules'); the
 * handlers turn the rows they return into JSON.
 */
#ifndef SB_API_H
#define SB_API_H

#include "fcgi/web.h"

#include <jansson.h>
#include <stdint.h>

/* ---- who is asking --------------------------------------------------- */

/* The dispatcher (router.c, R_TOKEN) fills c->user from the token: a
 * token made with `token add NAME --user LOGIN` acts as that (enabled)
 * user, and client isolation applies; an operator token acts for nobody
 * and sees everything (c->user.is_admin = 1, c->user.id = 0).  The shared
 * libraries (desk_tasks.h, clients.h) take the same viewer. */
#define API_VIEWER(c) ((const User *)&(c)->user)

/* 1 when client id exists and the token may see it, else 0 (api_clients.c). */
int api_client_visible(Ctx *c, int64_t id);

/* Answer 404 not_found for something that does not exist or that the token
 * may not see (the two look the same); field names the body field that
 * referred to it, or NULL for the URL.  what: "task", "client", ... */
void api_not_found(Ctx *c, const char *what, int64_t id, const char *field);

/* ---- request body ---------------------------------------------------- */

/* Parse the raw body as a JSON object (UTF-8, no NUL, no duplicate keys).
 * Returns a new reference the caller decrefs, or NULL after answering 415
 * (a Content-Type other than application/json) or 400 (malformed JSON or
 * not an object). */
json_t *api_body(Ctx *c);

/* Answer 422 naming the first key of obj not in allowed (NULL-terminated)
 * and return -1; 0 when every key is known. */
int api_known_fields(Ctx *c, json_t *obj, const char *const *allowed);

/* Field flags for the api_field_* readers. */
enum {
	F_REQUIRED = 1 << 0, /* absent (or null without F_NULLABLE) is 422 */
	F_NULLABLE = 1 << 1, /* JSON null is accepted: *is_null / *out = NULL */
	F_ONE_LINE = 1 << 2, /* no control characters (names, titles, phones) */
	F_NONBLANK = 1 << 3, /* at least one non-space character */
};

/* The readers return 1 when the field is present (its value in *out; for a
 * nullable null, *out is NULL / *is_null is 1), 0 when absent (nothing
 * written), or -1 after answering: 400 for a wrong JSON type, 422 for an
 * invalid value or a missing required field.  Strings point into obj. */
int api_field_str(Ctx *c, json_t *obj, const char *name, int flags, size_t max_chars, const char **out);
/* A positive integer id. */
int api_field_id(Ctx *c, json_t *obj, const char *name, int flags, int64_t *out, int *is_null);
/* A string that must be one of values (NULL-terminated). */
int api_field_enum(Ctx *c, json_t *obj, const char *name, int flags, const char *const *values,
		   const char **out);

/* ---- query filters --------------------------------------------------- */

/* Same return convention as the field readers (1 set, 0 absent, -1 after
 * answering 422).  An empty value counts as absent. */
int api_query_id(Ctx *c, const char *name, int64_t *out);
int api_query_enum(Ctx *c, const char *name, const char *const *values, const char **out);
/* An ISO 8601 time ("2026-03-01", "2026-03-01T09:30:00Z", with fraction or
 * a ±HH:MM offset) or unix milliseconds, as unix milliseconds. */
int api_query_time(Ctx *c, const char *name, int64_t *out);
/* Free text up to max_chars characters. */
int api_query_text(Ctx *c, const char *name, size_t max_chars, const char **out);

/* ---- pagination ------------------------------------------------------ */

/* limit (1..200, default 50) and cursor (opaque to callers: the id of the
 * last row of the previous page; rows come newest first, id descending). */
typedef struct {
	int limit;
	int64_t cursor; /* 0: first page */
} ApiPage;

/* Read limit and cursor from the query.  0, or -1 after answering 422. */
int api_page(Ctx *c, ApiPage *p);
/* The LIMIT to bind: one more than the page, to learn whether more exist. */
#define API_FETCH(p) ((p)->limit + 1)

/* Build one row's JSON object from the current row of r. */
typedef json_t *(*ApiRowFn)(Rows *r);

/* Step r (bound with API_FETCH rows, id in column 0, ordered by id
 * descending) and return {"data":[row...], "next_cursor": "ID" or null}.
 * Finishes r (rows_done).  NULL when stepping failed (the caller answers 5xx). */
json_t *api_list(Rows *r, const ApiPage *p, ApiRowFn row);

/* ---- columns and values ---------------------------------------------- */

/* Column i as JSON, null when the column is NULL. */
json_t *api_col_int(Rows *r, int i);
json_t *api_col_real(Rows *r, int i);
json_t *api_col_str(Rows *r, int i);
json_t *api_col_bool(Rows *r, int i);
/* A unix-millisecond column as "2026-03-01T09:30:00.123Z". */
json_t *api_col_time(Rows *r, int i);

/* Unix milliseconds as ISO 8601 UTC with milliseconds (25 bytes). */
void api_fmt_time(char out[32], int64_t ms);
/* Parse the forms api_query_time accepts.  0 ok, -1 not a time. */
int api_parse_time(const char *s, int64_t *ms);
/* Characters (code points) in valid UTF-8 text. */
size_t api_utf8_chars(const char *s);

/* ---- writes ---------------------------------------------------------- */

/* Begin the request's transaction.  0, or -1 after answering 503. */
int api_begin(Ctx *c);
/* Commit.  0, or -1 after rolling back and answering 503. */
int api_commit(Ctx *c);
/* Roll back, log what failed with the database's message and answer 500. */
void api_store_failed(Ctx *c, const char *what);

/* Append an event by c->actor in the current transaction; details (an
 * object, may be NULL) is stolen.  Returns the event id, or -1. */
int64_t api_event(Ctx *c, const char *type, int64_t client_id, int64_t task_id, int64_t message_id,
		  json_t *details);

/* Record a change of a field for an *_updated event's details:
 * fields[] gets name, changes{name:{from,to}} gets the values (stolen). */
void api_note_change(json_t *fields, json_t *changes, const char *name, json_t *from, json_t *to);

#endif
