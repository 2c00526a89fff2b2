/*
 * page_auth.c - signing in and out, and changing one's password.
 *
 * The login form is protected against cross-site posting by a
 * double-submit token (cookie sb_csrf = hidden field); once signed in,
 * forms carry the session's own token.  A new session id is issued at
 * every login, so a session id planted before login is worthless.
 */
#include "fcgi/handlers.h"
#include "desk/user_admin.h"

#include <stdlib.h>
#include <string.h>

/* Only local paths are valid targets after login (no open redirect). */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strstr(next, "://") ||
	    strchr(next, '\r') || strchr(next, '\n'))
		return "/";
	return next;
}

static void login_page(Ctx *c, int status, const char *login, const char *error)
{
	const char *token = params_get(&c->cookies, "sb_csrf");
	if (!token || strlen(token) != 64) {
		char fresh[65];
		auth_random_hex(fresh, 32);
		token = arena_strdup(c->arena, fresh);
		set_cookie(c, "sb_csrf", token, -1);
	}
	json_t *d = page_data(c, "Sign in", NULL);
	json_object_set_new(d, "csrf", json_string(token));
	json_object_set_new(d, "login", json_string(login ? login : ""));
	json_object_set_new(d, "next", json_string(safe_next(params_get(&c->query, "next"))));
	if (error)
		json_object_set_new(d, "error", json_string(error));
	respond_page(c, status, "pages/login", d);
}

/* GET /login?next=PATH - anyone.  The sign-in form. */
void h_login_form(Ctx *c)
{
	login_page(c, 200, NULL, NULL);
}

/* POST /login - anyone (double-submit CSRF).  Form: login, password,
 * next.  On success: a new session cookie and a redirect to next. */
void h_login(Ctx *c)
{
	const char *login = params_get(&c->form, "login");
	const char *password = params_get(&c->form, "password");
	if (!login || !*login || !password || !*password) {
		login_page(c, 400, login, "Enter your login and password.");
		return;
	}
	if (strlen(login) > 64 || strlen(password) > 256) {
		login_page(c, 400, NULL, "Login or password too long.");
		return;
	}
	User u;
	LoginResult r = auth_login(c->store, login, password, c->remote_addr, &u);
	if (r == LOGIN_RATE_LIMITED) {
		ctx_log(c, "login rate-limited for %s from %s", login, c->remote_addr);
		login_page(c, 429, login,
			   "Too many failed attempts from this address. Wait 15 minutes and try again, or ask an "
			   "administrator to clear the lock.");
		return;
	}
	if (r != LOGIN_OK) {
		ctx_log(c, "failed login for %s from %s", login, c->remote_addr);
		login_page(c, 401, login, "That login and password do not match an active account.");
		return;
	}
	/* Drop any session presented with the request: never reuse an id. */
	const char *old = params_get(&c->cookies, "sb_session");
	if (old)
		auth_session_delete(c->store, old);
	char csrf[65];
	char *sid = auth_session_create(c->store, u.id, c->remote_addr, c->header(c, "HTTP_USER_AGENT"), csrf);
	set_cookie(c, "sb_session", sid, -1);
	free(sid);
	set_cookie(c, "sb_csrf", "", 0);
	respond_redirect(c, u.must_change_password ? "/account/password" : safe_next(params_get(&c->form, "next")));
}

/* POST /logout - signed in.  Form: everywhere=1 ends every session of
 * the user, otherwise only this one. */
void h_logout(Ctx *c)
{
	if (params_get(&c->form, "everywhere"))
		auth_sessions_delete_user(c->store, c->user.id);
	else
		auth_session_delete(c->store, c->session_cookie);
	set_cookie(c, "sb_session", "", 0);
	respond_redirect(c, "/login");
}

static void password_page(Ctx *c, int status, const char *error, const char *field)
{
	json_t *d = page_data(c, "Change password", NULL);
	json_object_set_new(d, "must_change", json_boolean(c->user.must_change_password));
	if (error) {
		json_object_set_new(d, "error", json_string(error));
		json_object_set_new(d, field, json_string(error));
	}
	if (params_get(&c->query, "done"))
		json_object_set_new(d, "flash", json_string("Your password was changed."));
	respond_page(c, status, "pages/password", d);
}

/* GET /account/password - signed in.  The change-password form. */
void h_password_form(Ctx *c)
{
	password_page(c, 200, NULL, NULL);
}

/* POST /account/password - signed in.  Form: current, password, confirm.
 * Ends every other session and starts a new one. */
void h_password(Ctx *c)
{
	const char *cur = params_get(&c->form, "current");
	const char *pw = params_get(&c->form, "password");
	const char *confirm = params_get(&c->form, "confirm");
	char *stored = user_admin_password_hash(c->store, c->user.id);
	int good = stored && cur && auth_verify_password(cur, stored);
	free(stored);
	if (!good) {
		password_page(c, 422, "Your current password is not right.", "error_current");
		return;
	}
	const char *why = pw ? auth_password_problem(pw) : "Enter a new password.";
	if (why) {
		password_page(c, 422, why, "error_password");
		return;
	}
	if (!confirm || strcmp(pw, confirm) != 0) {
		password_page(c, 422, "The two new passwords differ.", "error_confirm");
		return;
	}
	char *err = NULL;
	if (auth_user_set_password(c->store, c->user.id, pw, 0, c->actor, &err) != 0) {
		password_page(c, 500, err ? err : "Could not change the password.", "error_password");
		free(err);
		return;
	}
	char csrf[65];
	char *sid = auth_session_create(c->store, c->user.id, c->remote_addr, c->header(c, "HTTP_USER_AGENT"), csrf);
	set_cookie(c, "sb_session", sid, -1);
	free(sid);
	respond_redirect(c, "/account/password?done=1");
}
