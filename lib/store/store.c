/*
 * store.c - SQLite connection, migrations and statement helpers.
 *
 * Migrations are compiled into the program (generated from migrations/ by
 * the build), so a binary always knows exactly which schema it speaks.
 * Each is applied in its own transaction and recorded in
 * schema_migrations with a SHA-256 checksum; an edited applied migration or
 * a newer database stops the program with a message that says what to do.
 *
 * Durability: WAL with synchronous=FULL by default, so a committed
 * transaction is on disk (fsync of the WAL) before COMMIT returns.  The
 * FastCGI processes share that fsync among the inbound webhooks waiting at
 * the same time (a group commit, fcgi/serve.c) and checkpoint in a thread
 * of their own (store_checkpoint).
 *
 * Busy handling: SQLite's default handler sleeps up to 100 ms between
 * retries; with several FastCGI processes writing at once that shows up as
 * tail latency.  Ours retries after short randomised sleeps (50 µs growing
 * to 2 ms) for up to 10 s.
 */
#include "store/store.h"
#include "core/config.h"
#include "core/util.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct {
	const char *name;
	const char *sql;
} Migration;
extern const Migration sb_migrations[];
extern const size_t sb_migrations_count;

typedef struct CachedStmt {
	const char *sql; /* the caller's string literal, compared by pointer then text */
	sqlite3_stmt *st;
	struct CachedStmt *next;
} CachedStmt;

struct Store {
	sqlite3 *db;
	int lockfd;  /* writer queue (flock), -1 when read-only */
	int nested;  /* store_begin inside an open transaction: a savepoint */
	CachedStmt *buckets[256];
	int changes;
	unsigned rng;
	void *hook; /* CommitHook of store_on_commit */
};

static int busy_handler(void *arg, int count)
{
	Store *s = arg;
	/* Roughly 10 s in total: sleeps grow from 50 µs to 2 ms with jitter. */
	if (count > 6000)
		return 0;
	long base = count < 6 ? 50L << count : 2000;
	s->rng = s->rng * 1103515245u + 12345u;
	long us = base / 2 + (long)(s->rng % (unsigned)(base / 2 + 1));
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
	return 1;
}

sqlite3 *store_db(Store *s)
{
	return s->db;
}

const char *store_errmsg(Store *s)
{
	return sqlite3_errmsg(s->db);
}

static unsigned hash_ptr(const char *sql)
{
	uintptr_t p = (uintptr_t)sql;
	return (unsigned)((p >> 3) ^ (p >> 11)) & 255u;
}

static int store_code(int rc);

/* The cached statement of sql on this connection, prepared on first use,
 * reset and without bindings. */
static sqlite3_stmt *cached(Store *s, const char *sql)
{
	unsigned h = hash_ptr(sql);
	CachedStmt *c;
	for (c = s->buckets[h]; c; c = c->next)
		if (c->sql == sql)
			break;
	if (!c) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
			sb_die("SQL does not compile: %s\n  in: %s", sqlite3_errmsg(s->db), sql);
		c = xmalloc(sizeof *c);
		c->sql = sql;
		c->st = st;
		c->next = s->buckets[h];
		s->buckets[h] = c;
	}
	sqlite3_reset(c->st);
	sqlite3_clear_bindings(c->st);
	return c->st;
}

/* Bind a to its named parameter.  A name the SQL lacks is a bug (abort)
 * when strict, else the argument is skipped. */
static void bind_arg(sqlite3_stmt *st, const char *sql, const SqlArg *a, int strict)
{
	int idx = sqlite3_bind_parameter_index(st, a->name);
	if (idx == 0) {
		if (strict)
			sb_die("SQL has no parameter %s: %s", a->name, sql);
		return;
	}
	switch (a->kind) {
	case 'i': sqlite3_bind_int64(st, idx, a->i); break;
	case 'd': sqlite3_bind_double(st, idx, a->d); break;
	case 's':
		if (a->s)
			sqlite3_bind_text(st, idx, a->s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, idx);
		break;
	default: sqlite3_bind_null(st, idx); break;
	}
}

sqlite3_stmt *store_vstmt(Store *s, const char *sql, va_list ap)
{
	sqlite3_stmt *st = cached(s, sql);
	for (;;) {
		SqlArg a = va_arg(ap, SqlArg);
		if (a.kind == 0)
			break;
		bind_arg(st, sql, &a, 1);
	}
	return st;
}

Rows *store_query_some(Store *s, const char *sql, const SqlArg *args)
{
	sqlite3_stmt *st = cached(s, sql);
	for (const SqlArg *a = args; a->kind; a++)
		bind_arg(st, sql, a, 0);
	return (Rows *)(void *)st;
}

sqlite3_stmt *store_stmt(Store *s, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	sqlite3_stmt *st = store_vstmt(s, sql, ap);
	va_end(ap);
	return st;
}

