/*
 * auth.c - users, passwords, sessions, rate limiting (see auth.h).  All SQL
 * for users, sessions, client_members and login_attempts lives here.
 */
#include "desk/auth.h"
#include "core/config.h"
#include "core/util.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void auth_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	if (nbytes > sizeof buf)
		sb_die("auth_random_hex: %zu bytes is too many", nbytes);
	if (RAND_bytes(buf, (int)nbytes) != 1)
		sb_die("no random bytes available from libcrypto");
	hex_encode(out, buf, nbytes);
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex_encode(out, md, 32);
}

char *auth_hash_password(const char *password, int iterations)
{
	unsigned char salt[16], dk[32];
	if (RAND_bytes(salt, sizeof salt) != 1)
		sb_die("no random bytes available from libcrypto");
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, iterations, EVP_sha256(),
			      sizeof dk, dk) != 1)
		sb_die("PBKDF2 failed");
	char s64[32], d64[48];
	EVP_EncodeBlock((unsigned char *)s64, salt, sizeof salt);
	EVP_EncodeBlock((unsigned char *)d64, dk, sizeof dk);
	return xasprintf("pbkdf2-sha256$%d$%s$%s", iterations, s64, d64);
}

/* Parse a stored hash; returns iterations or -1. */
static int parse_hash(const char *stored, unsigned char salt[64], int *saltlen, unsigned char dk[64], int *dklen)
{
	if (strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		return -1;
	const char *p = stored + 14;
	char *end;
	long iter = strtol(p, &end, 10);
	if (*end != '$' || iter < 1000 || iter > 100000000)
		return -1;
	const char *s = end + 1, *d = strchr(s, '$');
	if (!d)
		return -1;
	size_t sl = (size_t)(d - s), dl = strlen(d + 1);
	if (sl == 0 || sl > 80 || dl == 0 || dl > 80 || sl % 4 || dl % 4)
		return -1;
	unsigned char tmp[64];
	int n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)sl);
	if (n < 0)
		return -1;
	*saltlen = n - (s[sl - 1] == '=') - (s[sl - 2] == '=');
	memcpy(salt, tmp, (size_t)*saltlen);
	n = EVP_DecodeBlock(tmp, (const unsigned char *)d + 1, (int)dl);
	if (n < 0)
		return -1;
	*dklen = n - (d[dl] == '=') - (d[dl - 1] == '=');
	memcpy(dk, tmp, (size_t)*dklen);
	return (int)iter;
}

int auth_verify_password(const char *password, const char *stored)
{
	unsigned char salt[64], want[64], got[64];
	int sl, dl;
	int iter = parse_hash(stored, salt, &sl, want, &dl);
	if (iter < 0 || dl <= 0 || dl > 64)
		return 0;
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sl, iter, EVP_sha256(), dl, got) != 1)
		return 0;
	return ct_equal(got, (size_t)dl, want, (size_t)dl);
}

static int hash_iterations(const char *stored)
{
	unsigned char salt[64], dk[64];
	int sl, dl;
	return parse_hash(stored, salt, &sl, dk, &dl);
}

const char *auth_password_problem(const char *password)
{
	size_t n = strlen(password);
	if (n < 10)
		return "Use at least 10 characters.";
	if (n > 256)
		return "Use at most 256 characters.";
	return NULL;
}

static int valid_login(const char *login)
{
	size_t n = strlen(login);
	if (n < 2 || n > 32)
		return 0;
	for (const char *p = login; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-' && *p != '@')
			return 0;
	return 1;
}

int64_t auth_user_id(Store *s, const char *login)
{
	return store_int(s, 0, "SELECT id FROM users WHERE login = :l", SQL_TEXT(":l", login), SQL_END);
}

int64_t auth_user_count(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM users", SQL_END);
}

int auth_user_each(Store *s, void (*fn)(void *arg, const UserSummary *u), void *arg)
{
	Rows *r = store_query(s,
		"SELECT login, role, disabled_at IS NOT NULL, (SELECT count(*) FROM client_members m WHERE m.user_id = u.id) "
		"FROM users u ORDER BY login", SQL_END);
	int n = 0, rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		UserSummary u = {
			.login = rows_text(r, 0),
			.role = rows_text(r, 1),
			.disabled = rows_int(r, 2) != 0,
			.clients = rows_int(r, 3),
		};
		fn(arg, &u);
		n++;
	}
	rows_done(r);
	return rc == STORE_OK ? n : -1;
}

