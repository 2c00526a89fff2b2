/*
 * cmd_token.c - `switchboard token add NAME [--user LOGIN] | list |
 * revoke NAME`.
 *
 * A token made with --user acts as that user in the API (client isolation
 * applies, and it stops working while the user is disabled); one made
 * without is an operator token that sees every client.  Token values are
 * printed once at creation and never again.
 */
#include "desk/auth.h"
#include "cli/cli.h"
#include "desk/tokens.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(int rc)
{
	printf("Usage: switchboard token add NAME [--user LOGIN]\n"
	       "                                     create a token; it is printed once.  With --user\n"
	       "                                     it acts as that user and sees only their clients;\n"
	       "                                     without, it is an operator token that sees all\n"
	       "       switchboard token list         list tokens (never their values)\n"
	       "       switchboard token revoke NAME  revoke a token\n"
	       "API requests send it as `Authorization: Bearer TOKEN`.\n");
	return rc;
}

/* `token add NAME [--user LOGIN]`.  0, or 1 after saying why on stderr. */
static int token_add(Store *s, const char *name, const char *login)
{
	int64_t user_id = 0;
	if (login) {
		User u;
		user_id = auth_user_id(s, login);
		if (!user_id) {
			fprintf(stderr, "switchboard token: no user %s\n", login);
			return 1;
		}
		if (!auth_user_load(s, user_id, &u)) {
			fprintf(stderr, "switchboard token: user %s is disabled\n", login);
			return 1;
		}
	}
	char *err = NULL;
	char *t = token_create(s, name, user_id, &err);
	if (!t) {
		fprintf(stderr, "switchboard token: %s\n", err);
		free(err);
		return 1;
	}
	printf("%s\n", t);
	fprintf(stderr, "Store this token now: it cannot be shown again.%s%s%s\n", login ? " It acts as " : "",
		login ? login : "", login ? "." : " It is an operator token: it sees every client.");
	free(t);
	return 0;
}

/* One line of `token list`. */
static void token_line(void *arg, const TokenInfo *t)
{
	(void)arg;
	char c[21], u[21] = "never";
	fmt_iso8601(c, t->created_at / 1000);
	if (t->used)
		fmt_iso8601(u, t->last_used_at / 1000);
	const char *who = "operator (all clients)";
	if (t->for_user)
		who = t->login ? t->login : "user (deleted)";
	const char *state = t->revoked ? "revoked" : t->user_disabled ? "user disabled" : "active";
	printf("%-24s created %s  last used %-20s user %-24s %s\n", t->name, c, u, who, state);
}

int cmd_token(int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return usage(0);
	const char *sub = argc >= 2 ? argv[1] : "";
	int add = strcmp(sub, "add") == 0 && (argc == 3 || (argc == 5 && strcmp(argv[3], "--user") == 0));
	if (!add && !(strcmp(sub, "revoke") == 0 && argc == 3) && !(strcmp(sub, "list") == 0 && argc == 2))
		return usage(2);
	Store *s = cli_open_store();
	if (!s)
		return 1;
	int rc = 0;
	if (add) {
		rc = token_add(s, argv[2], argc == 5 ? argv[4] : NULL);
	} else if (strcmp(sub, "revoke") == 0) {
		if (token_revoke(s, argv[2]) != 0) {
			fprintf(stderr, "switchboard token: no active token named %s\n", argv[2]);
			rc = 1;
		}
	} else {
		token_each(s, token_line, NULL);
	}
	store_close(s);
	return rc;
}
