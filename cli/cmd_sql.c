/*
 * cmd_sql.c - `switchboard sql`: run SQL given on the command line (or
 * standard input) against the desk's database and print the rows.
 *
 *   switchboard sql [--db FILE] [--read-only] [--separator SEP] [--json] [SQL...]
 *
 * For the operator and for the tests, which read the database and now and
 * then change it (age a session, break a checksum) the way the SQLite
 * shell did: each SQL argument is a script of one or more statements, run
 * in order; with none, the script is read from standard input.  Rows are
 * printed as the shell's default list mode prints them: the columns'
 * text joined by '|' (--separator), NULL as nothing, one row per line.
 * --json prints the rows of each script as one JSON array of objects
 * instead (the SQLite shell's -json), nothing when there are none.
 *
 * The database is the configured one (SWITCHBOARD_DB), or FILE, opened by
 * store_open_console (lib/store/console.c): neither migrated nor checked
 * against this program's schema, and foreign keys are not enforced, as in
 * the SQLite shell, so a test can take out a row the desk itself would
 * refuse to.  --read-only opens the file read-only: nothing in it
 * changes, not even its journal mode (for a backup's copy).  An error prints the database's message on standard
 * error and exits 1; the statements before it stay done.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/util.h"
#include "store/console.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *sep;
	int json;
	int rows; /* rows printed of the current script (--json) */
} Printer;

static void print_json_value(Rows *r, int col)
{
	switch (rows_type(r, col)) {
	case STORE_T_NULL:
		fputs("null", stdout);
		break;
	case STORE_T_INT:
	case STORE_T_REAL:
		fputs(rows_text(r, col), stdout);
		break;
	case STORE_T_BLOB: {
		const unsigned char *b = rows_blob(r, col);
		size_t n = rows_bytes(r, col);
		putchar('"');
		for (size_t i = 0; i < n; i++)
			printf("%02x", b[i]);
		putchar('"');
		break;
	}
	default: {
		json_t *s = json_stringn(rows_text(r, col), rows_bytes(r, col));
		char *t = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		fputs(t ? t : "null", stdout);
		free(t);
		json_decref(s);
	}
	}
}

static void json_end(Printer *p)
{
	if (p->json && p->rows)
		fputs("]\n", stdout);
	p->rows = 0;
}

static int print_row(void *arg, Rows *r)
{
	Printer *p = arg;
	int n = rows_columns(r);
	if (!p->json) {
		for (int i = 0; i < n; i++) {
			if (i)
				fputs(p->sep, stdout);
			fputs(rows_text(r, i), stdout);
		}
		putchar('\n');
		return 0;
	}
	fputs(p->rows++ ? ",\n{" : "[{", stdout);
	for (int i = 0; i < n; i++) {
		json_t *name = json_string(rows_name(r, i));
		char *t = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
		printf("%s%s:", i ? "," : "", t ? t : "\"\"");
		free(t);
		json_decref(name);
		print_json_value(r, i);
	}
	putchar('}');
	return 0;
}

/* All of standard input as a string (malloc'd). */
static char *read_stdin(void)
{
	Buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_append(&b, chunk, n);
	char *s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static int sql_usage(int rc)
{
	printf("Usage: switchboard sql [--db FILE] [--read-only] [--separator SEP] [--json] [SQL...]\n"
	       "Run SQL against the database ($SWITCHBOARD_DB, or FILE) and print the rows: columns\n"
	       "joined by '|' (or SEP), NULL as nothing, one row per line, as the SQLite shell's\n"
	       "list mode does; --json prints each SQL argument's rows as a JSON array.  Each SQL\n"
	       "argument may hold several statements; without one, standard input is read.  The\n"
	       "database is not migrated and foreign keys are not enforced.  --read-only changes\n"
	       "nothing in the file (to look into a backup's switchboard.db).  Exit 1 on an error.\n");
	return rc;
}

int cmd_sql(int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return sql_usage(0);
	const char *db = NULL;
	Printer p = {"|", 0, 0};
	int readonly = 0, first = argc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			first = i + 1;
			break;
		} else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			db = argv[++i];
		} else if (strcmp(a, "--separator") == 0 && i + 1 < argc) {
			p.sep = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			p.json = 1;
		} else if (strcmp(a, "--read-only") == 0) {
			readonly = 1;
		} else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "switchboard sql: unknown option %s (see --help)\n", a);
			return 2;
		} else {
			first = i;
			break;
		}
	}
	if (cli_config() != 0)
		return 1;
	if (!db)
		db = config_get("SWITCHBOARD_DB");
	char *err = NULL;
	Store *s = store_open_console(db, readonly, &err);
	if (!s) {
		fprintf(stderr, "switchboard sql: %s\n", err);
		free(err);
		return 1;
	}
	int rc = STORE_OK;
	char *input = first == argc ? read_stdin() : NULL;
	for (int i = first; rc == STORE_OK && (input || i < argc); i++) {
		rc = store_script(s, input ? input : argv[i], print_row, &p, &err);
		json_end(&p);
		if (input)
			break;
	}
	if (rc != STORE_OK)
		fprintf(stderr, "switchboard sql: %s\n", err ? err : "failed");
	free(err);
	free(input);
	store_close(s);
	if (fflush(stdout) != 0 && rc == STORE_OK) {
		perror("switchboard sql: standard output");
		return 1;
	}
	return rc == STORE_OK ? 0 : 1;
}
