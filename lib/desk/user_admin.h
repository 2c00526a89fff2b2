/*
 * user_admin.h - what the admin's user pages and the account page read
 * about users (fcgi/pages/page_users.c, page_login_locks.c, page_auth.c,
 * and the "you see no clients yet" notes of the home and task pages):
 * the list of users, one user, the clients a user is attached to and
 * those it is not, and a few existence checks.
 *
 * Read-only: users, passwords and memberships change through
 * lib/desk/auth.h (auth_user_add, auth_attach, ...).  The Rows returned
 * belong to the store: step them, then always call rows_done().
 */
#ifndef SB_DESK_USER_ADMIN_H
#define SB_DESK_USER_ADMIN_H

#include "store/store.h"

#include <stdint.h>

/* Users by login, those after login after (NULL: from the first), at most
 * limit.  Columns: 0 id, 1 login, 2 name, 3 role, 4 disabled_at,
 * 5 must_change_password, 6 clients attached, 7 last seen (NULL when never). */
Rows *user_admin_list(Store *s, const char *after, int limit);

/* User id, or no row.  Columns: 0 id, 1 login, 2 name, 3 role,
 * 4 disabled_at, 5 must_change_password, 6 created_at, 7 last seen. */
Rows *user_admin_get(Store *s, int64_t id);

/* The clients user uid is attached to, by name, at most 500.  Columns:
 * 0 id, 1 name, 2 phone, 3 company. */
Rows *user_admin_clients(Store *s, int64_t uid);

/* The clients user uid is not attached to, by name.  Columns: 0 id,
 * 1 name, 2 phone. */
Rows *user_admin_unattached(Store *s, int64_t uid);

/* Number of clients user uid is attached to. */
int64_t user_admin_client_count(Store *s, int64_t uid);

/* 1 when user uid is attached to client_id, else 0. */
int user_admin_is_member(Store *s, int64_t uid, int64_t client_id);

/* 1 when a user has this login (logins ignore case), else 0. */
int user_admin_login_taken(Store *s, const char *login);

/* 1 when user id exists, else 0. */
int user_admin_exists(Store *s, int64_t id);

/* User id's login, malloc'd, or NULL when there is no such user. */
char *user_admin_login(Store *s, int64_t id);

/* User id's stored password hash, malloc'd, or NULL when there is no such
 * user. */
char *user_admin_password_hash(Store *s, int64_t id);

#endif
