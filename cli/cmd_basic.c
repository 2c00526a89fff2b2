/*
 * cmd_basic.c - `serve`, `migrate` and `config`, and helpers shared by the
 * other subcommands.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "fcgi/serve.h"
#include "core/util.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int cli_config(void)
{
	char *err = NULL;
	if (config_load(&err) != 0) {
		fprintf(stderr, "switchboard: configuration error: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

Store *cli_open_store(void)
{
	if (cli_config() != 0)
		return NULL;
	char *err = NULL;
	Store *s = store_open(config_get("SWITCHBOARD_DB"), 0, &err);
	if (!s) {
		fprintf(stderr, "switchboard: %s\n", err);
		free(err);
	}
	return s;
}

/* Run n copies of serve_fcgi(fd) in child processes sharing the listening
 * socket; restart a child that dies; stop them all on SIGTERM/SIGINT. */
static volatile sig_atomic_t serve_stop;
static void serve_on_signal(int sig)
{
	(void)sig;
	serve_stop = 1;
}

static int serve_prefork(int fd, int n)
{
	pid_t *kids = xcalloc((size_t)n, sizeof *kids);
	struct sigaction sa = {0};
	sa.sa_handler = serve_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!serve_stop) {
		for (int i = 0; i < n && !serve_stop; i++) {
			if (kids[i] > 0)
				continue;
			pid_t p = fork();
			if (p == 0) {
				signal(SIGTERM, SIG_DFL);
				signal(SIGINT, SIG_DFL);
				_exit(serve_fcgi(fd));
			}
			if (p < 0) {
				perror("switchboard serve: fork");
				sleep(1);
				continue;
			}
			kids[i] = p;
		}
		int status;
		pid_t dead = wait(&status);
		for (int i = 0; i < n; i++)
			if (kids[i] == dead) {
				kids[i] = 0;
				if (!serve_stop)
					fprintf(stderr, "switchboard serve: process %d ended (status %d); restarting\n",
						(int)dead, status);
			}
		if (dead < 0 && !serve_stop)
			sleep(1);
	}
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	free(kids);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("Usage: switchboard serve [--socket PATH|:PORT] [--processes N]\n"
		       "Serve FastCGI.  The listening socket is, in order: --socket (a Unix socket path\n"
		       "or :PORT / HOST:PORT), the socket systemd passes (LISTEN_FDS, socket activation),\n"
		       "or standard input (as web servers such as lighttpd and mod_fcgid start it).\n"
		       "--processes N forks N processes that share the socket (default 1).\n");
		return 0;
	}
	int fd = 0, procs = 1;
	const char *lfds = getenv("LISTEN_FDS"), *lpid = getenv("LISTEN_PID");
	if (lfds && atoi(lfds) >= 1 && lpid && atoi(lpid) == (int)getpid())
		fd = 3; /* SD_LISTEN_FDS_START */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			if (FCGX_Init() != 0)
				return 1;
			fd = FCGX_OpenSocket(argv[++i], 128);
			if (fd < 0) {
				fprintf(stderr, "switchboard: cannot listen on %s\n", argv[i]);
				return 1;
			}
		} else if (strcmp(argv[i], "--processes") == 0 && i + 1 < argc) {
			procs = atoi(argv[++i]);
			if (procs < 1 || procs > 256) {
				fprintf(stderr, "switchboard serve: --processes takes 1 to 256\n");
				return 2;
			}
		} else {
			fprintf(stderr, "switchboard serve: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	return procs > 1 ? serve_prefork(fd, procs) : serve_fcgi(fd);
}

int cmd_migrate(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("Usage: switchboard migrate\nApply pending migrations to $SWITCHBOARD_DB.\n");
		return 0;
	}
	if (cli_config() != 0)
		return 1;
	char *err = NULL;
	Store *s = store_open(config_get("SWITCHBOARD_DB"), STORE_UNCHECKED, &err);
	if (!s) {
		fprintf(stderr, "switchboard: %s\n", err);
		free(err);
		return 1;
	}
	int rc = store_migrate(s, 1, &err);
	if (rc != 0) {
		fprintf(stderr, "switchboard: %s\n", err);
		free(err);
	} else {
		printf("database %s is at schema %d\n", config_get("SWITCHBOARD_DB"), store_schema_version(s));
	}
	store_close(s);
	return rc == 0 ? 0 : 1;
}

int cmd_config(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("Usage: switchboard config\nPrint every setting, its value (secrets masked) and its source.\n");
		return 0;
	}
	if (cli_config() != 0)
		return 1;
	config_print(stdout);
	return 0;
}
