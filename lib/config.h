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

/* Print every setting, its value (secrets masked) and its source. */
void config_print(FILE *f);

#endif
