/*
 * view.h - the helpers several page families (and the JSON API, for
 * documents) share to read a request and fill a view: times, labels, ids
 * from the query, flash notices, row decoration, the answer to a failed
 * store or desk call, and the documents' upload form and download.
 *
 * They live here so that no page or API file exports helpers to another:
 * a page file defines its handlers (fcgi/handlers.h) and nothing else.
 * Nothing here writes SQL or knows a route; everything it allocates is in
 * the request's arena or returned as a new JSON reference.
 */
#ifndef SB_VIEW_H
#define SB_VIEW_H

#include "desk/documents.h"
#include "fcgi/web.h"

/* ---- the manage pages (clients, rules, jobs, users, documents, ...) ---- */
typedef struct {
	const char *key, *text;
} ManageFlash;
/* "2026-03-01 09:30 UTC" for unix milliseconds ("" for 0), in c's arena. */
const char *manage_time(Ctx *c, int64_t ms);
/* A positive integer from the query string; 0 when absent or not one. */
int64_t manage_query_id(Ctx *c, const char *name);
/* Characters (code points) in UTF-8 text. */
size_t manage_chars(const char *s);
/* Set d's "flash" from the query's done=KEY through table (ends with a
 * NULL key); unknown keys show nothing, so no text is reflected. */
void manage_flash(Ctx *c, json_t *d, const ManageFlash *table);
/* A person's word for a type, urgency, status or route value. */
const char *manage_label(const char *value);
/* Roll back, log what failed and answer 500. */
void manage_store_failed(Ctx *c, const char *what);

/* ---- the task pages (tasks, review, activity, home, proposals) ---- */
/* A person's word for a task's type, urgency, status or route, or a
 * message's status (the task pages' set; manage_label is the manage pages'
 * and their words differ, see ARCHITECTURE.md). */
const char *tp_label(const char *v);
/* "user:alice" → "alice", "api:ci" → "API token ci", "worker" → "Worker". */
json_t *tp_actor_label(const char *actor);
/* {"iso", "text": "5 min ago", "title": "2026-03-01 09:30 UTC"} */
json_t *tp_when(int64_t ms);
/* Decorate rows from lib/desk/desk_tasks.c for the templates (labels, times,
 * links).  Return row. */
json_t *tp_task_view(json_t *row);
json_t *tp_event_view(json_t *row);
/* Text with '_' shown as spaces ("feature_request" → "feature request"), in the arena. */
const char *tp_words(Ctx *c, const char *s);
/* Strict positive id from a form or query value; 0 when malformed. */
int64_t tp_parse_id(const char *v);
/* Clients the viewer may see for a filter select, or NULL when there are
 * too many for a select (the template then shows an id field). */
json_t *tp_client_options(Ctx *c, int64_t selected);
/* CRLF → LF in text from a textarea (arena copy); NULL stays NULL. */
const char *tp_textarea(Ctx *c, const char *v);
/* The flash message for a ?done= value after a POST, or NULL. */
const char *tp_flash(const char *done);
/* Answer a failed change from lib/desk/desk_tasks.c: 404, 500, or nothing
 * (returns 1) when the caller should show the error next to its field. */
int tp_change_failed(Ctx *c, int e);

/* ---- documents: the API (fcgi/api/api_documents.c) and the admin pages
 * (fcgi/pages/page_documents.c) read an upload and send a file the same way ---- */
typedef struct {
	int64_t task_id, client_id, event_id, document_id; /* 0 when not sent */
	const char *filename;    /* as sent (arena); NULL when no file */
	const char *part_type;   /* the file part's Content-Type (arena) */
	const char *data;        /* the file's bytes, inside c->body */
	size_t len;
	int has_file;
	const char *description; /* NULL when not sent; CRLF made LF */
	const char *csrf;        /* the _csrf field (admin forms) */
	const char *form_token;  /* the _form field (admin forms; form_once.c) */
	int status;              /* on failure: 400, 415 or 422 */
	const char *code, *field;
} DocForm;
/* Parse c's multipart/form-data upload (fields file, task_id, client_id,
 * event_id, document_id, description, and _csrf and _form when admin; unknown
 * fields are 422 for the API and ignored for admin forms).  0, or -1 with
 * f->status/code/field and a sentence in why. */
int docs_read_form(Ctx *c, DocForm *f, int admin, char *why, size_t whylen);
/* Does the form's _csrf match the session's token (the router's R_CSRF
 * rule, for multipart forms it cannot parse)? */
int docs_check_csrf(Ctx *c, const DocForm *f);
DocViewer docs_viewer(Ctx *c);
void docs_author(Ctx *c, DocAuthor *a);
/* Answer with the bytes of doc (a doc_get object) at version (NULL: the
 * current one), as an attachment (inline for a checked image when
 * allow_inline), or with the error (404 deleted / unknown version). */
void docs_send_file(Ctx *c, json_t *doc, const char *version, int allow_inline);

#endif
