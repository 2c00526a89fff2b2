/*
 * console.h - the connection of `switchboard sql`: SQL typed by a person
 * (or a test), run the way the SQLite command-line shell runs it.
 */
#ifndef SB_STORE_CONSOLE_H
#define SB_STORE_CONSOLE_H

#include "store/store.h"

/* Open the database at path for store_script() with what the SQLite
 * shell would do: no migration and no schema check, and foreign keys not
 * enforced (the store turns them on for the program), so a script may
 * take out a row the desk would refuse to.  readonly: opened read-only,
 * changing nothing in the file, not even its journal mode.  Returns the
 * store, or NULL with *err malloc'd. */
Store *store_open_console(const char *path, int readonly, char **err);

#endif
