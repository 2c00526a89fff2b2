/*
 * app.c - process-wide state of the FastCGI program: one database
 * connection and one template cache per process, reused by every request.
 */
#include "fcgi/serve.h"
#include "core/config.h"
#include "fcgi/web.h"

#include <stdio.h>
#include <stdlib.h>

static App *current;

void app_open(App *app)
{
	current = app;
	free(app->store_err);
	app->store_err = NULL;
	char *err = NULL;
	app->store = store_open(config_get("SWITCHBOARD_DB"), 0, &err);
	if (!app->store) {
		fprintf(stderr, "switchboard: %s\n", err);
		app->store_err = err;
	}
	if (!app->tpl)
		app->tpl = tpl_cache_dir(config_get("SWITCHBOARD_TEMPLATES"));
}

void app_close(App *app)
{
	store_close(app->store);
	app->store = NULL;
	tpl_cache_free(app->tpl);
	app->tpl = NULL;
	free(app->store_err);
	app->store_err = NULL;
}

const char *app_store_error(void)
{
	return current ? current->store_err : NULL;
}

void app_begin_request(App *app, Ctx *c)
{
	if (!app->store)
		app_open(app);
	c->store = app->store;
	c->tpl = app->tpl;
}

void app_end_request(App *app, Ctx *c)
{
	/* A handler that returned inside a transaction is a bug; never let it
	 * leak into the next request. */
	if (app->store && store_in_transaction(app->store)) {
		ctx_log(c, "handler left a transaction open; rolled back");
		store_rollback(app->store);
	}
}