void store_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int store_exec(Store *s, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	sqlite3_stmt *st = store_vstmt(s, sql, ap);
	va_end(ap);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	s->changes = sqlite3_changes(s->db);
	if (rc != SQLITE_DONE) {
		int ext = sqlite3_extended_errcode(s->db);
		if ((ext & 0xff) != SQLITE_CONSTRAINT)
			fprintf(stderr, "switchboard: sql error %d: %s\n", ext, sqlite3_errmsg(s->db));
		store_done(st);
		return store_code(rc);
	}
	store_done(st);
	return SQLITE_OK;
}

int store_changes(Store *s)
{
	return s->changes;
}

int64_t store_last_id(Store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

int64_t store_int(Store *s, int64_t dflt, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	sqlite3_stmt *st = store_vstmt(s, sql, ap);
	va_end(ap);
	int64_t v = dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	store_done(st);
	return v;
}

char *store_text(Store *s, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	sqlite3_stmt *st = store_vstmt(s, sql, ap);
	va_end(ap);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	store_done(st);
	return v;
}

const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* ---- rows ---- */

/* A Rows is the cached sqlite3_stmt itself: no allocation per query. */
static sqlite3_stmt *ST(Rows *r)
{
	return (sqlite3_stmt *)(void *)r;
}

Rows *store_vquery(Store *s, const char *sql, va_list ap)
{
	return (Rows *)(void *)store_vstmt(s, sql, ap);
}

Rows *store_query(Store *s, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	Rows *r = store_vquery(s, sql, ap);
	va_end(ap);
	return r;
}

/* SQLite's primary code as one of the five STORE_ codes. */
static int store_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_DONE: return STORE_OK;
	case SQLITE_ROW: return STORE_ROW;
	case SQLITE_BUSY: case SQLITE_LOCKED: return STORE_BUSY;
	case SQLITE_CONSTRAINT: return STORE_CONSTRAINT;
	default: return STORE_ERROR;
	}
}

int rows_step(Rows *r)
{
	int rc = store_code(sqlite3_step(ST(r)));
	if (rc != STORE_ROW && rc != STORE_OK && rc != STORE_CONSTRAINT) {
		sqlite3 *db = sqlite3_db_handle(ST(r));
		fprintf(stderr, "switchboard: sql error %d: %s\n", sqlite3_extended_errcode(db),
			sqlite3_errmsg(db));
	}
	return rc;
}

int rows_next(Rows *r)
{
	return rows_step(r) == STORE_ROW;
}

int64_t rows_int(Rows *r, int col)
{
	return sqlite3_column_int64(ST(r), col);
}

double rows_real(Rows *r, int col)
{
	return sqlite3_column_double(ST(r), col);
}

const char *rows_text(Rows *r, int col)
{
	const unsigned char *t = sqlite3_column_text(ST(r), col);
	return t ? (const char *)t : "";
}

const char *rows_text_or_null(Rows *r, int col)
{
	return (const char *)sqlite3_column_text(ST(r), col);
}

const void *rows_blob(Rows *r, int col)
{
	return sqlite3_column_blob(ST(r), col);
}

size_t rows_bytes(Rows *r, int col)
{
	return (size_t)sqlite3_column_bytes(ST(r), col);
}

int rows_null(Rows *r, int col)
{
	return sqlite3_column_type(ST(r), col) == SQLITE_NULL;
}

int rows_type(Rows *r, int col)
{
	return sqlite3_column_type(ST(r), col); /* SQLITE_INTEGER..SQLITE_NULL are 1..5 */
}

int rows_columns(Rows *r)
{
	return sqlite3_column_count(ST(r));
}

const char *rows_name(Rows *r, int col)
{
	return sqlite3_column_name(ST(r), col);
}

void rows_done(Rows *r)
{
	store_done(ST(r));
}

int store_script(Store *s, const char *sql, int (*row)(void *arg, Rows *r), void *arg, char **err)
{
	*err = NULL;
	const char *p = sql;
	while (*p) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		if (sqlite3_prepare_v2(s->db, p, -1, &st, &tail) != SQLITE_OK) {
			*err = xstrdup(sqlite3_errmsg(s->db));
			return store_code(sqlite3_errcode(s->db));
		}
		p = tail;
		if (!st) /* whitespace or a comment */
			continue;
		int rc, stop = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (row && (stop = row(arg, (Rows *)(void *)st)) != 0)
				break;
		if (!stop && rc != SQLITE_DONE) {
			*err = xstrdup(sqlite3_errmsg(s->db));
			sqlite3_finalize(st);
			return store_code(rc) == STORE_OK ? STORE_ERROR : store_code(rc);
		}
		s->changes = sqlite3_changes(s->db);
		sqlite3_finalize(st);
		if (stop)
			break;
	}
	return STORE_OK;
}

