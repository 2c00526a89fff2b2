/*
 * secrets.c - one-time secrets (see secrets.h).  All SQL for shown_once
 * lives here.
 */
#include "desk/secrets.h"
#include "desk/auth.h"
#include "core/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>

static const char *kind_name(SecretKind k)
{
	return k == SECRET_USER_PASSWORD ? "user_password" : "share_link";
}

static void session_hash(const char *cookie, char out[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)cookie, strlen(cookie), d);
	hex_encode(out, d, sizeof d);
}

/* XOR n bytes of in with the key stream of (cookie, nonce) into out. */
static void keystream_xor(const char *cookie, const char *nonce, const unsigned char *in, unsigned char *out,
			  size_t n)
{
	for (size_t off = 0, block = 0; off < n; block++) {
		unsigned char msg[128], ks[EVP_MAX_MD_SIZE];
		unsigned int kl = 0;
		int ml = snprintf((char *)msg, sizeof msg, "switchboard shown-once v1|%s|%zu", nonce, block);
		if (!HMAC(EVP_sha256(), cookie, (int)strlen(cookie), msg, (size_t)ml, ks, &kl) || kl < 32)
			sb_die("HMAC-SHA256 failed");
		for (unsigned i = 0; i < kl && off < n; i++, off++)
			out[off] = in[off] ^ ks[i];
		OPENSSL_cleanse(ks, sizeof ks);
	}
}

int64_t secret_seal(Store *s, const char *cookie, SecretKind kind, int64_t subject, const char *secret)
{
	size_t n = strlen(secret);
	if (!cookie || !*cookie || n > SECRET_MAX)
		return -1;
	char h[65], nonce[33], sealed[SECRET_MAX * 2 + 1];
	unsigned char ct[SECRET_MAX];
	session_hash(cookie, h);
	auth_random_hex(nonce, 16);
	keystream_xor(cookie, nonce, (const unsigned char *)secret, ct, n);
	hex_encode(sealed, ct, n);
	int64_t now = now_ms();
	store_exec(s, "DELETE FROM shown_once WHERE created_at < :old", SQL_INT(":old", now - SECRET_KEEP_MS), SQL_END);
	if (store_exec(s,
		"INSERT INTO shown_once (session_hash, kind, subject_id, nonce, sealed, created_at) "
		"VALUES (:h, :kind, :subject, :nonce, :sealed, :now)",
		SQL_TEXT(":h", h), SQL_TEXT(":kind", kind_name(kind)), SQL_INT(":subject", subject),
		SQL_TEXT(":nonce", nonce), SQL_TEXT(":sealed", sealed), SQL_INT(":now", now), SQL_END) != STORE_OK)
		return -1;
	return store_last_id(s);
}

static int unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int secret_open(Store *s, const char *cookie, int64_t id, SecretKind kind, int64_t subject, char **out)
{
	*out = NULL;
	if (!cookie || !*cookie || id <= 0)
		return 0;
	char h[65];
	session_hash(cookie, h);
	if (store_begin(s) != 0)
		return -1;
	/* Read and erased in one write transaction: two loads of the page at
	 * the same time cannot both show it. */
	Rows *r = store_query(s,
		"SELECT nonce, sealed FROM shown_once "
		"WHERE id = :id AND session_hash = :h AND kind = :kind AND subject_id = :subject AND sealed IS NOT NULL",
		SQL_INT(":id", id), SQL_TEXT(":h", h), SQL_TEXT(":kind", kind_name(kind)), SQL_INT(":subject", subject),
		SQL_END);
	int rc = rows_step(r);
	char nonce[65] = "";
	unsigned char ct[SECRET_MAX];
	size_t n = 0;
	int bad = 0, found = rc == STORE_ROW;
	if (found) {
		snprintf(nonce, sizeof nonce, "%s", rows_text(r, 0));
		const char *hex = rows_text(r, 1);
		size_t hl = strlen(hex);
		bad = hl % 2 != 0 || hl / 2 > SECRET_MAX;
		for (size_t i = 0; !bad && i < hl; i += 2) {
			int hi = unhex(hex[i]), lo = unhex(hex[i + 1]);
			bad = hi < 0 || lo < 0;
			ct[n++] = (unsigned char)(hi << 4 | lo);
		}
	}
	rows_done(r);
	if (rc != STORE_ROW && rc != STORE_OK) {
		store_rollback(s);
		return -1;
	}
	if (found && store_exec(s, "UPDATE shown_once SET sealed = NULL, shown_at = :now WHERE id = :id",
				SQL_INT(":now", now_ms()), SQL_INT(":id", id), SQL_END) != STORE_OK) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) != 0)
		return -1;
	if (!found || bad)
		return 0;
	char *text = xmalloc(n + 1);
	keystream_xor(cookie, nonce, ct, (unsigned char *)text, n);
	text[n] = '\0';
	OPENSSL_cleanse(ct, sizeof ct);
	*out = text;
	return 1;
}
