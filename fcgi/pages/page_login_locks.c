/*
 * page_login_locks.c - sign-in locks in the admin: which logins are
 * locked from which addresses, which addresses are locked for every
 * login, and the forms that clear them.
 *
 * The throttling itself is lib/desk/auth.c (a login is locked only from the
 * address that kept failing; an address that fails across many logins is
 * locked for all of them).  This file only reads the locks and asks
 * auth_login_lock_clear() to forget the failures, which writes the
 * login_lock_cleared event naming the admin.  It must not sign anyone in
 * or touch passwords.
 */
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/user_admin.h"

#include <stdlib.h>
#include <string.h>

#define LOCKS_SHOWN 50
#define ADDR_MAX 63 /* LoginLock.addr */

static json_t *locks_json(Ctx *c, const LoginLock *l, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:I,s:s}", "addr", l[i].addr, "failures",
						   (json_int_t)l[i].failures, "until", manage_time(c, l[i].until)));
	return a;
}

json_t *login_locks_json(Ctx *c, const char *login)
{
	LoginLock l[LOCKS_SHOWN];
	return locks_json(c, l, auth_login_locks(c->store, login, l, LOCKS_SHOWN));
}

json_t *addr_locks_json(Ctx *c)
{
	LoginLock l[LOCKS_SHOWN];
	return locks_json(c, l, auth_addr_locks(c->store, l, LOCKS_SHOWN));
}

/* The form's addr: NULL when absent or empty (every address); sets *bad
 * when it is too long or not one line. */
static const char *form_addr(Ctx *c, int *bad)
{
	const char *a = params_get(&c->form, "addr");
	*bad = 0;
	if (!a || !*a)
		return NULL;
	if (strlen(a) > ADDR_MAX || strpbrk(a, "\r\n"))
		*bad = 1;
	return a;
}

/* POST /users/:id/locks/clear - admins (CSRF).  Form: addr (optional).
 * Forgets that user's failed sign-ins from addr, or from every address,
 * so the login is no longer locked there.  Event login_lock_cleared.
 * 303 back to the user's page. */
void h_user_locks_clear(Ctx *c)
{
	int64_t id = path_id(c, "id");
	char *login = id > 0 ? user_admin_login(c->store, id)
			     : NULL;
	if (!login) {
		respond_error(c, 404, "not_found", "There is no such user.", NULL);
		return;
	}
	int bad;
	const char *addr = form_addr(c, &bad);
	if (bad) {
		free(login);
		respond_error(c, 400, "bad_form", "The address is not one.", "addr");
		return;
	}
	int64_t n = auth_login_lock_clear(c->store, login, addr, c->actor);
	if (n < 0) {
		free(login);
		manage_store_failed(c, "clearing a sign-in lock");
		return;
	}
	ctx_log(c, "sign-in lock of %s from %s cleared by %s (%lld failures)", login, addr ? addr : "every address",
		c->actor, (long long)n);
	free(login);
	respond_redirect(c, arena_printf(c->arena, "/users/%lld?done=%s", (long long)id, n ? "unlocked" : "not_locked"));
}

/* POST /users/locks/clear - admins (CSRF).  Form: addr (required).
 * Forgets every failed sign-in from that address, which ends its lock for
 * every login.  Event login_lock_cleared.  303 back to the users list. */
void h_addr_lock_clear(Ctx *c)
{
	int bad;
	const char *addr = form_addr(c, &bad);
	if (bad || !addr) {
		respond_error(c, 400, "bad_form", "Name the address to clear.", "addr");
		return;
	}
	int64_t n = auth_login_lock_clear(c->store, NULL, addr, c->actor);
	if (n < 0) {
		manage_store_failed(c, "clearing an address lock");
		return;
	}
	ctx_log(c, "sign-in lock of address %s cleared by %s (%lld failures)", addr, c->actor, (long long)n);
	respond_redirect(c, n ? "/users?done=unlocked" : "/users?done=not_locked");
}
