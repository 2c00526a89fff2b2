/*
 * page_common.c - what every admin page shares: the layout's data (user,
 * navigation, CSRF and form tokens, the "already submitted" notice),
 * cookies, and the client-isolation check.
 */
#include "core/config.h"
#include "fcgi/web.h"

#include <string.h>

json_t *page_data(Ctx *c, const char *title, const char *nav)
{
	json_t *d = json_object();
	json_object_set_new(d, "title", json_string(title));
	if (nav) {
		char key[40];
		snprintf(key, sizeof key, "nav_%s", nav);
		json_object_set_new(d, key, json_true());
	}
	if (c->user.id) {
		json_object_set_new(d, "user",
				    json_pack("{s:s,s:s,s:b}", "login", c->user.login, "name",
					      c->user.name[0] ? c->user.name : c->user.login, "is_admin",
					      c->user.is_admin));
		json_object_set_new(d, "is_admin", json_boolean(c->user.is_admin));
	}
	json_object_set_new(d, "csrf", json_string(c->csrf));
	/* One form token per render: the same form sent twice from this page
	 * is done once (form_once.c). */
	char token[33];
	form_token_new(token);
	json_object_set_new(d, "form_token", json_string(token));
	if (params_get(&c->query, "again"))
		json_object_set_new(d, "again", json_true());
	return d;
}

void set_cookie(Ctx *c, const char *name, const char *value, long max_age)
{
	int secure = strncmp(config_get("SWITCHBOARD_PUBLIC_URL"), "https:", 6) == 0;
	char *v;
	if (max_age < 0)
		v = arena_printf(c->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s", name, value,
				 secure ? "; Secure" : "");
	else
		v = arena_printf(c->arena, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name, value, max_age,
				 secure ? "; Secure" : "");
	add_header(c, "Set-Cookie", v);
}

int ctx_is_admin(Ctx *c)
{
	return c->user.is_admin;
}

int ctx_sees_client(Ctx *c, int64_t client_id)
{
	if (client_id <= 0)
		return 0;
	if (c->user.is_admin)
		return 1;
	if (!c->user.id)
		return 0;
	return auth_sees_client(c->store, &c->user, client_id);
}
