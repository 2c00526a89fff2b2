/*
 * config.h - the effective configuration.
 *
 * Every setting comes from the environment, with an optional `key = value`
 * file at $SWITCHBOARD_DATA/switchboard.conf underneath it, and an embedded
 * default underneath that.  config_load() is called once before the FastCGI
 * accept loop (FCGI_Accept replaces the process environment with each
 * request's parameters).  Values live for the life of the process.
 */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <stdio.h>

/* Load settings.  Returns 0, or -1 with *err (malloc'd) when the file exists
 * but cannot be read or has a malformed line. */
int config_load(char **err);

/* Value of a known setting ("" when unset); aborts on an unknown name
 * (a bug).  Pointers stay valid until the next config_load. */
const char *config_get(const char *name);
long config_int(const char *name);
double config_double(const char *name);
int config_bool(const char *name);
/* Where the value came from: "environment", "file", "default", "derived". */
const char *config_source(const char *name);
/* Override a value for this process (tests, make run). */
void config_set(const char *name, const char *value);

/* May a command-line tool (not the FastCGI server) run as root here?  Yes
 * when not root, when SWITCHBOARD_ALLOW_ROOT=1, or when the data directory
 * already belongs to root (a root-only development machine: whatever the
 * tool creates belongs to root like everything else there).  A data
 * directory owned by a service user is refused, since root-owned files in it
 * would lock that user out.  Call after config_load. */
int config_root_cli_ok(void);

/* Print every setting, its value (secrets masked) and its source. */
void config_print(FILE *f);

#endif
