/*
 * form_keys.c - form submissions claimed once (see form_keys.h).  All SQL
 * for form_submissions lives here.
 */
#include "desk/form_keys.h"
#include "core/util.h"

FormKeyState formkey_claim(Store *s, const char *key, int64_t user_id, const char *path, int64_t now,
			   char **location, int64_t *claimed_at)
{
	if (store_begin(s) != 0)
		return FORMKEY_ERROR;
	/* Cheap pruning: an index range that is empty almost every time. */
	if (store_exec(s, "DELETE FROM form_submissions WHERE created_at < :old", SQL_INT(":old", now - FORMKEY_KEEP_MS),
		       SQL_END) != STORE_OK)
		goto fail;
	if (store_exec(s,
		"INSERT INTO form_submissions (key, user_id, path, created_at) VALUES (:k, :u, :p, :now) "
		"ON CONFLICT (key) DO NOTHING",
		SQL_TEXT(":k", key), SQL_INT(":u", user_id), SQL_TEXT(":p", path), SQL_INT(":now", now),
		SQL_END) != STORE_OK)
		goto fail;
	FormKeyState state = FORMKEY_CLAIMED;
	if (store_changes(s) == 0) {
		Rows *r = store_query(s, "SELECT finished_at, location, created_at FROM form_submissions WHERE key = :k",
				      SQL_TEXT(":k", key), SQL_END);
		if (!rows_next(r)) {
			rows_done(r);
			goto fail; /* cannot happen inside the transaction */
		}
		if (!rows_null(r, 0)) {
			state = FORMKEY_DONE;
			*location = xstrdup(rows_text(r, 1));
		} else {
			state = FORMKEY_PENDING;
			*claimed_at = rows_int(r, 2);
		}
		rows_done(r);
	}
	if (store_commit(s) != 0)
		return FORMKEY_ERROR;
	return state;
fail:
	store_rollback(s);
	return FORMKEY_ERROR;
}

int formkey_finish(Store *s, const char *key, const char *location)
{
	return store_exec(s, "UPDATE form_submissions SET finished_at = :now, location = :loc WHERE key = :k",
			  SQL_INT(":now", now_ms()), SQL_TEXT(":loc", location ? location : ""), SQL_TEXT(":k", key),
			  SQL_END) == STORE_OK ? 0 : -1;
}

int formkey_release(Store *s, const char *key)
{
	return store_exec(s, "DELETE FROM form_submissions WHERE key = :k", SQL_TEXT(":k", key), SQL_END) == STORE_OK
		       ? 0 : -1;
}