int auth_user_load(Store *s, int64_t id, User *u)
{
	memset(u, 0, sizeof *u);
	Rows *r = store_query(s,
		"SELECT id, login, name, role, must_change_password FROM users WHERE id = :id AND disabled_at IS NULL",
		SQL_INT(":id", id), SQL_END);
	int found = rows_next(r);
	if (found) {
		u->id = rows_int(r, 0);
		snprintf(u->login, sizeof u->login, "%s", rows_text(r, 1));
		snprintf(u->name, sizeof u->name, "%s", rows_text(r, 2));
		u->is_admin = strcmp(rows_text(r, 3), "admin") == 0;
		u->must_change_password = rows_int(r, 4);
	}
	rows_done(r);
	return found;
}

int64_t auth_user_add(Store *s, const char *login, const char *name, int admin, const char *password,
		      int must_change, const char *actor, char **err)
{
	*err = NULL;
	if (!valid_login(login)) {
		*err = xstrdup("A login is 2 to 32 letters, digits, '.', '_', '-' or '@'.");
		return -1;
	}
	const char *why = auth_password_problem(password);
	if (why) {
		*err = xstrdup(why);
		return -1;
	}
	char *hash = auth_hash_password(password, AUTH_PBKDF2_ITER);
	if (store_begin(s) != 0) {
		free(hash);
		*err = xstrdup("The database is busy; try again.");
		return -1;
	}
	int64_t now = now_ms();
	int rc = store_exec(s,
		"INSERT INTO users (login, name, role, password_hash, must_change_password, created_at, updated_at) "
		"VALUES (:l, :n, :r, :h, :m, :now, :now)",
		SQL_TEXT(":l", login), SQL_TEXT(":n", name ? name : ""), SQL_TEXT(":r", admin ? "admin" : "agent"),
		SQL_TEXT(":h", hash), SQL_INT(":m", must_change), SQL_INT(":now", now), SQL_END);
	free(hash);
	if (rc != STORE_OK) {
		store_rollback(s);
		*err = xasprintf(rc == STORE_CONSTRAINT ? "The login %s is taken." : "Could not create %s.", login);
		return -1;
	}
	int64_t id = store_last_id(s);
	json_t *d = json_pack("{s:s,s:s}", "login", login, "role", admin ? "admin" : "agent");
	char *dt = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	store_event(s, "user_created", 0, 0, 0, actor, dt);
	free(dt);
	if (store_commit(s) != 0) {
		*err = xstrdup("Could not commit.");
		return -1;
	}
	return id;
}

int auth_user_set_password(Store *s, int64_t user_id, const char *password, int must_change,
			   const char *actor, char **err)
{
	*err = NULL;
	const char *why = auth_password_problem(password);
	if (why) {
		*err = xstrdup(why);
		return -1;
	}
	char *hash = auth_hash_password(password, AUTH_PBKDF2_ITER);
	if (store_begin(s) != 0) {
		free(hash);
		*err = xstrdup("The database is busy; try again.");
		return -1;
	}
	store_exec(s, "UPDATE users SET password_hash = :h, must_change_password = :m, updated_at = :now WHERE id = :id",
		   SQL_TEXT(":h", hash), SQL_INT(":m", must_change), SQL_INT(":now", now_ms()),
		   SQL_INT(":id", user_id), SQL_END);
	free(hash);
	int changed = store_changes(s);
	if (changed) {
		/* A new password ends every other session. */
		store_exec(s, "DELETE FROM sessions WHERE user_id = :id", SQL_INT(":id", user_id), SQL_END);
		char d[64];
		snprintf(d, sizeof d, "{\"user_id\":%lld}", (long long)user_id);
		store_event(s, "user_password_changed", 0, 0, 0, actor, d);
	}
	if (store_commit(s) != 0 || !changed) {
		*err = xstrdup("No such user.");
		return -1;
	}
	return 0;
}

int auth_user_disable(Store *s, int64_t user_id, int disabled, const char *actor)
{
	if (store_begin(s) != 0)
		return -1;
	store_exec(s, "UPDATE users SET disabled_at = CASE WHEN :d THEN :now END, updated_at = :now WHERE id = :id",
		   SQL_INT(":d", disabled), SQL_INT(":now", now_ms()), SQL_INT(":id", user_id), SQL_END);
	int changed = store_changes(s);
	if (disabled)
		store_exec(s, "DELETE FROM sessions WHERE user_id = :id", SQL_INT(":id", user_id), SQL_END);
	char d[64];
	snprintf(d, sizeof d, "{\"user_id\":%lld}", (long long)user_id);
	store_event(s, disabled ? "user_disabled" : "user_enabled", 0, 0, 0, actor, d);
	if (store_commit(s) != 0 || !changed)
		return -1;
	return 0;
}

