/*
 * serve.h - the FastCGI program's process-wide state and accept loop.
 */
#ifndef SB_SERVE_H
#define SB_SERVE_H

#include "desk/desk.h"
#include "web/mustache.h"
#include "store/store.h"

typedef struct Ctx Ctx;

typedef struct {
	Store *store;    /* NULL while the database cannot be opened */
	char *store_err; /* why, for /health */
	TplCache *tpl;
} App;

/* Open the database (migrating it) and the template cache.  A database
 * that cannot be opened is remembered, not fatal: /health reports it. */
void app_open(App *app);
void app_close(App *app);
void app_begin_request(App *app, Ctx *c);
void app_end_request(App *app, Ctx *c);
/* Why the store is unavailable (NULL when it is fine). */
const char *app_store_error(void);

/* Serve FastCGI requests on listen_fd (0 when started by a web server),
 * with several request threads; handlers run one at a time. */
int serve_fcgi(int listen_fd);

/* Store an inbound SMS through a group commit: the calling handler lets
 * other requests run while it waits, its message joins the next batch (one
 * transaction, one fsync for every waiting webhook) of the committer
 * process (ingest_ipc.c) or, when that is this process or cannot be
 * reached, of this process, and this returns only after that batch's
 * COMMIT has returned, with the result of desk_inbound_sms() for this
 * message (*err malloc'd on error).
 * Outside serve_fcgi, or inside an open transaction of c->store, it is
 * desk_inbound_sms() on c->store. */
InboundResult serve_inbound_sms(Ctx *c, const InboundSms *m, int64_t *message_id, char **err);

#endif