int store_in_transaction(Store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

typedef struct {
	void (*fn)(void *arg, int log_pages);
	void *arg;
} CommitHook;

static int on_wal_commit(void *arg, sqlite3 *db, const char *dbname, int pages)
{
	(void)db;
	(void)dbname;
	CommitHook *h = arg;
	h->fn(h->arg, pages);
	return SQLITE_OK;
}

void store_on_commit(Store *s, void (*fn)(void *arg, int log_pages), void *arg)
{
	free(s->hook);
	s->hook = NULL;
	if (!fn) {
		sqlite3_wal_hook(s->db, NULL, NULL);
		return;
	}
	CommitHook *h = xmalloc(sizeof *h);
	h->fn = fn;
	h->arg = arg;
	s->hook = h;
	sqlite3_wal_hook(s->db, on_wal_commit, h);
}

/* Writers queue on an flock() of DB-writer.lock before BEGIN IMMEDIATE:
 * the kernel hands the lock to one waiter at a time, so waiting processes
 * sleep instead of polling SQLite's lock with the busy handler, and the
 * write lock is never idle between polls.  Measured: about a fifth more
 * webhook commits per second with several FastCGI processes. */
static void writer_lock(Store *s, int op)
{
	if (s->lockfd < 0)
		return;
	while (flock(s->lockfd, op) != 0 && errno == EINTR)
		;
}

int store_begin(Store *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		/* Inside a request's read transaction: nest as a savepoint. */
		if (store_exec(s, "SAVEPOINT sb_write", SQL_END) != SQLITE_OK)
			return -1;
		s->nested++;
		return 0;
	}
	writer_lock(s, LOCK_EX);
	if (store_exec(s, "BEGIN IMMEDIATE", SQL_END) != SQLITE_OK) {
		writer_lock(s, LOCK_UN);
		return -1;
	}
	return 0;
}

int store_commit(Store *s)
{
	if (s->nested) {
		s->nested--;
		return store_exec(s, "RELEASE sb_write", SQL_END) == SQLITE_OK ? 0 : -1;
	}
	if (store_exec(s, "COMMIT", SQL_END) != SQLITE_OK) {
		store_rollback(s);
		return -1;
	}
	writer_lock(s, LOCK_UN);
	return 0;
}

void store_rollback(Store *s)
{
	if (s->nested) {
		s->nested--;
		store_exec(s, "ROLLBACK TO sb_write", SQL_END);
		store_exec(s, "RELEASE sb_write", SQL_END);
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK", SQL_END);
	writer_lock(s, LOCK_UN);
}

int store_checkpoint(Store *s)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return store_code(rc);
	writer_lock(s, LOCK_EX);
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	writer_lock(s, LOCK_UN);
	if (rc == SQLITE_OK && done < log)
		rc = SQLITE_BUSY;
	return store_code(rc);
}

int store_read_begin(Store *s)
{
	return store_exec(s, "BEGIN", SQL_END) == SQLITE_OK ? 0 : -1;
}

void store_read_end(Store *s)
{
	while (s->nested)
		store_rollback(s);
	if (!sqlite3_get_autocommit(s->db) && store_exec(s, "COMMIT", SQL_END) != SQLITE_OK)
		store_exec(s, "ROLLBACK", SQL_END);
}

int64_t store_event(Store *s, const char *type, int64_t client_id, int64_t task_id,
		    int64_t message_id, const char *actor, const char *details)
{
	int rc = store_exec(s,
		"INSERT INTO events (event_type, client_id, task_id, message_id, actor, details, created_at) "
		"VALUES (:type, :client, :task, :msg, :actor, json(:details), :now)",
		SQL_TEXT(":type", type),
		client_id > 0 ? SQL_INT(":client", client_id) : SQL_NULL(":client"),
		task_id > 0 ? SQL_INT(":task", task_id) : SQL_NULL(":task"),
		message_id > 0 ? SQL_INT(":msg", message_id) : SQL_NULL(":msg"),
		SQL_TEXT(":actor", actor), SQL_TEXT(":details", details ? details : "{}"),
		SQL_INT(":now", now_ms()), SQL_END);
	return rc == SQLITE_OK ? store_last_id(s) : -1;
}

/* ---- migrations ---- */

static int migration_version(const char *name)
{
	return atoi(name);
}

/* The highest version compiled in (not their count: numbers taken by
 * work on other branches may leave gaps until those land). */
int store_schema_known(void)
{
	int known = 0;
	for (size_t i = 0; i < sb_migrations_count; i++)
		if (migration_version(sb_migrations[i].name) > known)
			known = migration_version(sb_migrations[i].name);
	return known;
}

static void sha256_hex(const char *text, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
	hex_encode(out, md, 32);
}

