/*
 * page_users.c - the people who use the admin: list, create, disable or
 * enable, reset a password, attach to and detach from clients, and the
 * sign-in locks of each login (page_login_locks.c clears them).
 *
 * Passwords are never chosen here: a new account and a reset get a random
 * one-time password (auth_random_hex) that the person must change at their
 * next sign-in.  Like every form here, those POSTs redirect: the password
 * is sealed for the admin's session (lib/desk/secrets.h, never in clear) and
 * shown once on the user's page the redirect leads to (?secret=ID, an id,
 * not the secret).  Loading that page again, or from another session,
 * shows that it was shown and how to make a new one; it never makes a new
 * password by itself.  Every change
 * goes through lib/desk/auth.h, which writes its event (user_created,
 * user_disabled, user_enabled, user_password_changed, member_added,
 * member_removed) in the same transaction.
 */
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/client_lookup.h"
#include "desk/phone.h"
#include "desk/secrets.h"
#include "desk/user_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USERS_PAGE 100
#define USER_NAME_MAX 100   /* characters; the User struct holds 127 bytes */
#define ATTACH_SELECT_MAX 1000 /* more candidate clients than this: a text field instead of a select */
#define OTP_BYTES 12

/* ---- the list ------------------------------------------------------------ */

/* GET /users?after=LOGIN - admins.  Everyone with an account, by login,
 * 100 a page: name, role, status, clients attached, last seen. */
void h_users(Ctx *c)
{
	const char *after = params_get(&c->query, "after");
	if (after && strlen(after) > 64) {
		respond_error(c, 400, "bad_query", "The page marker is too long.", "after");
		return;
	}
	Rows *r = user_admin_list(c->store, after && *after ? after : NULL, USERS_PAGE + 1);
	json_t *users = json_array();
	int more = 0;
	const char *last = NULL;
	while (rows_next(r)) {
		if (json_array_size(users) == USERS_PAGE) {
			more = 1;
			continue;
		}
		last = arena_strdup(c->arena, rows_text(r, 1));
		int admin = strcmp(rows_text(r, 3), "admin") == 0;
		int disabled = !rows_null(r, 4);
		json_t *u = json_pack("{s:I,s:s,s:s,s:b,s:b,s:b,s:I,s:b}", "id", (json_int_t)rows_int(r, 0),
				      "login", last, "name", rows_text(r, 2), "is_admin", admin, "disabled", disabled,
				      "must_change", (int)rows_int(r, 5), "clients",
				      (json_int_t)rows_int(r, 6), "is_me",
				      rows_int(r, 0) == c->user.id);
		if (!rows_null(r, 7))
			json_object_set_new(u, "last_seen", json_string(manage_time(c, rows_int(r, 7))));
		json_t *locks = login_locks_json(c, last);
		if (json_array_size(locks)) {
			json_object_set_new(u, "locked_from", json_integer((json_int_t)json_array_size(locks)));
			json_object_set_new(u, "locks_plural", json_boolean(json_array_size(locks) > 1));
		}
		json_decref(locks);
		json_array_append_new(users, u);
	}
	rows_done(r);
	json_t *d = page_data(c, "Users", "users");
	json_object_set_new(d, "users", users);
	json_t *addr_locks = addr_locks_json(c);
	json_object_set_new(d, "has_addr_locks", json_boolean(json_array_size(addr_locks) > 0));
	json_object_set_new(d, "addr_locks", addr_locks);
	static const ManageFlash list_flash[] = {
		{"unlocked", "Lock cleared: sign-in from that address works again."},
		{"not_locked", "There was no lock to clear."},
		{NULL, NULL},
	};
	manage_flash(c, d, list_flash);
	if (more && last) {
		Buf u = {0};
		buf_puts(&u, "/users?after=");
		buf_url_escape(&u, last);
		json_object_set_new(d, "next_url", json_string(buf_cstr(&u)));
		buf_free(&u);
	}
	if (after)
		json_object_set_new(d, "first_url", json_string("/users"));
	respond_page(c, 200, "pages/users", d);
}

/* ---- a new user ------------------------------------------------------------ */

static void new_user_page(Ctx *c, int status, json_t *errors)
{
	json_t *d = page_data(c, "New user", "users");
	const char *login = params_get(&c->form, "login"), *name = params_get(&c->form, "name"),
		   *role = params_get(&c->form, "role");
	json_object_set_new(d, "creating", json_true());
	json_object_set_new(d, "f", json_pack("{s:s,s:s,s:b}", "login", login ? login : "", "name", name ? name : "",
					      "admin", role && strcmp(role, "admin") == 0));
	if (errors) {
		json_object_update(d, errors);
		json_decref(errors);
	}
	respond_page(c, status, "pages/user", d);
}

