/*
 * cmd_user.c - `switchboard user add|passwd|disable|enable|list|attach|
 * detach|bootstrap`: accounts for the admin, from a shell.
 */
#include "desk/auth.h"
#include "cli/cli.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void usage(void)
{
	printf("Usage: switchboard user add LOGIN [--admin] [--name NAME] [--password-file FILE]\n"
	       "       switchboard user passwd LOGIN [--password-file FILE]\n"
	       "       switchboard user disable LOGIN | enable LOGIN\n"
	       "       switchboard user attach LOGIN CLIENT_ID | detach LOGIN CLIENT_ID\n"
	       "       switchboard user list\n"
	       "       switchboard user bootstrap   (first run: an admin with a one-time password)\n"
	       "Passwords are read from a prompt, or from FILE ('-' for standard input, first line).\n");
}

/* Read a password: from file (first line) or an echo-free prompt.
 * Returns malloc'd text or NULL. */
static char *read_password(const char *file, const char *prompt)
{
	char line[512];
	if (file) {
		FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (!f) {
			fprintf(stderr, "switchboard user: cannot read %s\n", file);
			return NULL;
		}
		char *got = fgets(line, sizeof line, f);
		if (f != stdin)
			fclose(f);
		if (!got)
			return NULL;
	} else {
		struct termios old, quiet;
		int tty = isatty(0) && tcgetattr(0, &old) == 0;
		fprintf(stderr, "%s", prompt);
		if (tty) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(0, TCSAFLUSH, &quiet);
		}
		char *got = fgets(line, sizeof line, stdin);
		if (tty) {
			tcsetattr(0, TCSAFLUSH, &old);
			fputc('\n', stderr);
		}
		if (!got)
			return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return xstrdup(line);
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int has(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* One line of `user list`. */
static void user_line(void *arg, const UserSummary *u)
{
	(void)arg;
	printf("%-24s %-6s %-9s %lld client(s)\n", u->login, u->role, u->disabled ? "disabled" : "active",
	       (long long)u->clients);
}

int cmd_user(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		usage();
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	Store *s = cli_open_store();
	if (!s)
		return 1;
	int rc = 0;
	char *err = NULL;
	if (strcmp(sub, "add") == 0 && argc >= 3) {
		char *pw = read_password(opt(argc, argv, "--password-file"), "Password: ");
		if (!pw) {
			rc = 1;
		} else if (auth_user_add(s, argv[2], opt(argc, argv, "--name"), has(argc, argv, "--admin"), pw, 0,
					 "cli", &err) < 0) {
			fprintf(stderr, "switchboard user: %s\n", err);
			rc = 1;
		} else {
			printf("created %s (%s)\n", argv[2], has(argc, argv, "--admin") ? "admin" : "agent");
		}
		free(pw);
	} else if (strcmp(sub, "passwd") == 0 && argc >= 3) {
		int64_t id = auth_user_id(s, argv[2]);
		char *pw = id ? read_password(opt(argc, argv, "--password-file"), "New password: ") : NULL;
		if (!id) {
			fprintf(stderr, "switchboard user: no user %s\n", argv[2]);
			rc = 1;
		} else if (!pw || auth_user_set_password(s, id, pw, 0, "cli", &err) != 0) {
			fprintf(stderr, "switchboard user: %s\n", err ? err : "no password given");
			rc = 1;
		} else {
			printf("password changed for %s; their sessions were ended\n", argv[2]);
		}
		free(pw);
	} else if ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) && argc == 3) {
		int64_t id = auth_user_id(s, argv[2]);
		if (!id || auth_user_disable(s, id, strcmp(sub, "disable") == 0, "cli") != 0) {
			fprintf(stderr, "switchboard user: no user %s\n", argv[2]);
			rc = 1;
		} else {
			printf("%sd %s\n", sub, argv[2]);
		}
	} else if ((strcmp(sub, "attach") == 0 || strcmp(sub, "detach") == 0) && argc == 4) {
		int64_t id = auth_user_id(s, argv[2]);
		int64_t client = strtoll(argv[3], NULL, 10);
		if (!id || client <= 0 || !auth_client_exists(s, client)) {
			fprintf(stderr, "switchboard user: no user %s or no client %s\n", argv[2], argv[3]);
			rc = 1;
		} else {
			auth_attach(s, id, client, strcmp(sub, "attach") == 0, "cli");
			printf("%s %s client %lld\n", strcmp(sub, "attach") == 0 ? "attached" : "detached", argv[2],
			       (long long)client);
		}
	} else if (strcmp(sub, "list") == 0) {
		auth_user_each(s, user_line, NULL);
	} else if (strcmp(sub, "bootstrap") == 0) {
		if (auth_user_count(s) > 0) {
			/* Accounts exist: nothing to do (and nothing printed twice). */
		} else {
			char pw[25];
			auth_random_hex(pw, 12);
			if (auth_user_add(s, "admin", "Administrator", 1, pw, 1, "cli", &err) < 0) {
				fprintf(stderr, "switchboard user: %s\n", err);
				rc = 1;
			} else {
				printf("\n  First run: an administrator account was created.\n"
				       "    login:    admin\n    password: %s   (one-time: you will choose a new one)\n\n", pw);
			}
		}
	} else {
		usage();
		rc = 2;
	}
	free(err);
	store_close(s);
	return rc;
}
