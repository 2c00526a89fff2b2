/*
 * web.h - the request/response context every handler receives, the route
 * table's shape and the helpers handlers use to answer.
 *
 * The dispatcher (router.c) parses and validates the request before a
 * handler runs: method, path parameters, query string, form body and
 * cookies are well-formed by then.  Everything hanging off a Ctx lives in
 * its arena and is released when the request ends.
 */
#ifndef SB_WEB_H
#define SB_WEB_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "desk/auth.h"
#include "web/form.h"
#include "web/mustache.h"
#include "store/store.h"
#include "core/util.h"

/* Route flags, enforced by the dispatcher. */
enum {
	R_API = 1 << 0,     /* JSON errors; under /api/ */
	R_RAW_BODY = 1 << 1, /* handler reads the raw body (JSON, multipart): no form parsing */
	R_FORM = 1 << 2,    /* parse an x-www-form-urlencoded body into c->form */
	R_TOKEN = 1 << 4,   /* needs `Authorization: Bearer TOKEN` (401 otherwise); sets c->actor */
	R_NO_DB = 1 << 3,
	R_LOGIN = 1 << 5,   /* needs a session (GET redirects to /login, others 303 there) */
	R_ADMIN = 1 << 6,   /* admins only (403 for agents); implies R_LOGIN */
	R_CSRF = 1 << 7,    /* the form's _csrf must match the session's token (403 otherwise) */
	R_ANON_CSRF = 1 << 8, /* forms shown before login: _csrf must match the sb_csrf cookie */
	R_PASSWORD_PAGE = 1 << 9, /* reachable while the user must change their password */   /* works without the database (the dispatcher answers 503 otherwise) */
};

typedef struct Ctx Ctx;
typedef void (*Handler)(Ctx *c);

typedef struct {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/api/tasks/:id" */
	Handler handler;
	int flags;
} Route;

#define MAX_PATH_PARAMS 4

struct Ctx {
	Arena *arena;
	Store *store;
	TplCache *tpl;
	const char *request_id;

	/* request */
	const char *method;
	const char *path;        /* decoded path, no query */
	const char *raw_uri;     /* REQUEST_URI exactly as received: path and query */
	const char *query_raw;   /* "" when absent */
	const char *content_type;
	const char *remote_addr;
	const char *body;        /* raw body (NUL-terminated), may be NULL */
	size_t body_len;
	Params query, form, cookies;
	const char *param_names[MAX_PATH_PARAMS];
	const char *param_values[MAX_PATH_PARAMS];
	int nparams;
	const Route *route;
	const char *actor;       /* who acts: "api:NAME", "user:LOGIN", "twilio", "anonymous" */
	int64_t token_id;
	User user;               /* the signed-in user (id 0 when none) */
	char csrf[65];           /* the session's CSRF token, for forms */
	const char *session_cookie;
	const char *(*header)(Ctx *c, const char *cgi_name); /* "HTTP_X_TWILIO_SIGNATURE" */
	void *fcgx;

	/* response */
	int status;
	const char *resp_type;
	Buf resp_headers; /* extra header lines, each ending in \r\n */
	Buf resp_body;
	const char *location;    /* respond_redirect's target (arena), else NULL */
	const char *form_key;    /* the form submission this request claimed (form_once.c), else NULL */
};

/* Path parameter by name (":id" → "id"), or NULL. */
const char *path_param(Ctx *c, const char *name);
/* Path parameter as a positive integer id; 0 when absent or not a number. */
int64_t path_id(Ctx *c, const char *name);

/* Answer with a body (copied).  type e.g. "application/json". */
void respond(Ctx *c, int status, const char *type, const char *body, size_t len);
/* Answer with a JSON value (stolen: the function decrefs it). */
void respond_json(Ctx *c, int status, json_t *v);
/* Render a page template with data (stolen) inside the layout. */
void respond_page(Ctx *c, int status, const char *template, json_t *data);
/* Client or server error: JSON {"error":{code,message,field}} under /api/
 * and for R_API routes, else an HTML page.  field may be NULL.  Logs it. */
void respond_error(Ctx *c, int status, const char *code, const char *message, const char *field);
void respond_redirect(Ctx *c, const char *location);
void add_header(Ctx *c, const char *name, const char *value);

/* Common data for every admin page: title, user, nav, csrf token. */
json_t *page_data(Ctx *c, const char *title, const char *nav);
/* Set a cookie with our attributes (HttpOnly, SameSite=Lax, Path=/,
 * Secure on https).  max_age < 0: session cookie; 0: delete. */
void set_cookie(Ctx *c, const char *name, const char *value, long max_age);
/* May the signed-in user (or token) see this client? */
int ctx_sees_client(Ctx *c, int64_t client_id);
/* Is this request allowed to see everything (admin user or operator token)? */
int ctx_is_admin(Ctx *c);

/* One line on stderr carrying the request id and route. */
void ctx_log(Ctx *c, const char *fmt, ...) SB_PRINTF(2, 3);

/* form_once.c: a form that changes something is done once.  A page's
 * forms carry form_token_new()'s value as _form; the dispatcher claims
 * each R_CSRF form submission that has one (form_once_route) before the
 * handler and records or releases it after (form_once_end).  Handlers of
 * multipart forms, which the dispatcher does not parse, hash their own
 * fields with form_digest_* and call form_once_begin after their CSRF
 * check. */
typedef struct {
	void *md; /* EVP_MD_CTX */
} FormDigest;
void form_token_new(char out[33]);
void form_digest_init(FormDigest *d);
void form_digest_add(FormDigest *d, const void *p, size_t n); /* one field (length-prefixed) */
void form_digest_final(FormDigest *d, unsigned char out[32]);
/* Claim the submission of form token (may be NULL: nothing to do) with
 * fields (form_digest_final's value) for c's session and path.  1: run
 * the action; 0: already answered (a 303 to where the same submission
 * went before, with again=1, or a 4xx/503 page). */
int form_once_begin(Ctx *c, const char *token, const unsigned char fields[32]);
/* form_once_begin for c->form (its _form, its fields but _csrf and _form). */
int form_once_route(Ctx *c);
/* After the handler: remember where a claimed submission led, or forget it
 * when the handler refused it (4xx/5xx). */
void form_once_end(Ctx *c);

/* The route table, defined in routes.c. */
extern const Route sb_routes[];
extern const size_t sb_routes_count;

/* Dispatch one parsed request (router.c). */
void dispatch(Ctx *c);

#endif
