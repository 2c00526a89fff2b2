/*
 * main.c - entry point of bin/switchboard.
 *
 * Started by a web server (stdin is a FastCGI socket) it serves requests;
 * run from a shell with a subcommand it is the command-line tool.  Each
 * subcommand lives in its own cli/cmd_*.c file and is listed in the table
 * below, which is also what --help prints.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "fcgi/serve.h"
#include "core/version.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
} Command;

static int cmd_help(int argc, char **argv);

static const Command commands[] = {
	{"serve", cmd_serve, "[--socket PATH|:PORT]", "serve FastCGI (the default when a web server starts the program)"},
	{"migrate", cmd_migrate, "", "apply pending database migrations"},
	{"config", cmd_config, "", "print the effective configuration and where each value came from"},
	{"worker", cmd_worker, "[--once]", "run queued jobs (classify, draft, send, summary)"},
	{"classify", cmd_classify, "TEXT", "classify TEXT with the configured provider; prints JSON"},
	{"simulate-sms", cmd_simulate_sms, "--from NUMBER --body TEXT [--url BASE]", "post a signed inbound SMS to a running server"},
	{"twilio-verify", cmd_twilio_verify, "--url URL --signature SIG [--json] < BODY", "check a Twilio webhook signature"},
	{"user", cmd_user, "add|passwd|disable|enable|attach|detach|list|bootstrap", "manage admin accounts"},
	{"token", cmd_token, "add NAME | list | revoke NAME", "manage API bearer tokens"},
	{"render", cmd_render, "TEMPLATE [DATA.json] [--partials DIR]", "render a Mustache template to standard output"},
	{"seed-demo", cmd_seed, "[--clients N] [--tasks N] [--events N] [--append]", "add realistic synthetic data (demos, benchmarks)"},
	{"backup", cmd_backup, "DIR", "write a consistent snapshot (database, documents, config) while running"},
	{"restore", cmd_restore, "DIR [--force]", "bring a backup back into $SWITCHBOARD_DATA (checks, migrates)"},
	{"doctor", cmd_doctor, "[--json]", "check configuration, permissions, public URL, providers, worker, reports"},
	{"sql", cmd_sql, "[--db FILE] [--json] [SQL...]", "run SQL against the database and print the rows"},
	{"help", cmd_help, "", "this list"},
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Switchboard %s - a client-request desk (SMS in, tasks, drafts, replies).\n\n"
	       "Usage: switchboard COMMAND [ARGS]\n"
	       "       switchboard            (under a web server: serve FastCGI)\n\n"
	       "Commands:\n", SB_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		printf("  %-14s %-36s %s\n", commands[i].name, commands[i].args, commands[i].help);
	printf("\nSettings come from the environment and $SWITCHBOARD_DATA/switchboard.conf;\n"
	       "`switchboard config` lists them.  Each command takes --help.\n");
	return 0;
}

/* Files a root process creates (database, WAL, repository) would be
 * unreadable to the service user afterwards, and a web-facing program has
 * no business running with every privilege.  Serving always needs
 * SWITCHBOARD_ALLOW_ROOT=1 as root; a command-line tool also runs as root
 * in a data directory that belongs to root (config_root_cli_ok). */
static int refuse_root(int serving)
{
	if (geteuid() != 0)
		return 0;
	char *err = NULL;
	if (config_load(&err) != 0) {
		/* The command reports the configuration error itself. */
		free(err);
		const char *env = getenv("SWITCHBOARD_ALLOW_ROOT");
		if (env && strcmp(env, "1") == 0)
			return 0;
	} else if (config_bool("SWITCHBOARD_ALLOW_ROOT") || (!serving && config_root_cli_ok())) {
		return 0;
	}
	if (serving)
		fprintf(stderr, "switchboard: refusing to serve as root: a bug would have every privilege. Run it as "
				"its own user (see deploy/README.md), or set SWITCHBOARD_ALLOW_ROOT=1 if you really "
				"mean it.\n");
	else
		fprintf(stderr, "switchboard: refusing to run as root: the data directory %s does not belong to "
				"root, and files this creates in it would lock its owner out. Run it as the owner "
				"(e.g. sudo -u switchboard switchboard ...), or set SWITCHBOARD_ALLOW_ROOT=1 if you "
				"really mean it.\n", config_get("SWITCHBOARD_DATA"));
	return 1;
}

/* Commands that create or change files in the data directory. */
static int writes_data(const char *name)
{
	static const char *const readonly[] = {"render", "help", "config", "classify", "twilio-verify",
					       "simulate-sms"};
	for (size_t i = 0; i < sizeof readonly / sizeof readonly[0]; i++)
		if (strcmp(readonly[i], name) == 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	/* Nothing the program writes (database, documents, reports) is for
	 * every user of the machine; the group bits stay the deployment's. */
	umask(umask(0) | 007);
	if (argc < 2) {
		if (!FCGX_IsCGI() && refuse_root(1))
			return 1;
		if (!FCGX_IsCGI())
			return serve_fcgi(0);
		cmd_help(0, NULL);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return cmd_help(0, NULL);
	if (strcmp(name, "--version") == 0) {
		printf("switchboard %s\n", SB_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (writes_data(name) && !cli_wants_help(argc - 1, argv + 1) && refuse_root(strcmp(name, "serve") == 0))
			return 1;
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "switchboard: unknown command '%s' (see switchboard --help)\n", name);
	return 2;
}