/* GET /users/new - admins.  The form: login, name, role. */
void h_user_new_form(Ctx *c)
{
	new_user_page(c, 200, NULL);
}

/* NULL when name is an acceptable display name, else why not. */
static const char *name_problem(const char *name)
{
	if (manage_chars(name) > USER_NAME_MAX || strlen(name) >= sizeof(((User *)0)->name))
		return "A name is at most 100 characters.";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "A name is one line without control characters.";
	return NULL;
}

static void user_page(Ctx *c, int status, int64_t id, const char *one_time_password, json_t *overlay);

/* Seal the one-time password pw of user id for this session and redirect
 * to the user's page that shows it once (done: created | reset); 500 when
 * it cannot be kept (the password is then lost: reset it again). */
static void show_password(Ctx *c, int64_t id, const char *pw, const char *done)
{
	int64_t secret = secret_seal(c->store, c->session_cookie, SECRET_USER_PASSWORD, id, pw);
	if (secret < 0) {
		ctx_log(c, "user=%lld: the one-time password could not be kept for display", (long long)id);
		respond_error(c, 500, "store_failed",
			      "The password was set but could not be kept for display. Reset the password again.", NULL);
		return;
	}
	respond_redirect(c, arena_printf(c->arena, "/users/%lld?done=%s&secret=%lld", (long long)id, done,
					 (long long)secret));
}

/* POST /users/new - admins (CSRF).  Form: login (2..32 letters, digits,
 * . _ - @), name, role (agent | admin).  Creates the account with a
 * one-time password it must change at the first sign-in, and answers 303
 * to the user's page, which shows that password once.  422 with the error
 * next to the field (a login that is taken included). */
void h_user_create(Ctx *c)
{
	const char *login = params_get(&c->form, "login"), *name = params_get(&c->form, "name"),
		   *role = params_get(&c->form, "role");
	if (!login)
		login = "";
	if (!name)
		name = "";
	json_t *errors = json_object();
	const char *why = name_problem(name);
	if (why)
		json_object_set_new(errors, "e_name", json_string(why));
	if (!role || (strcmp(role, "admin") != 0 && strcmp(role, "agent") != 0))
		json_object_set_new(errors, "e_role", json_string("Choose Agent or Administrator."));
	if (!*login)
		json_object_set_new(errors, "e_login", json_string("Choose a login, e.g. ada or ada.lovelace."));
	if (json_object_size(errors) > 0) {
		json_object_set_new(errors, "error", json_string("Nobody was created: correct the marked field."));
		new_user_page(c, 422, errors);
		return;
	}
	json_decref(errors);
	/* Checked here too so the answer can say why (logins ignore case). */
	if (user_admin_login_taken(c->store, login)) {
		new_user_page(c, 422, json_pack("{s:s,s:s}", "e_login",
						arena_printf(c->arena, "The login %s is taken.", login), "error",
						"Nobody was created: correct the marked field."));
		return;
	}
	char pw[OTP_BYTES * 2 + 1];
	auth_random_hex(pw, OTP_BYTES);
	char *err = NULL;
	int64_t id = auth_user_add(c->store, login, name, strcmp(role, "admin") == 0, pw, 1, c->actor, &err);
	if (id < 0) {
		new_user_page(c, 422, json_pack("{s:s,s:s}", "e_login", err ? err : "Could not create the user.", "error",
						"Nobody was created: correct the marked field."));
		free(err);
		return;
	}
	ctx_log(c, "user=%lld (%s) created by %s", (long long)id, login, c->actor);
	show_password(c, id, pw, "created");
}

/* ---- one user ------------------------------------------------------------- */

/* The user's page: details, status, password reset, clients.  When
 * one_time_password is set it is shown once and the answer is no-store.
 * overlay (stolen, may be NULL) adds flash or errors.  404 for an unknown
 * id. */
