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
#include <stdarg.h>
#include <stddef.h>
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

/*
 * Result codes of every store call.  The values are SQLite's primary
 * codes, so the SQLite backend passes them through; any other backend
 * maps its errors onto these five.
 */
enum {
	STORE_OK = 0,          /* done (and, from rows_step: no more rows) */
	STORE_ERROR = 1,       /* anything else: logged by the store */
	STORE_BUSY = 5,        /* the database stayed locked past the busy timeout */
	STORE_CONSTRAINT = 19, /* a UNIQUE, CHECK, NOT NULL or foreign key refused the change */
	STORE_ROW = 100,       /* rows_step: a row is ready */
};

/* A column's type in the current row (rows_type). */
enum { STORE_T_INT = 1, STORE_T_REAL = 2, STORE_T_TEXT = 3, STORE_T_BLOB = 4, STORE_T_NULL = 5 };

/* A running query.  Opaque: callers read rows only through rows_*(). */
typedef struct Rows Rows;

/* Start a query: prepared once per connection (the cache is keyed by the
 * SQL string's address, so sql must be a string literal or otherwise
 * live as long as the store), parameters bound by name, ending with
 * SQL_END.  Aborts on SQL that does not compile (a bug).  Read the rows
 * with rows_step/rows_next, then always call rows_done(). */
Rows *store_query(Store *s, const char *sql, ...);
Rows *store_vquery(Store *s, const char *sql, va_list ap);

/* As store_query, with the parameters in an array ending with SQL_END,
 * of which those the SQL does not name are skipped: for a caller that
 * picks one of several SQL texts and fills one argument list for all. */
Rows *store_query_some(Store *s, const char *sql, const SqlArg *args);

/* Next row: STORE_ROW, STORE_OK when there are no more, or an error code
 * (logged, except STORE_CONSTRAINT which callers usually expect). */
int rows_step(Rows *r);
/* rows_step(r) == STORE_ROW. */
int rows_next(Rows *r);
/* Columns of the current row, counted from 0. */
int64_t rows_int(Rows *r, int col);
double rows_real(Rows *r, int col);
/* Text of a column, never NULL ("" for NULL); valid until the next
 * rows_step or rows_done. */
const char *rows_text(Rows *r, int col);
/* As rows_text, but NULL for a NULL column. */
const char *rows_text_or_null(Rows *r, int col);
const void *rows_blob(Rows *r, int col);
size_t rows_bytes(Rows *r, int col);
int rows_null(Rows *r, int col);
int rows_type(Rows *r, int col);
int rows_columns(Rows *r);
const char *rows_name(Rows *r, int col);
/* Finish the query (reset it for the next use; the store keeps it). */
void rows_done(Rows *r);

/* Run statements given as text at run time (switchboard sql, and tools
 * that take a script): not cached, may hold several statements.  row is
 * called for every row of every statement (NULL: rows are skipped); a
 * nonzero return from it stops the script.  STORE_OK, or an error code
 * with *err malloc'd. */
int store_script(Store *s, const char *sql, int (*row)(void *arg, Rows *r), void *arg, char **err);

/* True while a transaction (a read or a write one) is open. */
int store_in_transaction(Store *s);

/* Called after every commit on this connection with the size of the
 * backend's write-ahead log in pages (the WAL for SQLite): the FastCGI
 * processes use it to hand checkpoints to a thread of their own. */
void store_on_commit(Store *s, void (*fn)(void *arg, int log_pages), void *arg);

/* ---- the older names, kept while callers move to the ones above ---- */

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
