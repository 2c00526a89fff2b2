/*
 * test_once.c - done once, shown once, against a real (temporary) SQLite
 * store: form submission keys (claim, repeat, finish, release, pruning)
 * and one-time secrets (sealed, never in clear, opened once, only with
 * the cookie that sealed them and for their subject).  The HTTP side is
 * tested end to end (tests/integration/t0615-form-replay.sh,
 * tests/browser/t0730-forms.t).
 */
#include "desk/form_keys.h"
#include "desk/secrets.h"
#include "tap.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char COOKIE_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char COOKIE_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static void test_form_keys(Store *s)
{
	char *loc = NULL;
	int64_t at = 0, now = now_ms();
	is_int(formkey_claim(s, "k1", 1, "/tasks/1/reply", now, &loc, &at), FORMKEY_CLAIMED, "a new key is claimed");
	is_int(formkey_claim(s, "k1", 1, "/tasks/1/reply", now + 5, &loc, &at), FORMKEY_PENDING,
	       "the same key while the first runs: pending");
	ok(at == now, "with the time of the first claim");
	ok(loc == NULL, "and no location");
	is_int(formkey_finish(s, "k1", "/tasks/1?done=replied#m3"), 0, "finish records the location");
	is_int(formkey_claim(s, "k1", 1, "/tasks/1/reply", now + 10, &loc, &at), FORMKEY_DONE, "then: done");
	is_str(loc, "/tasks/1?done=replied#m3", "where the first went");
	free(loc);
	loc = NULL;
	is_int(formkey_claim(s, "k2", 1, "/clients", now, &loc, &at), FORMKEY_CLAIMED, "another key is its own");
	is_int(formkey_release(s, "k2"), 0, "a refused submission releases its key");
	is_int(formkey_claim(s, "k2", 1, "/clients", now, &loc, &at), FORMKEY_CLAIMED, "which can be claimed again");
	is_int(formkey_finish(s, "k2", ""), 0, "finished with a page (no location)");
	is_int(formkey_claim(s, "k2", 1, "/clients", now, &loc, &at), FORMKEY_DONE, "done");
	is_str(loc, "", "with an empty location");
	free(loc);
	loc = NULL;
	/* A week later the old submissions are pruned by the next claim. */
	is_int(formkey_claim(s, "k3", 1, "/rules", now + FORMKEY_KEEP_MS + 1000, &loc, &at), FORMKEY_CLAIMED,
	       "a claim a week later");
	is_int((int)store_int(s, -1, "SELECT count(*) FROM form_submissions WHERE key IN ('k1', 'k2')", SQL_END), 0,
	       "pruned the submissions older than a week");
}

static void test_secrets(Store *s)
{
	const char *pw = "0123456789abcdef01234567";
	int64_t id = secret_seal(s, COOKIE_A, SECRET_USER_PASSWORD, 7, pw);
	ok(id > 0, "a secret is sealed");
	char *sealed = store_text(s, "SELECT sealed FROM shown_once WHERE id = :id", SQL_INT(":id", id), SQL_END);
	ok(sealed && !strstr(sealed, pw), "and not stored in clear");
	char hex[64];
	hex_encode(hex, (const unsigned char *)pw, strlen(pw));
	ok(sealed && !strstr(sealed, hex), "not even as hex");
	free(sealed);
	char *out = NULL;
	is_int(secret_open(s, COOKIE_B, id, SECRET_USER_PASSWORD, 7, &out), 0, "another session cannot open it");
	is_int(secret_open(s, COOKIE_A, id, SECRET_USER_PASSWORD, 8, &out), 0, "nor is it shown for another user");
	is_int(secret_open(s, COOKIE_A, id, SECRET_SHARE_LINK, 7, &out), 0, "nor as another kind of secret");
	is_int(secret_open(s, COOKIE_A, id, SECRET_USER_PASSWORD, 7, &out), 1, "its session opens it");
	is_str(out, pw, "the secret as sealed");
	free(out);
	out = NULL;
	is_int(secret_open(s, COOKIE_A, id, SECRET_USER_PASSWORD, 7, &out), 0, "once: the second time there is nothing");
	ok(out == NULL, "and nothing is returned");
	is_int((int)store_int(s, -1, "SELECT count(*) FROM shown_once WHERE id = :id AND sealed IS NULL AND shown_at > 0",
			      SQL_INT(":id", id), SQL_END), 1, "the store keeps only that it was shown");
	/* Longer than one HMAC block, and two seals of one text differ. */
	const char *url = "http://127.0.0.1:8080/reports/share/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/";
	int64_t a = secret_seal(s, COOKIE_A, SECRET_SHARE_LINK, 3, url), b = secret_seal(s, COOKIE_A, SECRET_SHARE_LINK, 3, url);
	char *sa = store_text(s, "SELECT sealed FROM shown_once WHERE id = :id", SQL_INT(":id", a), SQL_END);
	char *sb = store_text(s, "SELECT sealed FROM shown_once WHERE id = :id", SQL_INT(":id", b), SQL_END);
	ok(sa && sb && strcmp(sa, sb) != 0, "the same secret sealed twice looks different");
	free(sa);
	free(sb);
	is_int(secret_open(s, COOKIE_A, b, SECRET_SHARE_LINK, 3, &out), 1, "a long secret opens");
	is_str(out, url, "whole");
	free(out);
	char big[SECRET_MAX + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	is_int((int)secret_seal(s, COOKIE_A, SECRET_SHARE_LINK, 3, big), -1, "a secret over SECRET_MAX is refused");
	is_int((int)secret_seal(s, "", SECRET_SHARE_LINK, 3, "x"), -1, "so is one without a session");
}

int main(void)
{
	char dir[] = "/tmp/sb-test-once.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *path = xasprintf("%s/test.db", dir);
	char *err = NULL;
	Store *s = store_open(path, 0, &err);
	ok(s != NULL, "a new store opens and migrates%s%s", err ? ": " : "", err ? err : "");
	if (!s)
		return done_testing();
	test_form_keys(s);
	test_secrets(s);
	store_close(s);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	free(path);
	return done_testing();
}
