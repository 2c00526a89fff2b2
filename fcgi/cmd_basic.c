/*
 * cmd_basic.c - `serve`, `migrate` and `config`, and helpers shared by the
 * other subcommands.
 */
#include "cli.h"
#include "config.h"
#include "serve.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cmd_serve(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("Usage: switchboard serve [--socket PATH|:PORT]\n"
		       "Serve FastCGI on standard input (as started by a web server) or on a socket.\n");
		return 0;
	}
	int fd = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			if (FCGX_Init() != 0)
				return 1;
			fd = FCGX_OpenSocket(argv[++i], 128);
			if (fd < 0) {
				fprintf(stderr, "switchboard: cannot listen on %s\n", argv[i]);
				return 1;
			}
		} else {
			fprintf(stderr, "switchboard serve: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	return serve_fcgi(fd);
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