/* Failures of login from addr that count towards its lock: in the
 * window, and since that login last signed in from that address. */
#define PAIR_FAILS "FROM login_attempts WHERE login = :l AND addr = :a AND ok = 0 AND created_at > :since " \
	"AND created_at > coalesce((SELECT max(created_at) FROM login_attempts " \
	" WHERE login = :l AND addr = :a AND ok = 1), 0)"
#define ADDR_FAILS "FROM login_attempts WHERE addr = :a AND ok = 0 AND created_at > :since"

LoginResult auth_login(Store *s, const char *login, const char *password, const char *addr, User *user)
{
	int64_t now = now_ms();
	int64_t fails_login = store_int(s, 0, "SELECT count(*) " PAIR_FAILS, SQL_TEXT(":l", login), SQL_TEXT(":a", addr),
					SQL_INT(":since", now - AUTH_LOCK_WINDOW_MS), SQL_END);
	int64_t fails_addr = store_int(s, 0, "SELECT count(*) " ADDR_FAILS, SQL_TEXT(":a", addr),
				       SQL_INT(":since", now - AUTH_LOCK_WINDOW_MS), SQL_END);
	LoginResult r;
	char *stored = NULL;
	int64_t uid = 0;
	int disabled = 0;
	memset(user, 0, sizeof *user);
	if (fails_login >= AUTH_LOCK_PER_LOGIN || fails_addr >= AUTH_LOCK_PER_ADDR) {
		r = LOGIN_RATE_LIMITED;
	} else {
		Rows *rows = store_query(s,
			"SELECT id, login, name, role, password_hash, must_change_password, disabled_at IS NOT NULL "
			"FROM users WHERE login = :l",
			SQL_TEXT(":l", login), SQL_END);
		if (rows_next(rows)) {
			uid = rows_int(rows, 0);
			user->id = uid;
			snprintf(user->login, sizeof user->login, "%s", rows_text(rows, 1));
			snprintf(user->name, sizeof user->name, "%s", rows_text(rows, 2));
			user->is_admin = strcmp(rows_text(rows, 3), "admin") == 0;
			stored = xstrdup(rows_text(rows, 4));
			user->must_change_password = rows_int(rows, 5);
			disabled = rows_int(rows, 6);
		}
		rows_done(rows);
		/* Hash even for an unknown login so timing does not tell. */
		static char *dummy;
		if (!dummy)
			dummy = auth_hash_password("unknown-user-placeholder", AUTH_PBKDF2_ITER);
		int good = auth_verify_password(password, stored ? stored : dummy);
		if (!good || !uid)
			r = LOGIN_BAD;
		else if (disabled)
			r = LOGIN_DISABLED;
		else
			r = LOGIN_OK;
	}
	if (store_begin(s) == 0) {
		store_exec(s, "INSERT INTO login_attempts (login, addr, ok, created_at) VALUES (:l, :a, :ok, :now)",
			   SQL_TEXT(":l", login), SQL_TEXT(":a", addr), SQL_INT(":ok", r == LOGIN_OK),
			   SQL_INT(":now", now), SQL_END);
		store_exec(s, "DELETE FROM login_attempts WHERE created_at < :old", SQL_INT(":old", now - 86400000),
			   SQL_END);
		if (r == LOGIN_OK && stored && hash_iterations(stored) < AUTH_PBKDF2_ITER) {
			char *h = auth_hash_password(password, AUTH_PBKDF2_ITER);
			store_exec(s, "UPDATE users SET password_hash = :h WHERE id = :id", SQL_TEXT(":h", h),
				   SQL_INT(":id", uid), SQL_END);
			free(h);
		}
		store_commit(s);
	}
	free(stored);
	if (r != LOGIN_OK)
		memset(user, 0, sizeof *user);
	return r;
}

