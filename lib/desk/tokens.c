/*
 * tokens.c - API bearer tokens (see tokens.h).
 */
#include "desk/tokens.h"
#include "core/util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static void token_hash(const char *token, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
	hex_encode(out, md, 32);
}

char *token_create(Store *s, const char *name, int64_t user_id, char **err)
{
	*err = NULL;
	if (!*name || strlen(name) > 60) {
		*err = xstrdup("a token name is 1 to 60 characters");
		return NULL;
	}
	unsigned char rnd[32];
	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		*err = xstrdup("no random bytes available");
		return NULL;
	}
	char hex[65];
	hex_encode(hex, rnd, sizeof rnd);
	char *token = xasprintf("sb_%s", hex);
	char h[65];
	token_hash(token, h);
	int rc = store_exec(s, "INSERT INTO api_tokens (name, token_hash, user_id, created_at) VALUES (:n, :h, :u, :now)",
			    SQL_TEXT(":n", name), SQL_TEXT(":h", h),
			    user_id > 0 ? SQL_INT(":u", user_id) : SQL_NULL(":u"), SQL_INT(":now", now_ms()), SQL_END);
	if (rc != STORE_OK) {
		*err = xasprintf(rc == STORE_CONSTRAINT ? "a token named %s exists already" : "cannot store token %s", name);
		free(token);
		return NULL;
	}
	return token;
}

int64_t token_check(Store *s, const char *token, char name_out[64], int64_t *user_id)
{
	*user_id = 0;
	if (!token || strncmp(token, "sb_", 3) != 0 || strlen(token) != 67)
		return 0;
	char h[65];
	token_hash(token, h);
	Rows *r = store_query(s,
		"SELECT id, name, coalesce(user_id, 0), last_used_at FROM api_tokens WHERE token_hash = :h AND revoked_at IS NULL",
		SQL_TEXT(":h", h), SQL_END);
	int64_t id = 0, last = 0;
	if (rows_next(r)) {
		id = rows_int(r, 0);
		snprintf(name_out, 64, "%s", rows_text(r, 1));
		*user_id = rows_int(r, 2);
		last = rows_int(r, 3);
	}
	rows_done(r);
	if (id && now_ms() - last > 60000)
		store_exec(s, "UPDATE api_tokens SET last_used_at = :now WHERE id = :id", SQL_INT(":now", now_ms()),
			   SQL_INT(":id", id), SQL_END);
	return id;
}

int token_revoke(Store *s, const char *name)
{
	store_exec(s, "UPDATE api_tokens SET revoked_at = :now WHERE name = :n AND revoked_at IS NULL",
		   SQL_INT(":now", now_ms()), SQL_TEXT(":n", name), SQL_END);
	return store_changes(s) == 1 ? 0 : -1;
}

int token_each(Store *s, void (*fn)(void *arg, const TokenInfo *t), void *arg)
{
	Rows *r = store_query(s,
		"SELECT t.name, t.created_at, t.last_used_at, t.revoked_at, t.user_id, u.login, u.disabled_at "
		"FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.name",
		SQL_END);
	int n = 0, rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		TokenInfo t = {
			.name = rows_text(r, 0),
			.created_at = rows_int(r, 1),
			.used = !rows_null(r, 2),
			.last_used_at = rows_int(r, 2),
			.for_user = !rows_null(r, 4),
			.login = rows_text_or_null(r, 5),
			.revoked = !rows_null(r, 3),
			.user_disabled = !rows_null(r, 6),
		};
		fn(arg, &t);
		n++;
	}
	rows_done(r);
	return rc == STORE_OK ? n : -1;
}
