/*
 * report_access.h - who may open which generated report
 * (fcgi/pages/page_reports.c): the clients a signed-in user's report list
 * shows, and the share links (report_shares) that open one client's
 * report without signing in.
 *
 * A share link is kept only as the SHA-256 of its token; whether it shows
 * the internal figures is the "internal" of its report_share_created
 * event.  No events are written here: the page writes
 * report_share_created / report_share_revoked in the same transaction.
 * The Rows returned belong to the store: step them, then always call
 * rows_done().
 */
#ifndef SB_DESK_REPORT_ACCESS_H
#define SB_DESK_REPORT_ACCESS_H

#include "store/store.h"

#include <stdint.h>

/* The clients user uid is attached to, by name, at most 1000.  Columns:
 * 0 id, 1 name, 2 phone ("" when none). */
Rows *report_access_my_clients(Store *s, int64_t uid);

/* 1 when client id exists, else 0. */
int report_access_client_exists(Store *s, int64_t id);

/* The share link whose token hashes to token_hash (64 hex digits), when it
 * is not revoked and its client exists: 1 with *client_id and *internal
 * set, else 0 (nothing written). */
int report_access_share_open(Store *s, const char *token_hash, int64_t *client_id, int *internal);

/* Every share link, newest first, at most 500.  Columns: 0 id,
 * 1 client_id, 2 client name, 3 client phone ("" when none), 4 label,
 * 5 created_by, 6 created_at, 7 revoked_at, 8 revoked_by, 9 internal. */
Rows *report_access_shares(Store *s);

/* Every client for the share form's menu, by name.  Columns: 0 id,
 * 1 name, 2 phone ("" when none). */
Rows *report_access_client_options(Store *s);

/* Insert a share link.  The new id, or -1 (the store's message in
 * store_errmsg). */
int64_t report_access_share_insert(Store *s, int64_t client_id, const char *token_hash, const char *label,
				   const char *created_by, int64_t now);

/* The client of share link id, or 0 when there is no such link. */
int64_t report_access_share_client(Store *s, int64_t id);

/* Revoke share link id unless it is revoked already.  Returns
 * store_changes(): above 0 when this call revoked it. */
int report_access_share_revoke(Store *s, int64_t id, const char *by, int64_t now);

#endif
