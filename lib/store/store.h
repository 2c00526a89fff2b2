/*
 * store.h - the SQLite store: connection setup, migrations, prepared
 * statements with named parameters, transactions and busy handling.
 *
 * Every SQL statement in the program goes through store_stmt(), which
 * prepares once per connection (cached by SQL text) and binds named
 * parameters from a list of SqlArg values.  No SQL is ever built from
 * user text.  Three kinds of process share one database in WAL mode.
 */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <sqlite3.h>
#include <stdint.h>

typedef struct Store Store;

/* A named parameter for store_stmt and friends. */
typedef struct {
	char kind;        /* 'i' integer, 'd' double, 's' text (NULL → NULL), 'n' NULL, 0 end */
	const char *name; /* ":name" as written in the SQL */
	int64_t i;
	double d;
	const char *s;
} SqlArg;

#define SQL_INT(n, v)  ((SqlArg){'i', (n), (int64_t)(v), 0, NULL})
#define SQL_REAL(n, v) ((SqlArg){'d', (n), 0, (double)(v), NULL})
#define SQL_TEXT(n, v) ((SqlArg){'s', (n), 0, 0, (v)})
#define SQL_NULL(n)    ((SqlArg){'n', (n), 0, 0, NULL})
#define SQL_END        ((SqlArg){0, NULL, 0, 0, NULL})

enum { STORE_READONLY = 1, STORE_NO_MIGRATE = 2, STORE_UNCHECKED = 4 /* neither migrate nor check */ };

/* Open (creating if needed) and migrate the database at path.  Returns the
 * store, or NULL with *err malloc'd (a message saying what to do). */
Store *store_open(const char *path, int flags, char **err);
void store_close(Store *s);
sqlite3 *store_db(Store *s);

/* Apply pending migrations; prints one line per applied migration to log
 * when log is non-NULL.  0 ok, -1 with *err. */
int store_migrate(Store *s, int verbose, char **err);
/* Highest migration this program knows, and the database's version. */
int store_schema_known(void);
int store_schema_version(Store *s);

/* Prepare (cached) and bind; arguments end with SQL_END.  The statement
 * stays owned by the store: step it, then call store_done().  Aborts on
 * SQL that does not compile (a bug). */
sqlite3_stmt *store_stmt(Store *s, const char *sql, ...);
sqlite3_stmt *store_vstmt(Store *s, const char *sql, va_list ap);
void store_done(sqlite3_stmt *st);

/* Run a statement to completion.  Returns SQLITE_OK, or the SQLite error
 * primary code (SQLITE_CONSTRAINT, SQLITE_BUSY...) with the message logged. */
int store_exec(Store *s, const char *sql, ...);
/* Number of rows changed by the last store_exec. */
int store_changes(Store *s);
int64_t store_last_id(Store *s);
/* First column of the first row as an integer (dflt when no row). */
int64_t store_int(Store *s, int64_t dflt, const char *sql, ...);
/* First column of the first row as malloc'd text, or NULL when no row. */
char *store_text(Store *s, const char *sql, ...);

/* Transactions: BEGIN IMMEDIATE (takes the write lock up front so a busy
 * database is waited for here, not half-way through).  0 ok, -1 error. */
int store_begin(Store *s);
/* A read transaction around a whole GET request: one snapshot and one
 * set of lock calls instead of one per statement.  store_begin() inside it
 * nests as a savepoint.  store_read_end() commits it (or rolls back). */
int store_read_begin(Store *s);
void store_read_end(Store *s);
int store_commit(Store *s);
void store_rollback(Store *s);

/* Copy the WAL back into the database for a process whose writers do not
 * checkpoint themselves (sqlite3_wal_hook replaced SQLite's automatic
 * checkpoint): a PASSIVE checkpoint beside the writers, then a second one
 * in the writers' queue (store_begin's lock) for the frames they added
 * meanwhile.  Once everything is copied the next writer starts the WAL
 * again from its beginning; without the second step, under writes that
 * never stop, the WAL would only grow.  Writers wait only for that second,
 * short step.  Returns SQLITE_OK, SQLITE_BUSY (a reader still needs old
 * frames: try again later) or the SQLite error. */
int store_checkpoint(Store *s);

/* Append an event in the current transaction.  details is a JSON object
 * text (NULL for {}).  Returns the event id, or -1. */
int64_t store_event(Store *s, const char *type, int64_t client_id, int64_t task_id,
		    int64_t message_id, const char *actor, const char *details);

/* Text of the last error on this connection. */
const char *store_errmsg(Store *s);

/* Column helpers that never return NULL for text ("" instead). */
const char *col_text(sqlite3_stmt *st, int i);

#endif
