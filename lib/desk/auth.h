/*
 * auth.h - users, password hashing, sessions, login rate limiting and the
 * client-isolation rule.
 *
 * Passwords are hashed with PBKDF2-HMAC-SHA256 (libcrypto), a random salt
 * and an iteration count stored with each hash, so the cost can be raised
 * later: hashes with fewer iterations than the current default are
 * re-hashed at the next successful login.  Session ids are 256-bit random
 * values; only their SHA-256 is stored.  No HTTP here: the FastCGI side
 * turns these into cookies and redirects.
 */
#ifndef SB_AUTH_H
#define SB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define AUTH_PBKDF2_ITER 310000

typedef struct {
	int64_t id;
	char login[64];
	char name[128];
	int is_admin;
	int must_change_password;
} User;

/* "pbkdf2-sha256$ITER$SALT$HASH" for password (malloc'd). */
char *auth_hash_password(const char *password, int iterations);
/* 1 when password matches the stored hash, 0 otherwise (constant time). */
int auth_verify_password(const char *password, const char *stored);

/* Create a user (in its own transaction, with an event).  Returns the id,
 * or -1 with *err (login taken, bad login, weak password). */
int64_t auth_user_add(Store *s, const char *login, const char *name, int admin, const char *password,
		      int must_change, const char *actor, char **err);
int auth_user_set_password(Store *s, int64_t user_id, const char *password, int must_change,
			   const char *actor, char **err);
int auth_user_disable(Store *s, int64_t user_id, int disabled, const char *actor);
int64_t auth_user_id(Store *s, const char *login);
/* Load an enabled user by id; 1 when found. */
int auth_user_load(Store *s, int64_t id, User *u);
/* How many users there are (enabled or not); 0 also on a store error. */
int64_t auth_user_count(Store *s);

/* A user as listed by `switchboard user list`. */
typedef struct {
	const char *login;
	const char *role;   /* "admin" or "agent" */
	int disabled;
	int64_t clients;    /* how many clients the user is attached to */
} UserSummary;

/* Call fn for every user, by login.  The strings in *u are valid only
 * while fn runs.  Returns how many users were listed, or -1 when the
 * store failed part-way (those before were listed). */
int auth_user_each(Store *s, void (*fn)(void *arg, const UserSummary *u), void *arg);

/* Minimum rules for a new password; NULL when fine, else the reason. */
const char *auth_password_problem(const char *password);

typedef enum {
	LOGIN_OK,
	LOGIN_BAD,          /* wrong login or password (never say which) */
	LOGIN_DISABLED,
	LOGIN_RATE_LIMITED, /* too many failures for this login from this address, or from this address */
} LoginResult;

/* Sign-in throttling.  A login is locked only from the address that kept
 * failing: AUTH_LOCK_PER_LOGIN failures of (login, address) within the
 * window, since that login last signed in from there, lock that login
 * from that address, so nobody elsewhere can lock a staff member out.  An
 * address with AUTH_LOCK_PER_ADDR failures across logins in the window is
 * locked for every login (password spraying).  Locks end by themselves
 * when the window has passed, or when an admin clears them. */
#define AUTH_LOCK_WINDOW_MS (15 * 60 * 1000)
#define AUTH_LOCK_PER_LOGIN 5
#define AUTH_LOCK_PER_ADDR 20

/* Check credentials with rate limiting, record the attempt.  On LOGIN_OK,
 * *user is filled. */
LoginResult auth_login(Store *s, const char *login, const char *password, const char *addr, User *user);

/* One current lock: the address it holds for, the failures that made it
 * and when it ends by itself (unix ms). */
typedef struct {
	char addr[64];
	int64_t failures, until;
} LoginLock;

/* The current locks of login, one per address, the one with the newest
 * failure first; at most max in out.  Returns how many were written. */
size_t auth_login_locks(Store *s, const char *login, LoginLock *out, size_t max);
/* The addresses currently locked for every login, like auth_login_locks. */
size_t auth_addr_locks(Store *s, LoginLock *out, size_t max);

/* Clear locks by forgetting the failed attempts they count: those of
 * login from addr; of login from every address (addr NULL); or, with
 * login NULL, of every login from addr (an address lock).  Writes the
 * login_lock_cleared event (login, addr, attempts) in the same
 * transaction.  Returns the number of attempts forgotten (0: there was
 * no lock, and no event), or -1 on a store error. */
int64_t auth_login_lock_clear(Store *s, const char *login, const char *addr, const char *actor);

/* Create a session for user; returns the cookie value (malloc'd) and the
 * session's CSRF token in csrf_out (65 bytes). */
char *auth_session_create(Store *s, int64_t user_id, const char *addr, const char *user_agent,
			  char csrf_out[65]);
/* Resolve a cookie value to its user and CSRF token; refreshes the idle
 * timer.  Returns 1 when valid, 0 when unknown or expired (and deletes
 * it). */
int auth_session_check(Store *s, const char *cookie, User *user, char csrf_out[65]);
void auth_session_delete(Store *s, const char *cookie);
/* Log out everywhere: delete every session of the user. */
void auth_sessions_delete_user(Store *s, int64_t user_id);

/* May user see client?  Admins see all; agents the clients they are
 * attached to. */
int auth_sees_client(Store *s, const User *u, int64_t client_id);
/* Is there a client client_id?  1 or 0 (0 also on a store error). */
int auth_client_exists(Store *s, int64_t client_id);
/* Attach the user to the client (attach 1) or detach it (0), with a
 * member_added / member_removed event when that changed anything.
 * 0, or -1 on a store error. */
int auth_attach(Store *s, int64_t user_id, int64_t client_id, int attach, const char *actor);

/* Random bytes as lowercase hex (n bytes → 2n chars + NUL). */
void auth_random_hex(char *out, size_t nbytes);

#endif