static void user_page(Ctx *c, int status, int64_t id, const char *one_time_password, json_t *overlay)
{
	Rows *r = user_admin_get(c->store, id);
	if (!rows_next(r)) {
		rows_done(r);
		json_decref(overlay);
		respond_error(c, 404, "not_found", "There is no such user.", NULL);
		return;
	}
	int admin = strcmp(rows_text(r, 3), "admin") == 0;
	json_t *u = json_pack("{s:I,s:s,s:s,s:b,s:b,s:b,s:s,s:b}", "id", (json_int_t)id, "login", rows_text(r, 1),
			      "name", rows_text(r, 2), "is_admin", admin, "disabled",
			      !rows_null(r, 4), "must_change", (int)rows_int(r, 5),
			      "created", manage_time(c, rows_int(r, 6)), "is_me", id == c->user.id);
	if (!rows_null(r, 4))
		json_object_set_new(u, "disabled_since", json_string(manage_time(c, rows_int(r, 4))));
	if (!rows_null(r, 7))
		json_object_set_new(u, "last_seen", json_string(manage_time(c, rows_int(r, 7))));
	const char *title = arena_printf(c->arena, "User %s", rows_text(r, 1));
	json_t *locks = login_locks_json(c, rows_text(r, 1));
	json_object_set_new(u, "has_locks", json_boolean(json_array_size(locks) > 0));
	json_object_set_new(u, "multiple_locks", json_boolean(json_array_size(locks) > 1));
	json_object_set_new(u, "locks", locks);
	rows_done(r);

	r = user_admin_clients(c->store, id);
	json_t *attached = json_array();
	while (rows_next(r))
		json_array_append_new(attached, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)rows_int(r, 0),
							  "name", *rows_text(r, 1) ? rows_text(r, 1) : rows_text(r, 2),
							  "phone", rows_text(r, 2), "company", rows_text(r, 3)));
	rows_done(r);
	int64_t n_attached = user_admin_client_count(c->store, id);

	int64_t candidates = client_lookup_count(c->store) - n_attached;
	json_t *d = page_data(c, title, "users");
	if (candidates > 0 && candidates <= ATTACH_SELECT_MAX) {
		r = user_admin_unattached(c->store, id);
		json_t *opts = json_array();
		while (rows_next(r)) {
			const char *name = rows_text(r, 1), *phone = rows_text(r, 2);
			json_array_append_new(opts, json_pack("{s:I,s:s}", "id", (json_int_t)rows_int(r, 0),
							      "label", *name ? arena_printf(c->arena, "%s (%s)", name, phone)
									     : phone));
		}
		rows_done(r);
		json_object_set_new(d, "options", opts);
	} else if (candidates > ATTACH_SELECT_MAX) {
		json_object_set_new(d, "many_clients", json_true());
	}
	json_object_set_new(d, "can_attach", json_boolean(candidates > 0));
	json_object_set_new(d, "u", u);
	json_object_set_new(d, "lock_limit", json_integer(AUTH_LOCK_PER_LOGIN));
	json_object_set_new(d, "attached", attached);
	json_object_set_new(d, "n_attached", json_integer(n_attached));
	json_object_set_new(d, "more_attached", json_boolean(n_attached > (int64_t)json_array_size(attached)));
	if (one_time_password) {
		json_object_set_new(d, "one_time_password", json_string(one_time_password));
		add_header(c, "Cache-Control", "no-store");
	}
	static const ManageFlash flash[] = {
		{"disabled", "Account disabled. Their sessions have ended."},
		{"enabled", "Account enabled. They can sign in again."},
		{"attached", "Client attached."},
		{"detached", "Client detached."},
		{"already", "That client was already attached."},
		{"unlocked", "Sign-in lock cleared."},
		{"not_locked", "There was no sign-in lock to clear."},
		{NULL, NULL},
	};
	manage_flash(c, d, flash);
	if (overlay) {
		json_object_update(d, overlay);
		json_decref(overlay);
	}
	respond_page(c, status, "pages/user", d);
}

/* GET /users/:id?done=KEY&secret=ID - admins.  One user with the forms
 * that change them.  secret: the one-time password a create or reset just
 * made, shown this once if this session made it; otherwise the page says
 * it was shown already and how to make a new one.  503 when the store
 * cannot give it right now (it stays for a reload). */
void h_user(Ctx *c)
{
	int64_t id = path_id(c, "id");
	int64_t secret = manage_query_id(c, "secret");
	const char *done = params_get(&c->query, "done");
	if (!secret || strcmp(c->method, "HEAD") == 0) {
		/* (a HEAD, e.g. a link preview, must not use the secret up) */
		user_page(c, 200, id, NULL, NULL);
		return;
	}
	/* This page writes (the secret is erased as it is shown): leave the
	 * request's read snapshot first so the write queues properly. */
	store_read_end(c->store);
	char *pw = NULL;
	int r = secret_open(c->store, c->session_cookie, secret, SECRET_USER_PASSWORD, id, &pw);
	if (r < 0) {
		respond_error(c, 503, "db_busy", "The one-time password cannot be read right now. Reload the page.", NULL);
		return;
	}
	int created = done && strcmp(done, "created") == 0;
	json_t *o = json_object();
	if (pw)
		json_object_set_new(o, "flash", json_string(created ? "User created. Give them the one-time password below."
								    : "Password reset and their sessions ended. Give them "
								      "the one-time password below."));
	else
		json_object_set_new(o, "secret_gone", json_true());
	user_page(c, 200, id, pw, o);
	free(pw);
}

/* The target user's id when it exists, else 404 and 0. */
static int64_t target_user(Ctx *c)
{
	int64_t id = path_id(c, "id");
	if (id <= 0 || !user_admin_exists(c->store, id)) {
		respond_error(c, 404, "not_found", "There is no such user.", NULL);
		return 0;
	}
	return id;
}

