/*
 * console.c - a store opened for SQL typed at run time (see console.h).
 */
#include "store/console.h"

#include <stdlib.h>

Store *store_open_console(const char *path, int readonly, char **err)
{
	Store *s = store_open(path, STORE_UNCHECKED | (readonly ? STORE_READONLY : 0), err);
	if (s && store_script(s, "PRAGMA foreign_keys = OFF", NULL, NULL, err) != STORE_OK) {
		store_close(s);
		return NULL;
	}
	return s;
}
