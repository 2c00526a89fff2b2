/*
 * secrets.h - one-time secrets shown once, to the session that made them.
 * Owns shown_once.
 *
 * A POST that makes a secret (a one-time password, a report share link)
 * seals it here and redirects; the page it redirects to opens it, which
 * shows it that one time and erases it.  The store never holds a secret in
 * clear: it is XORed with HMAC-SHA256(session cookie, nonce, block)
 * blocks, and the store keeps only the cookie's SHA-256, so neither the
 * database nor another session can read it.  No HTTP here.
 */
#ifndef SB_SECRETS_H
#define SB_SECRETS_H

#include <stdint.h>

#include "store/store.h"

#define SECRET_MAX 512 /* bytes of secret text */
#define SECRET_KEEP_MS (24LL * 3600 * 1000)

typedef enum { SECRET_USER_PASSWORD, SECRET_SHARE_LINK } SecretKind;

/* Seal secret (NUL-terminated, at most SECRET_MAX bytes) for the session
 * whose cookie value is cookie, about subject (the user or the share
 * link).  Works inside or outside a transaction.  Returns the id to put in
 * the redirect, or -1 when the store failed (logged) or the secret is too
 * long. */
int64_t secret_seal(Store *s, const char *cookie, SecretKind kind, int64_t subject, const char *secret);

/* Show a sealed secret once.  1: *out is the secret (malloc'd, the caller
 * frees) and the store no longer has it; 0: there is nothing to show
 * (already shown, made by another session, about another subject, or
 * gone); -1: the store failed (logged), try again.  Call it outside a
 * read transaction: it writes. */
int secret_open(Store *s, const char *cookie, int64_t id, SecretKind kind, int64_t subject, char **out);

#endif
