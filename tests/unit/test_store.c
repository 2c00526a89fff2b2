/*
 * test_store.c - the store interface against a real (temporary) SQLite
 * database: rows and their column types, the five result codes
 * (a constraint is STORE_CONSTRAINT, not an abort), transactions and
 * savepoints, scripts given as text, the commit hook, and argument
 * arrays of which the SQL uses only some (store_query_some).
 */
#include "store/store.h"
#include "tap.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_rows(Store *s)
{
	is_int(store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL, note TEXT)",
			  SQL_END), STORE_OK, "a table is created");
	is_int(store_exec(s, "INSERT INTO t (name, score, note) VALUES (:n, :s, :note)", SQL_TEXT(":n", "ann"),
			  SQL_REAL(":s", 2.5), SQL_TEXT(":note", NULL), SQL_END), STORE_OK, "a row is inserted");
	is_int(store_last_id(s), 1, "its id");
	is_int(store_exec(s, "INSERT INTO t (name, score) VALUES (:n, :s)", SQL_TEXT(":n", "bob"), SQL_INT(":s", 7),
			  SQL_END), STORE_OK, "another");
	is_int(store_exec(s, "INSERT INTO t (name) VALUES (:n)", SQL_TEXT(":n", "ann"), SQL_END), STORE_CONSTRAINT,
	       "a duplicate is STORE_CONSTRAINT");
	is_int(store_int(s, -1, "SELECT count(*) FROM t", SQL_END), 2, "and changed nothing");

	Rows *r = store_query(s, "SELECT id, name, score, note FROM t ORDER BY id", SQL_END);
	is_int(rows_columns(r), 4, "four columns");
	is_str(rows_name(r, 1), "name", "named as in the SQL");
	is_int(rows_step(r), STORE_ROW, "a first row");
	is_int(rows_int(r, 0), 1, "integer column");
	is_str(rows_text(r, 1), "ann", "text column");
	ok(rows_real(r, 2) == 2.5, "real column");
	ok(rows_null(r, 3), "a NULL column is null");
	is_str(rows_text(r, 3), "", "rows_text of NULL is empty");
	ok(rows_text_or_null(r, 3) == NULL, "rows_text_or_null of NULL is NULL");
	is_int(rows_type(r, 0), STORE_T_INT, "type int");
	is_int(rows_type(r, 1), STORE_T_TEXT, "type text");
	is_int(rows_type(r, 2), STORE_T_REAL, "type real");
	is_int(rows_type(r, 3), STORE_T_NULL, "type null");
	is_int(rows_bytes(r, 1), 3, "bytes of a text");
	ok(rows_next(r), "a second row");
	is_str(rows_text(r, 1), "bob", "in order");
	is_int(rows_step(r), STORE_OK, "then no more rows: STORE_OK");
	rows_done(r);

	r = store_query(s, "INSERT INTO t (name) VALUES (:n) RETURNING id", SQL_TEXT(":n", "bob"), SQL_END);
	is_int(rows_step(r), STORE_CONSTRAINT, "a refused INSERT ... RETURNING steps to STORE_CONSTRAINT");
	rows_done(r);
	r = store_query(s, "SELECT name FROM t WHERE id = :id", SQL_INT(":id", 2), SQL_END);
	ok(rows_next(r) && strcmp(rows_text(r, 0), "bob") == 0, "the same statement is reused after done");
	rows_done(r);
	r = store_query(s, "SELECT name FROM t WHERE id = :id", SQL_INT(":id", 1), SQL_END);
	ok(rows_next(r) && strcmp(rows_text(r, 0), "ann") == 0, "with new parameters");
	rows_done(r);
}

static void test_transactions(Store *s)
{
	ok(!store_in_transaction(s), "no transaction at first");
	is_int(store_begin(s), 0, "begin");
	ok(store_in_transaction(s), "in a transaction");
	store_exec(s, "INSERT INTO t (name) VALUES ('cy')", SQL_END);
	store_rollback(s);
	ok(!store_in_transaction(s), "rolled back");
	is_int(store_int(s, -1, "SELECT count(*) FROM t WHERE name = 'cy'", SQL_END), 0, "and the row is gone");

	is_int(store_read_begin(s), 0, "a read transaction");
	is_int(store_begin(s), 0, "a write inside it nests");
	store_exec(s, "INSERT INTO t (name) VALUES ('dee')", SQL_END);
	is_int(store_commit(s), 0, "the savepoint is released");
	ok(store_in_transaction(s), "the read transaction is still open");
	store_read_end(s);
	ok(!store_in_transaction(s), "and ends");
	is_int(store_int(s, -1, "SELECT count(*) FROM t WHERE name = 'dee'", SQL_END), 1, "the nested write holds");
}

