/*
 * form_keys.h - the store side of "a form is done once": claiming a form
 * submission's key before its action runs, recording where it led, and
 * releasing it when the action was refused.  Owns form_submissions.
 *
 * A key is an opaque text (the FastCGI side hashes the session, the form
 * token, the path and the fields into it).  The claim is its own short
 * write transaction, committed before the action starts, so of two
 * identical requests running at the same time in two processes only one
 * ever runs the action.  No HTTP here: a location is just text.
 */
#ifndef SB_FORM_KEYS_H
#define SB_FORM_KEYS_H

#include <stdint.h>

#include "store/store.h"

#define FORMKEY_KEEP_MS (7LL * 24 * 3600 * 1000) /* how long a submission is remembered */

typedef enum {
	FORMKEY_CLAIMED, /* this request owns the key: run, then finish or release */
	FORMKEY_DONE,    /* an earlier request with this key finished */
	FORMKEY_PENDING, /* an earlier request holds the key and has not finished */
	FORMKEY_ERROR,   /* the store failed (logged); nothing was claimed */
} FormKeyState;

/* Claim key for user_id's submission to path at now (unix ms), pruning
 * submissions older than FORMKEY_KEEP_MS on the way.  FORMKEY_DONE sets
 * *location (malloc'd, the caller frees; "" when the first answer was a
 * page); FORMKEY_PENDING sets *claimed_at to when the earlier request
 * claimed it.  Neither is touched otherwise. */
FormKeyState formkey_claim(Store *s, const char *key, int64_t user_id, const char *path, int64_t now,
			   char **location, int64_t *claimed_at);
/* The claimed submission finished and sent the person to location ("" for
 * a page).  0, or -1 when the store failed (logged). */
int formkey_finish(Store *s, const char *key, const char *location);
/* Forget a claimed submission (its action was refused): the same form can
 * be sent again.  0, or -1 when the store failed (logged). */
int formkey_release(Store *s, const char *key);

#endif
