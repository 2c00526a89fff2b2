/*
 * api_queries.h - the queries of the JSON API (fcgi/api/): the rows its
 * list and show answers are built from, and the few lookups and writes its
 * handlers make that no other lib/desk module owns.
 *
 * Every query that reads a client's data carries the client-isolation
 * rule (APIQ_VISIBLE): an admin viewer (an admin's token or an operator
 * token, is_admin = 1) sees everything, a user's token only the clients
 * the user is attached to (client_members); a row about no client is for
 * admins only.  The Rows returned belong to the store: read them, then
 * call rows_done() (api_list does).  Nothing here answers a request.
 *
 * Paged lists take cursor (the id of the last row of the previous page, 0
 * for the first) and fetch (how many rows to return at most: the page
 * size plus one); rows come newest first, id in column 0.
 */
#ifndef SB_DESK_API_QUERIES_H
#define SB_DESK_API_QUERIES_H

#include "desk/auth.h"
#include "store/store.h"

#include <stdint.h>

/* The client-isolation rule on a client id column, as lib/desk/desk_tasks.c
 * writes it: admins and operator tokens pass, a user's token only for the
 * clients the user is attached to (client_members).  A NULL column (an
 * event about no client) passes for admins only.  Bind APIQ_VIEWER_ARGS. */
#define APIQ_VISIBLE(col) \
	"(:admin = 1 OR " col " IN (SELECT vm.client_id FROM client_members vm WHERE vm.user_id = :uid))"
#define APIQ_VIEWER_ARGS(v) SQL_INT(":admin", (v)->is_admin), SQL_INT(":uid", (v)->id)

/* ---- clients --------------------------------------------------------- */

/* Columns of a client row: 0 id, 1 name, 2 phone, 3 email, 4 company,
 * 5 summary, 6 summary_updated_at, 7 created_at, 8 updated_at. */

/* The client id when it exists and viewer may see it: the client
 * columns, then 9 open tasks and 10 messages.  No row otherwise. */
Rows *apiq_client(Store *s, const User *viewer, int64_t id);
/* 1 when client id exists and viewer may see it, else 0. */
int apiq_client_visible(Store *s, const User *viewer, int64_t id);
/* A page of the clients viewer may see (client columns), those whose
 * name, phone, company or email is LIKE pat (with \ escaping; NULL: all)
 * or whose phone is e164 (NULL: no such match). */
Rows *apiq_clients(Store *s, const User *viewer, const char *pat, const char *e164, int64_t cursor, int fetch);
/* Lookups without isolation (client by phone, a client's phone) are
 * lib/desk/client_lookup.h's. */

/* ---- events ---------------------------------------------------------- */

/* Filters of apiq_events: 0 / NULL is "any". */
typedef struct {
	int64_t client_id, task_id, message_id;
	const char *event_type;
	int has_from, has_to;
	int64_t from, to; /* unix ms: from <= created_at < to */
} ApiqEventFilter;

/* A page of the events viewer may see: 0 id, 1 event_type, 2 client_id,
 * 3 task_id, 4 message_id, 5 actor, 6 details (JSON text), 7 created_at. */
Rows *apiq_events(Store *s, const User *viewer, const ApiqEventFilter *f, int64_t cursor, int fetch);

/* ---- messages -------------------------------------------------------- */

/* Filters of apiq_messages: 0 / NULL is "any". */
typedef struct {
	int64_t client_id, task_id;
	const char *direction, *status;
	int has_since;
	int64_t since; /* unix ms: created at or after */
} ApiqMessageFilter;

/* A page of the messages viewer may see: 0 id, 1 client_id, 2 task_id,
 * 3 channel, 4 direction, 5 from_addr, 6 to_addr, 7 body, 8 status,
 * 9 error_code, 10 error_message, 11 type, 12 urgency, 13 confidence,
 * 14 ai_generated, 15 transport, 16 author, 17 external_id,
 * 18 created_at, 19 updated_at. */
Rows *apiq_messages(Store *s, const User *viewer, const ApiqMessageFilter *f, int64_t cursor, int fetch);

/* ---- tasks ----------------------------------------------------------- */

/* Columns of a task row: 0 id, 1 client_id, 2 title, 3 type, 4 urgency,
 * 5 status, 6 route, 7 confidence, 8 rule_id, 9 assignee_id,
 * 10 created_at, 11 updated_at, 12 closed_at. */

/* Task id when viewer may see it (task columns); no row otherwise. */
Rows *apiq_task(Store *s, const User *viewer, int64_t id);

/* Filters of apiq_tasks: 0 / NULL is "any". */
typedef struct {
	const char *status, *type, *urgency;
	int64_t client_id, assignee_id;
	int unassigned; /* only tasks nobody is assigned to */
} ApiqTaskFilter;

/* A page of the tasks viewer may see (task columns). */
Rows *apiq_tasks(Store *s, const User *viewer, const ApiqTaskFilter *f, int64_t cursor, int fetch);

/* Insert an open task (assignee 0: nobody) created and updated at now,
 * without an event (the caller writes task_created).  The new id, or -1
 * (the store's message in store_errmsg). */
int64_t apiq_task_insert(Store *s, int64_t client_id, const char *title, const char *type, const char *urgency,
			 const char *route, int64_t assignee, int64_t now);

#endif