static int count_rows(void *arg, Rows *r)
{
	int *n = arg;
	if (rows_columns(r) == 1 && strcmp(rows_text(r, 0), "stop") == 0)
		return 1;
	(*n)++;
	return 0;
}

static void test_script(Store *s)
{
	char *err = NULL;
	int n = 0;
	is_int(store_script(s, "SELECT 1; -- a comment\n SELECT name FROM t;  ", count_rows, &n, &err), STORE_OK,
	       "a script of two statements");
	is_int(n, 4, "every row of both reaches the callback");
	ok(err == NULL, "no error");
	is_int(store_script(s, "SELECT nope FROM t", NULL, NULL, &err), STORE_ERROR, "bad SQL is STORE_ERROR");
	ok(err && strstr(err, "nope"), "with SQLite's message: %s", err ? err : "(none)");
	free(err);
	err = NULL;
	is_int(store_script(s, "INSERT INTO t (name) VALUES ('ann')", NULL, NULL, &err), STORE_CONSTRAINT,
	       "a refused insert in a script is STORE_CONSTRAINT");
	free(err);
	err = NULL;
	n = 0;
	is_int(store_script(s, "SELECT 'stop'; SELECT 1", count_rows, &n, &err), STORE_OK, "the callback can stop");
	is_int(n, 0, "before any counted row");
}

static void test_query_some(Store *s)
{
	store_exec(s, "CREATE TABLE q (id INTEGER PRIMARY KEY, k INTEGER, name TEXT)", SQL_END);
	store_exec(s, "INSERT INTO q (k, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')", SQL_END);
	SqlArg args[] = {
		SQL_INT(":k", 2), SQL_INT(":kid", 99), SQL_TEXT(":name", "three"), SQL_NULL(":nothing"),
		SQL_REAL(":unused", 1.5), SQL_END,
	};
	Rows *r = store_query_some(s, "SELECT name FROM q WHERE k = :k ORDER BY id", args);
	ok(rows_next(r) && strcmp(rows_text(r, 0), "two") == 0, "only :k is bound");
	ok(!rows_next(r), "one row");
	rows_done(r);
	r = store_query_some(s, "SELECT count(*) FROM q WHERE k < :kid AND name != :name", args);
	ok(rows_next(r) && rows_int(r, 0) == 2, ":kid and :name are bound, :k is not");
	rows_done(r);
	r = store_query_some(s, "SELECT count(*) FROM q", args);
	ok(rows_next(r) && rows_int(r, 0) == 3, "no parameter at all");
	rows_done(r);
	SqlArg none[] = {SQL_END};
	r = store_query_some(s, "SELECT :k IS NULL", none);
	ok(rows_next(r) && rows_int(r, 0) == 1, "a parameter left out is NULL");
	rows_done(r);
}

static int hook_calls, hook_pages;
static void on_commit(void *arg, int pages)
{
	(void)arg;
	hook_calls++;
	hook_pages = pages;
}

static void test_hook(Store *s)
{
	store_on_commit(s, on_commit, NULL);
	store_exec(s, "INSERT INTO t (name) VALUES ('eve')", SQL_END);
	is_int(hook_calls, 1, "the commit hook runs after a commit");
	ok(hook_pages > 0, "with the log's size in pages (%d)", hook_pages);
	store_on_commit(s, NULL, NULL);
	store_exec(s, "INSERT INTO t (name) VALUES ('fay')", SQL_END);
	is_int(hook_calls, 1, "and not once removed");
}

int main(void)
{
	char dir[] = "/tmp/sb-test-store-XXXXXX";
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
	test_rows(s);
	test_transactions(s);
	test_script(s);
	test_hook(s);
	test_query_some(s);
	store_close(s);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	free(path);
	return done_testing();
}
