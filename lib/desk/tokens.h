/*
 * tokens.h - API bearer tokens.  A token is shown once when created; only
 * its SHA-256 is stored, so a database leak does not leak tokens.
 *
 * A token either acts for a user (api_tokens.user_id: the API applies that
 * user's client isolation, and the dispatcher refuses the token while the
 * user is disabled) or for nobody: an operator token from the command
 * line, which sees every client.  Checking the user is the caller's job.
 */
#ifndef SB_TOKENS_H
#define SB_TOKENS_H

#include <stdint.h>

#include "store/store.h"

/* Create a token named name acting for user_id (0: an operator token).
 * Returns the token text (malloc'd, shown once), or NULL with *err
 * (malloc'd; e.g. the name exists). */
char *token_create(Store *s, const char *name, int64_t user_id, char **err);
/* Look up a presented token.  Returns the token's id (and its name in
 * name_out, 64 bytes, and the user it acts for in *user_id, 0 for an
 * operator token), 0 when unknown or revoked.  Marks it used. */
int64_t token_check(Store *s, const char *token, char name_out[64], int64_t *user_id);
/* Revoke the active token named name.  0, or -1 when there is none. */
int token_revoke(Store *s, const char *name);

/* A token as listed (never its value).  Times are unix ms. */
typedef struct {
	const char *name;
	int64_t created_at;
	int used;             /* 0: never used (last_used_at is 0) */
	int64_t last_used_at;
	int for_user;         /* 0: an operator token */
	const char *login;    /* the user it acts for; NULL for an operator token or a deleted user */
	int revoked;
	int user_disabled;    /* the user it acts for is disabled */
} TokenInfo;

/* Call fn for every token, by name.  The strings in *t are valid only
 * while fn runs.  Returns how many tokens were listed, or -1 when the
 * store failed part-way (those before were listed). */
int token_each(Store *s, void (*fn)(void *arg, const TokenInfo *t), void *arg);

#endif