int store_schema_version(Store *s)
{
	return (int)store_int(s, 0, "SELECT max(version) FROM schema_migrations", SQL_END);
}

int store_migrate(Store *s, int verbose, char **err)
{
	*err = NULL;
	if (sqlite3_exec(s->db,
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		" version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		" checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot create schema_migrations: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	int known = store_schema_known();
	for (size_t i = 0; i < sb_migrations_count; i++) {
		const Migration *m = &sb_migrations[i];
		int version = migration_version(m->name);
		char sum[65];
		sha256_hex(m->sql, sum);
		if (store_begin(s) != 0) {
			*err = xasprintf("cannot lock the database to migrate: %s", store_errmsg(s));
			return -1;
		}
		char *recorded = store_text(s, "SELECT checksum FROM schema_migrations WHERE version = :v",
					    SQL_INT(":v", version), SQL_END);
		if (recorded) {
			int same = strcmp(recorded, sum) == 0;
			free(recorded);
			store_rollback(s);
			if (!same) {
				*err = xasprintf("migration %s was changed after it was applied to this database "
						 "(checksum differs). Restore the original file and put the change "
						 "in a new migration.", m->name);
				return -1;
			}
			continue;
		}
		char *emsg = NULL;
		if (sqlite3_exec(s->db, m->sql, NULL, NULL, &emsg) != SQLITE_OK) {
			*err = xasprintf("migration %s failed: %s (nothing from it was applied)", m->name,
					 emsg ? emsg : "unknown error");
			sqlite3_free(emsg);
			store_rollback(s);
			return -1;
		}
		store_exec(s, "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
			      "VALUES (:v, :name, :sum, :now)",
			   SQL_INT(":v", version), SQL_TEXT(":name", m->name), SQL_TEXT(":sum", sum),
			   SQL_INT(":now", now_ms()), SQL_END);
		if (store_commit(s) != 0) {
			*err = xasprintf("migration %s could not be committed: %s", m->name, store_errmsg(s));
			return -1;
		}
		if (verbose)
			fprintf(stderr, "switchboard: applied migration %s\n", m->name);
	}
	int have = store_schema_version(s);
	if (have > known) {
		char *name = store_text(s, "SELECT name FROM schema_migrations WHERE version = :v",
					SQL_INT(":v", have), SQL_END);
		*err = xasprintf("the database is at schema %d (%s) but this program knows only up to %d: "
				 "it was migrated by a newer Switchboard. Run that version, or restore a backup "
				 "taken before the upgrade.", have, name ? name : "?", known);
		free(name);
		return -1;
	}
	return 0;
}

static int check_version(Store *s, char **err)
{
	int known = store_schema_known();
	int have = store_schema_version(s);
	if (have != known) {
		*err = xasprintf("the database is at schema %d but this program needs %d; run "
				 "`switchboard migrate`", have, known);
		return -1;
	}
	return 0;
}

Store *store_open(const char *path, int flags, char **err)
{
	*err = NULL;
	Store *s = xcalloc(1, sizeof *s);
	s->lockfd = -1;
	s->rng = (unsigned)now_ms() ^ (unsigned)(uintptr_t)s;
	int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
					      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot open database %s: %s", path,
				 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_handler(s->db, busy_handler, s);
	if (!(flags & STORE_READONLY)) {
		char *lp = xasprintf("%s-writer.lock", path);
		s->lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		free(lp);
	}
	sqlite3_extended_result_codes(s->db, 1);
	const char *sync = strcmp(config_get("SWITCHBOARD_SYNC"), "normal") == 0 ? "NORMAL" : "FULL";
	char pragmas[256];
	snprintf(pragmas, sizeof pragmas,
		 "%sPRAGMA foreign_keys=ON; PRAGMA synchronous=%s; PRAGMA temp_store=MEMORY;",
		 (flags & STORE_READONLY) ? "" : "PRAGMA journal_mode=WAL; ", sync);
	char *emsg = NULL;
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &emsg) != SQLITE_OK) {
		*err = xasprintf("cannot configure database %s: %s", path, emsg ? emsg : "?");
		sqlite3_free(emsg);
		store_close(s);
		return NULL;
	}
	if (flags & STORE_UNCHECKED) {
		/* the caller migrates (switchboard migrate) */
	} else if (!(flags & (STORE_READONLY | STORE_NO_MIGRATE))) {
		if (store_migrate(s, 0, err) != 0) {
			store_close(s);
			return NULL;
		}
	} else if (check_version(s, err) != 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(Store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < ARRAY_LEN(s->buckets); i++) {
		CachedStmt *c = s->buckets[i];
		while (c) {
			CachedStmt *n = c->next;
			sqlite3_finalize(c->st);
			free(c);
			c = n;
		}
	}
	sqlite3_close(s->db);
	free(s->hook);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s);
}