size_t auth_login_locks(Store *s, const char *login, LoginLock *out, size_t max)
{
	int64_t since = now_ms() - AUTH_LOCK_WINDOW_MS;
	/* One row per address with enough counted failures; the last success
	 * from that address is looked up through the address index (+b.login),
	 * which holds few rows per address even when many addresses try one
	 * login. */
	Rows *r = store_query(s,
		"SELECT a.addr, count(*) FROM login_attempts a WHERE a.login = :l AND a.ok = 0 AND a.created_at > :since "
		"AND a.created_at > coalesce((SELECT max(b.created_at) FROM login_attempts b "
		" WHERE b.addr = a.addr AND +b.login = a.login AND b.ok = 1), 0) "
		"GROUP BY a.addr HAVING count(*) >= :limit ORDER BY max(a.created_at) DESC, a.addr LIMIT :max",
		SQL_TEXT(":l", login), SQL_INT(":since", since), SQL_INT(":limit", AUTH_LOCK_PER_LOGIN),
		SQL_INT(":max", (int64_t)max), SQL_END);
	size_t n = 0;
	while (n < max && rows_next(r)) {
		snprintf(out[n].addr, sizeof out[n].addr, "%s", rows_text(r, 0));
		out[n].failures = rows_int(r, 1);
		n++;
	}
	rows_done(r);
	for (size_t i = 0; i < n; i++) {
		/* It ends when the limit-th newest failure leaves the window. */
		out[i].until = store_int(s, 0, "SELECT created_at " PAIR_FAILS " ORDER BY created_at DESC LIMIT 1 OFFSET :nth",
					 SQL_TEXT(":l", login), SQL_TEXT(":a", out[i].addr), SQL_INT(":since", since),
					 SQL_INT(":nth", AUTH_LOCK_PER_LOGIN - 1), SQL_END) + AUTH_LOCK_WINDOW_MS;
	}
	return n;
}

size_t auth_addr_locks(Store *s, LoginLock *out, size_t max)
{
	int64_t since = now_ms() - AUTH_LOCK_WINDOW_MS;
	Rows *r = store_query(s,
		"SELECT addr, count(*) FROM login_attempts WHERE ok = 0 AND created_at > :since "
		"GROUP BY addr HAVING count(*) >= :limit ORDER BY 2 DESC, addr LIMIT :max",
		SQL_INT(":since", since), SQL_INT(":limit", AUTH_LOCK_PER_ADDR), SQL_INT(":max", (int64_t)max), SQL_END);
	size_t n = 0;
	while (n < max && rows_next(r)) {
		snprintf(out[n].addr, sizeof out[n].addr, "%s", rows_text(r, 0));
		out[n].failures = rows_int(r, 1);
		out[n].until = store_int(s, 0, "SELECT created_at " ADDR_FAILS " ORDER BY created_at DESC LIMIT 1 OFFSET :nth",
					 SQL_TEXT(":a", out[n].addr), SQL_INT(":since", since),
					 SQL_INT(":nth", AUTH_LOCK_PER_ADDR - 1), SQL_END) + AUTH_LOCK_WINDOW_MS;
		n++;
	}
	rows_done(r);
	return n;
}

int64_t auth_login_lock_clear(Store *s, const char *login, const char *addr, const char *actor)
{
	if (store_begin(s) != 0)
		return -1;
	if (store_exec(s,
		"DELETE FROM login_attempts WHERE ok = 0 AND (:l IS NULL OR login = :l) AND (:a IS NULL OR addr = :a)",
		SQL_TEXT(":l", login), SQL_TEXT(":a", addr), SQL_END) != STORE_OK) {
		store_rollback(s);
		return -1;
	}
	int64_t n = store_changes(s);
	if (n > 0) {
		json_t *d = json_pack("{s:o,s:o,s:I}", "login", login ? json_string(login) : json_null(), "addr",
				      addr ? json_string(addr) : json_null(), "attempts", (json_int_t)n);
		char *dt = json_dumps(d, JSON_COMPACT);
		json_decref(d);
		int64_t ev = store_event(s, "login_lock_cleared", 0, 0, 0, actor, dt ? dt : "{}");
		free(dt);
		if (ev < 0) {
			store_rollback(s);
			return -1;
		}
	}
	if (store_commit(s) != 0)
		return -1;
	return n;
}

static int64_t idle_ms(void)
{
	return config_int("SESSION_IDLE_MINUTES") * 60000;
}

