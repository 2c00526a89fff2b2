/*
 * cmd_token.c - `switchboard token add NAME | list | revoke NAME`.
 */
#include "cli.h"
#include "tokens.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_token(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv) ||
	    !((strcmp(argv[1], "add") == 0 && argc == 3) || (strcmp(argv[1], "revoke") == 0 && argc == 3) ||
	      (strcmp(argv[1], "list") == 0 && argc == 2))) {
		printf("Usage: switchboard token add NAME     create a token; it is printed once\n"
		       "       switchboard token list         list tokens (never their values)\n"
		       "       switchboard token revoke NAME  revoke a token\n"
		       "API requests send it as `Authorization: Bearer TOKEN`.\n");
		return cli_wants_help(argc, argv) ? 0 : 2;
	}
	Store *s = cli_open_store();
	if (!s)
		return 1;
	int rc = 0;
	if (strcmp(argv[1], "add") == 0) {
		char *err = NULL;
		char *t = token_create(s, argv[2], 0, &err);
		if (!t) {
			fprintf(stderr, "switchboard token: %s\n", err);
			free(err);
			rc = 1;
		} else {
			printf("%s\n", t);
			fprintf(stderr, "Store this token now: it cannot be shown again.\n");
			free(t);
		}
	} else if (strcmp(argv[1], "revoke") == 0) {
		if (token_revoke(s, argv[2]) != 0) {
			fprintf(stderr, "switchboard token: no active token named %s\n", argv[2]);
			rc = 1;
		}
	} else {
		sqlite3_stmt *st = store_stmt(s, "SELECT name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY name",
					      SQL_END);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char c[21], u[21] = "never";
			fmt_iso8601(c, sqlite3_column_int64(st, 1) / 1000);
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				fmt_iso8601(u, sqlite3_column_int64(st, 2) / 1000);
			printf("%-24s created %s  last used %-20s %s\n", col_text(st, 0), c, u,
			       sqlite3_column_type(st, 3) != SQLITE_NULL ? "revoked" : "active");
		}
		store_done(st);
	}
	store_close(s);
	return rc;
}
