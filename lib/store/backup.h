/*
 * backup.h - the backend work of `switchboard backup` and `restore`: an
 * online copy of a live database file, its integrity check, the rows of
 * every table, and whether another process has a database open.
 *
 * These work on database files by path, not on an open Store: a copy is
 * made beside the writers, and the copy is looked at before any Store
 * would migrate it.  They never change the database they read.
 */
#ifndef SB_STORE_BACKUP_H
#define SB_STORE_BACKUP_H

#include <stdint.h>

/* Copy the live database at src into the new file dst in one step (one
 * read transaction, so one snapshot; writers go on meanwhile in WAL
 * mode).  The copy is switched to rollback-journal mode so it is one
 * self-contained file, then checked (store_file_check's quick check on
 * the copy).  0 ok, -1 with *err malloc'd. */
int store_backup_copy(const char *src, const char *dst, char **err);

/* Schema level and rows per table of the database file at path, opened
 * read-only: *schema gets the highest migration applied (0 when none),
 * and table(arg, name, rows) is called for every table in name order.
 * 0 ok, -1 with *err malloc'd. */
int store_file_census(const char *path, int *schema, void (*table)(void *arg, const char *name, int64_t rows),
		      void *arg, char **err);

/* The pid of another process that has the database at path open, -1
 * when one has it open but its pid is unknown, 0 when none does. */
long store_file_in_use(const char *path);

#endif
