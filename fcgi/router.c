/*
 * router.c - the dispatcher: matches the route table, enforces method and
 * input well-formedness, then calls the handler.
 *
 * Handlers never see a malformed query string, form body or cookie header:
 * those are answered here with 400.  Unknown paths get 404, known paths
 * with the wrong method 405 with an Allow header.  Errors are HTML pages,
 * or JSON under /api/.  A form that changes something and carries a form
 * token is claimed before its handler runs, so it is done once
 * (form_once.c).
 */
#include "desk/tokens.h"
#include "fcgi/web.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Does path match pattern?  Fills c's path parameters on success. */
static int match(Ctx *c, const char *pattern, const char *path)
{
	int np = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == ':') {
			const char *pe = strchr(p, '/');
			size_t plen = pe ? (size_t)(pe - p) : strlen(p);
			const char *se = strchr(s, '/');
			size_t slen = se ? (size_t)(se - s) : strlen(s);
			if (slen == 0 || np >= MAX_PATH_PARAMS)
				return 0;
			c->param_names[np] = arena_strndup(c->arena, p + 1, plen - 1);
			c->param_values[np] = arena_strndup(c->arena, s, slen);
			np++;
			p += plen;
			s += slen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	c->nparams = np;
	return 1;
}

const char *path_param(Ctx *c, const char *name)
{
	for (int i = 0; i < c->nparams; i++)
		if (strcmp(c->param_names[i], name) == 0)
			return c->param_values[i];
	return NULL;
}

int64_t path_id(Ctx *c, const char *name)
{
	const char *v = path_param(c, name);
	if (!v || !*v || strlen(v) > 18)
		return 0;
	int64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

static int is_form_type(const char *ct)
{
	if (!ct)
		return 0;
	size_t n = strlen("application/x-www-form-urlencoded");
	return strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

void dispatch(Ctx *c)
{
	const Route *found = NULL;
	Buf allow = {0};
	const char *method = strcmp(c->method, "HEAD") == 0 ? "GET" : c->method;
	for (size_t i = 0; i < sb_routes_count; i++) {
		const Route *r = &sb_routes[i];
		if (!match(c, r->pattern, c->path))
			continue;
		if (strcmp(r->method, method) == 0) {
			found = r;
			break;
		}
		if (!strstr(buf_cstr(&allow), r->method)) {
			if (allow.len)
				buf_puts(&allow, ", ");
			buf_puts(&allow, r->method);
		}
	}
	if (!found) {
		c->nparams = 0;
		if (allow.len) {
			add_header(c, "Allow", allow.s);
			respond_error(c, 405, "method_not_allowed",
				      "This address does not accept that method.", NULL);
		} else {
			respond_error(c, 404, "not_found", "There is nothing at this address.", NULL);
		}
		buf_free(&allow);
		return;
	}
	buf_free(&allow);
	/* Re-run the match so the path parameters are the winner's. */
	match(c, found->pattern, c->path);
	c->route = found;
	if (!c->store && !(found->flags & R_NO_DB)) {
		respond_error(c, 503, "db_unavailable", "The database cannot be used right now.", NULL);
		return;
	}

	if (form_parse(c->query_raw, strlen(c->query_raw), &c->query) != 0) {
		respond_error(c, 400, "bad_query", "The query string is malformed.", NULL);
		return;
	}
	const char *cookie = c->header(c, "HTTP_COOKIE");
	if (cookie && cookie_parse(cookie, &c->cookies) != 0) {
		respond_error(c, 400, "bad_cookie", "The Cookie header is malformed.", NULL);
		return;
	}
	c->actor = "anonymous";
	if (found->flags & R_TOKEN) {
		const char *auth = c->header(c, "HTTP_AUTHORIZATION");
		char name[64];
		int64_t id = 0, user_id = 0;
		if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
			id = token_check(c->store, auth + 7, name, &user_id);
		if (id && user_id && !auth_user_load(c->store, user_id, &c->user))
			id = 0; /* the token's user was disabled */
		if (id && !user_id)
			c->user.is_admin = 1; /* an operator token from the command line */
		if (!id) {
			add_header(c, "WWW-Authenticate", "Bearer realm=\"switchboard\"");
			respond_error(c, 401, "unauthorized",
				      auth ? "The API token is not valid." : "Send an API token: Authorization: Bearer TOKEN.",
				      NULL);
			return;
		}
		c->token_id = id;
		c->actor = arena_printf(c->arena, "api:%s", name);
	}
	if (found->flags & (R_LOGIN | R_ADMIN)) {
		const char *sid = params_get(&c->cookies, "sb_session");
		if (!sid || !auth_session_check(c->store, sid, &c->user, c->csrf)) {
			if (sid)
				set_cookie(c, "sb_session", "", 0);
			Buf next = {0};
			buf_puts(&next, "/login?next=");
			buf_url_escape(&next, strcmp(c->method, "GET") == 0 ? c->raw_uri : "/");
			respond_redirect(c, arena_strdup(c->arena, next.s));
			buf_free(&next);
			return;
		}
		c->session_cookie = arena_strdup(c->arena, sid);
		c->actor = arena_printf(c->arena, "user:%s", c->user.login);
		if (c->user.must_change_password && !(found->flags & R_PASSWORD_PAGE)) {
			respond_redirect(c, "/account/password");
			return;
		}
		if ((found->flags & R_ADMIN) && !c->user.is_admin) {
			respond_error(c, 403, "forbidden", "Only administrators can use this page.", NULL);
			return;
		}
	}
	if (found->flags & R_FORM) {
		if (c->body_len > 0 || !(found->flags & R_API)) {
			if (!is_form_type(c->content_type)) {
				respond_error(c, 415, "unsupported_media_type",
					      "Send the form as application/x-www-form-urlencoded.", NULL);
				return;
			}
			if (form_parse(c->body ? c->body : "", c->body_len, &c->form) != 0) {
				respond_error(c, 400, "bad_form", "The form body is malformed.", NULL);
				return;
			}
		}
	}
	if (found->flags & (R_CSRF | R_ANON_CSRF)) {
		const char *sent = params_get(&c->form, "_csrf");
		const char *want = (found->flags & R_CSRF) ? c->csrf : params_get(&c->cookies, "sb_csrf");
		if (!sent || !want || strlen(want) < 32 || !ct_equal(sent, strlen(sent), want, strlen(want))) {
			respond_error(c, 403, "csrf",
				      "This form has expired or did not come from this site. Go back, reload the page and try again.",
				      NULL);
			return;
		}
	}
	/* A form sent again (same session, form token, path and fields) has no
	 * second effect: see form_once.c. */
	if ((found->flags & R_CSRF) && (found->flags & R_FORM) && !form_once_route(c))
		return;
	found->handler(c);
	form_once_end(c);
}
