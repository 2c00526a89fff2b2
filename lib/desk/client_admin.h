/*
 * client_admin.h - what a client's admin profile page shows besides the
 * client itself (fcgi/pages/page_clients.c): its latest tasks and its
 * latest messages.
 *
 * No client isolation here: the page checks that the user may see the
 * client before it asks.  Read-only.  The Rows returned belong to the
 * store: step them, then always call rows_done().
 */
#ifndef SB_DESK_CLIENT_ADMIN_H
#define SB_DESK_CLIENT_ADMIN_H

#include "store/store.h"

#include <stdint.h>

/* Client id's tasks, at most 20: open ones first, then closed, each by
 * update, newest first.  Columns: 0 id, 1 title, 2 type, 3 urgency,
 * 4 status, 5 route, 6 updated_at. */
Rows *client_admin_tasks(Store *s, int64_t id);

/* Client id's 20 newest messages, newest first.  Columns: 0 id,
 * 1 direction, 2 body, 3 status, 4 author, 5 ai_generated, 6 created_at,
 * 7 transport, 8 task_id. */
Rows *client_admin_messages(Store *s, int64_t id);

#endif
