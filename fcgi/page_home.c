/*
 * page_home.c - the admin shell's front page and the health check.
 */
#include "serve.h"
#include "version.h"
#include "handlers.h"

/* GET /health - public.  200 {"status":"ok","db":"ok","schema":N,"version":V}
 * or 503 with the reason the database cannot be used. */

void h_health(Ctx *c)
{
	if (!c->store) {
		const char *why = app_store_error();
		respond_json(c, 503, json_pack("{s:s,s:s,s:s}", "status", "error", "db", "error", "reason",
					       why ? why : "database unavailable"));
		return;
	}
	sqlite3_stmt *st = store_stmt(c->store, "SELECT max(version) FROM schema_migrations", SQL_END);
	int rc = sqlite3_step(st);
	int schema = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	store_done(st);
	if (rc != SQLITE_ROW) {
		respond_json(c, 503, json_pack("{s:s,s:s,s:s}", "status", "error", "db", "error", "reason",
					       store_errmsg(c->store)));
		return;
	}
	respond_json(c, 200, json_pack("{s:s,s:s,s:i,s:s}", "status", "ok", "db", "ok", "schema", schema,
				       "version", SB_VERSION));
}

/* GET / - the admin home: counts of what needs attention, or an empty
 * state that says how to get the first message in. */

void h_home(Ctx *c)
{
	json_t *d = page_data(c, "Home", "home");
	if (c->store) {
		int64_t open = store_int(c->store, 0, "SELECT count(*) FROM tasks WHERE status != 'closed'", SQL_END);
		int64_t msgs = store_int(c->store, 0, "SELECT count(*) FROM messages", SQL_END);
		json_object_set_new(d, "open_tasks", json_integer(open));
		json_object_set_new(d, "messages", json_integer(msgs));
		json_object_set_new(d, "empty", json_boolean(msgs == 0));
	} else {
		json_object_set_new(d, "db_error", json_string(app_store_error() ? app_store_error() : "unavailable"));
	}
	respond_page(c, 200, "pages/home", d);
}