static void set_disabled(Ctx *c, int disabled)
{
	int64_t id = target_user(c);
	if (!id)
		return;
	if (disabled && id == c->user.id) {
		user_page(c, 422, id, NULL,
			  json_pack("{s:s,s:s}", "e_status", "You cannot disable your own account.", "error",
				    "Nothing changed: you cannot disable your own account."));
		return;
	}
	if (auth_user_disable(c->store, id, disabled, c->actor) != 0) {
		manage_store_failed(c, disabled ? "disabling a user" : "enabling a user");
		return;
	}
	ctx_log(c, "user=%lld %s by %s", (long long)id, disabled ? "disabled" : "enabled", c->actor);
	respond_redirect(c, arena_printf(c->arena, "/users/%lld?done=%s", (long long)id, disabled ? "disabled" : "enabled"));
}

/* POST /users/:id/disable - admins (CSRF).  The account cannot sign in and
 * its sessions end at once.  Not one's own account (422). */
void h_user_disable(Ctx *c)
{
	set_disabled(c, 1);
}

/* POST /users/:id/enable - admins (CSRF).  The account can sign in again. */
void h_user_enable(Ctx *c)
{
	set_disabled(c, 0);
}

/* POST /users/:id/password - admins (CSRF).  A new one-time password,
 * shown once on the user's page this answers 303 to; every session of the
 * user ends and they must choose their own password at the next sign-in.
 * One's own password is changed on /account/password instead (422 here). */
void h_user_reset(Ctx *c)
{
	int64_t id = target_user(c);
	if (!id)
		return;
	if (id == c->user.id) {
		user_page(c, 422, id, NULL,
			  json_pack("{s:s,s:s}", "e_password", "Change your own password on the Change password page.",
				    "error", "Nothing changed: use Change password for your own account."));
		return;
	}
	char pw[OTP_BYTES * 2 + 1];
	auth_random_hex(pw, OTP_BYTES);
	char *err = NULL;
	if (auth_user_set_password(c->store, id, pw, 1, c->actor, &err) != 0) {
		ctx_log(c, "password reset of user=%lld failed: %s", (long long)id, err ? err : "?");
		free(err);
		respond_error(c, 500, "store_failed", "The password could not be reset.", NULL);
		return;
	}
	ctx_log(c, "user=%lld password reset by %s", (long long)id, c->actor);
	show_password(c, id, pw, "reset");
}

/* POST /users/:id/clients - admins (CSRF).  Form: client_id (from the
 * select) or client (a client number or phone number, when there are too
 * many clients for a select).  303 back; 422 next to the field when no
 * such client exists. */
void h_user_attach(Ctx *c)
{
	int64_t id = target_user(c);
	if (!id)
		return;
	const char *sel = params_get(&c->form, "client_id"), *text = params_get(&c->form, "client");
	const char *want = sel && *sel ? sel : text ? text : "";
	while (*want == ' ')
		want++;
	int64_t client = 0;
	int digits = *want && strlen(want) <= 18;
	for (const char *p = want; *p && digits; p++)
		digits = *p >= '0' && *p <= '9';
	if (digits)
		client = client_lookup_id(c->store, strtoll(want, NULL, 10));
	char e164[32];
	if (!client && phone_e164(want, e164, sizeof e164) == 0)
		client = client_lookup_by_phone(c->store, e164);
	if (!client) {
		user_page(c, 422, id, NULL,
			  json_pack("{s:s,s:s,s:s}", "e_client",
				    *want ? "There is no client with that number or phone." : "Choose a client to attach.",
				    "client_text", text ? text : "", "error", "Nothing changed: correct the marked field."));
		return;
	}
	int before = user_admin_is_member(c->store, id, client);
	if (auth_attach(c->store, id, client, 1, c->actor) != 0) {
		manage_store_failed(c, "attaching a client");
		return;
	}
	ctx_log(c, "user=%lld attached to client=%lld by %s", (long long)id, (long long)client, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/users/%lld?done=%s", (long long)id, before ? "already" : "attached"));
}

/* POST /users/:id/clients/:client/detach - admins (CSRF).  The user no
 * longer sees that client (agents).  303 back. */
void h_user_detach(Ctx *c)
{
	int64_t id = target_user(c);
	if (!id)
		return;
	int64_t client = path_id(c, "client");
	if (client <= 0 || !client_lookup_exists(c->store, client)) {
		respond_error(c, 404, "not_found", "There is no such client.", NULL);
		return;
	}
	if (auth_attach(c->store, id, client, 0, c->actor) != 0) {
		manage_store_failed(c, "detaching a client");
		return;
	}
	ctx_log(c, "user=%lld detached from client=%lld by %s", (long long)id, (long long)client, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/users/%lld?done=detached", (long long)id));
}
