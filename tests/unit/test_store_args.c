/*
 * test_store_args.c - store_query_some against a real (temporary) SQLite
 * database: the parameters the SQL names are bound, the others are
 * skipped, and a name is told from a longer one it begins (":k" and
 * ":kid"), from a quoted string and from a comment.
 */
#include "store/store_args.h"
#include "tap.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_names(void)
{
	ok(store_sql_names("SELECT :a", ":a"), "a parameter at the end");
	ok(store_sql_names("SELECT 1 WHERE x = :a AND y = 2", ":a"), "in the middle");
	ok(!store_sql_names("SELECT :kid", ":k"), "a longer name is another name");
	ok(store_sql_names("SELECT :kid, :k", ":k"), "found after the longer one");
	ok(store_sql_names("SELECT (:k, :kid)", ":k"), "before a comma");
	ok(!store_sql_names("SELECT ':a'", ":a"), "not in a string");
	ok(!store_sql_names("SELECT 'it''s :a'", ":a"), "not in a string with a doubled quote");
	ok(store_sql_names("SELECT 'it''s', :a", ":a"), "after such a string");
	ok(!store_sql_names("SELECT \":a\"", ":a"), "not in a quoted identifier");
	ok(!store_sql_names("SELECT 1 -- :a\n", ":a"), "not in a line comment");
	ok(store_sql_names("SELECT 1 -- x\n + :a", ":a"), "after a line comment");
	ok(!store_sql_names("SELECT /* :a */ 1", ":a"), "not in a block comment");
	ok(!store_sql_names("SELECT :a_b", ":a"), "'_' continues a name");
	ok(!store_sql_names("SELECT 1", ""), "an empty name is never used");
}

static void test_query(Store *s)
{
	store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, name TEXT)", SQL_END);
	store_exec(s, "INSERT INTO t (k, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')", SQL_END);
	SqlArg args[] = {
		SQL_INT(":k", 2), SQL_INT(":kid", 99), SQL_TEXT(":name", "three"), SQL_NULL(":nothing"),
		SQL_REAL(":unused", 1.5), SQL_END,
	};
	Rows *r = store_query_some(s, "SELECT name FROM t WHERE k = :k ORDER BY id", args);
	ok(rows_next(r) && strcmp(rows_text(r, 0), "two") == 0, "only :k is bound");
	ok(!rows_next(r), "one row");
	rows_done(r);
	r = store_query_some(s, "SELECT count(*) FROM t WHERE k < :kid AND name != :name", args);
	ok(rows_next(r) && rows_int(r, 0) == 2, ":kid and :name are bound, :k is not");
	rows_done(r);
	r = store_query_some(s, "SELECT count(*) FROM t", args);
	ok(rows_next(r) && rows_int(r, 0) == 3, "no parameter at all");
	rows_done(r);
	SqlArg none[] = {SQL_END};
	r = store_query_some(s, "SELECT :k IS NULL", none);
	ok(rows_next(r) && rows_int(r, 0) == 1, "a parameter left out is NULL");
	rows_done(r);
}

int main(void)
{
	test_names();
	char dir[] = "/tmp/sb-test-store-args-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *path = xasprintf("%s/test.db", dir);
	char *err = NULL;
	Store *s = store_open(path, 0, &err);
	ok(s != NULL, "a new store opens%s%s", err ? ": " : "", err ? err : "");
	if (s) {
		test_query(s);
		store_close(s);
	}
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	free(path);
	free(err);
	return done_testing();
}
