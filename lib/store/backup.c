/*
 * backup.c - the SQLite side of backup and restore (see backup.h): the
 * online backup API, the quick check, the table census and the lock a
 * connection holds on a WAL database's -shm file.
 *
 * Each function opens its own connection to a file and closes it before
 * returning; none of them goes through a Store, so a backup copy is never
 * migrated or switched to WAL mode by looking at it.
 */
#include "store/backup.h"
#include "core/util.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The quick check of an open connection: 0 when it says "ok", else -1
 * with *err. */
static int quick_check(sqlite3 *db, char **err)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
	const char *verdict = st && sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	int rc = 0;
	if (!verdict || strcmp(verdict, "ok") != 0) {
		*err = xasprintf("the database copy fails its integrity check: %s", verdict ? verdict : "no answer");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_backup_copy(const char *src, const char *dst, char **err)
{
	sqlite3 *from = NULL, *to = NULL;
	int rc = -1;
	struct stat sb;
	if (lstat(src, &sb) != 0) {
		*err = xasprintf("there is no database at %s (is SWITCHBOARD_DATA right?)", src);
		return -1;
	}
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot open %s: %s", src, sqlite3_errmsg(from));
		goto out;
	}
	sqlite3_busy_timeout(from, 10000);
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot create %s: %s", dst, sqlite3_errmsg(to));
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (!b) {
		*err = xasprintf("cannot start the database backup: %s", sqlite3_errmsg(to));
		goto out;
	}
	int step;
	for (int tries = 0; (step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED; tries++) {
		if (tries >= 200)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		*err = xasprintf("the database backup failed: %s", sqlite3_errstr(step));
		goto out;
	}
	char *emsg = NULL;
	if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, &emsg) != SQLITE_OK) {
		*err = xasprintf("cannot finish the database copy: %s", emsg ? emsg : "?");
		sqlite3_free(emsg);
		goto out;
	}
	if (quick_check(to, err) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_close(from);
	if (to && sqlite3_close(to) != SQLITE_OK && rc == 0) {
		*err = xasprintf("cannot close %s", dst);
		rc = -1;
	}
	return rc;
}

int store_file_census(const char *path, int *schema, void (*table)(void *arg, const char *name, int64_t rows),
		      void *arg, char **err)
{
	sqlite3 *db = NULL;
	*schema = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot open %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
				   "ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot list the tables of %s: %s", path, sqlite3_errmsg(db));
		rc = -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		/* Table names come from the schema, never from input; %w quotes. */
		char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", (const char *)sqlite3_column_text(st, 0));
		sqlite3_stmt *cnt = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &cnt, NULL) == SQLITE_OK && sqlite3_step(cnt) == SQLITE_ROW) {
			table(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(cnt, 0));
		} else {
			*err = xasprintf("cannot count the rows of %s: %s", sqlite3_column_text(st, 0), sqlite3_errmsg(db));
			rc = -1;
		}
		sqlite3_finalize(cnt);
		sqlite3_free(sql);
	}
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*schema = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

/* Every connection to a WAL database holds a shared lock on byte 128 of
 * the -shm file (SQLite's "DMS" lock) while it is open. */
long store_file_in_use(const char *path)
{
	char *shm = xasprintf("%s-shm", path);
	int fd = open(shm, O_RDONLY | O_CLOEXEC);
	free(shm);
	if (fd < 0)
		return 0;
	struct flock fl = {0};
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 128;
	fl.l_len = 1;
	long pid = 0;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid > 0 ? fl.l_pid : -1;
	close(fd);
	return pid;
}