char *auth_session_create(Store *s, int64_t user_id, const char *addr, const char *user_agent,
			  char csrf_out[65])
{
	char id[65], h[65];
	auth_random_hex(id, 32);
	auth_random_hex(csrf_out, 32);
	sha256_hex(id, h);
	int64_t now = now_ms();
	store_exec(s,
		"INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, addr, user_agent) "
		"VALUES (:h, :u, :csrf, :now, :now, :exp, :addr, :ua)",
		SQL_TEXT(":h", h), SQL_INT(":u", user_id), SQL_TEXT(":csrf", csrf_out), SQL_INT(":now", now),
		SQL_INT(":exp", now + config_int("SESSION_MAX_HOURS") * 3600000), SQL_TEXT(":addr", addr),
		SQL_TEXT(":ua", user_agent ? user_agent : ""), SQL_END);
	store_exec(s, "DELETE FROM sessions WHERE expires_at < :now OR last_seen_at < :idle",
		   SQL_INT(":now", now), SQL_INT(":idle", now - idle_ms()), SQL_END);
	return xstrdup(id);
}

int auth_session_check(Store *s, const char *cookie, User *user, char csrf_out[65])
{
	memset(user, 0, sizeof *user);
	if (!cookie || strlen(cookie) != 64)
		return 0;
	char h[65];
	sha256_hex(cookie, h);
	int64_t now = now_ms();
	Rows *r = store_query(s,
		"SELECT u.id, u.login, u.name, u.role, u.must_change_password, s.csrf_token, s.last_seen_at, s.expires_at "
		"FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = :h AND u.disabled_at IS NULL",
		SQL_TEXT(":h", h), SQL_END);
	int ok = 0;
	int64_t last = 0;
	if (rows_next(r)) {
		last = rows_int(r, 6);
		int64_t exp = rows_int(r, 7);
		if (exp > now && last > now - idle_ms()) {
			user->id = rows_int(r, 0);
			snprintf(user->login, sizeof user->login, "%s", rows_text(r, 1));
			snprintf(user->name, sizeof user->name, "%s", rows_text(r, 2));
			user->is_admin = strcmp(rows_text(r, 3), "admin") == 0;
			user->must_change_password = rows_int(r, 4);
			snprintf(csrf_out, 65, "%s", rows_text(r, 5));
			ok = 1;
		}
	}
	rows_done(r);
	if (!ok) {
		store_exec(s, "DELETE FROM sessions WHERE id_hash = :h", SQL_TEXT(":h", h), SQL_END);
		return 0;
	}
	/* Refresh the idle timer at most once a minute: one write, not one per page. */
	if (now - last > 60000)
		store_exec(s, "UPDATE sessions SET last_seen_at = :now WHERE id_hash = :h", SQL_INT(":now", now),
			   SQL_TEXT(":h", h), SQL_END);
	return 1;
}

void auth_session_delete(Store *s, const char *cookie)
{
	if (!cookie)
		return;
	char h[65];
	sha256_hex(cookie, h);
	store_exec(s, "DELETE FROM sessions WHERE id_hash = :h", SQL_TEXT(":h", h), SQL_END);
}

void auth_sessions_delete_user(Store *s, int64_t user_id)
{
	store_exec(s, "DELETE FROM sessions WHERE user_id = :u", SQL_INT(":u", user_id), SQL_END);
}

int auth_sees_client(Store *s, const User *u, int64_t client_id)
{
	if (u->is_admin)
		return auth_client_exists(s, client_id);
	return store_int(s, 0, "SELECT count(*) FROM client_members WHERE user_id = :u AND client_id = :c",
			 SQL_INT(":u", u->id), SQL_INT(":c", client_id), SQL_END) > 0;
}

int auth_client_exists(Store *s, int64_t client_id)
{
	return store_int(s, 0, "SELECT count(*) FROM clients WHERE id = :c", SQL_INT(":c", client_id), SQL_END) > 0;
}

int auth_attach(Store *s, int64_t user_id, int64_t client_id, int attach, const char *actor)
{
	if (store_begin(s) != 0)
		return -1;
	if (attach)
		store_exec(s, "INSERT OR IGNORE INTO client_members (user_id, client_id, created_at) VALUES (:u, :c, :now)",
			   SQL_INT(":u", user_id), SQL_INT(":c", client_id), SQL_INT(":now", now_ms()), SQL_END);
	else
		store_exec(s, "DELETE FROM client_members WHERE user_id = :u AND client_id = :c", SQL_INT(":u", user_id),
			   SQL_INT(":c", client_id), SQL_END);
	int changed = store_changes(s);
	if (changed) {
		char d[96];
		snprintf(d, sizeof d, "{\"user_id\":%lld}", (long long)user_id);
		store_event(s, attach ? "member_added" : "member_removed", client_id, 0, 0, actor, d);
	}
	return store_commit(s) == 0 ? 0 : -1;
}
