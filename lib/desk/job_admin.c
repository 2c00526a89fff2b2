/*
 * job_admin.c - the queries of the admin's job pages (see job_admin.h).
 *
 * Only reads: a job changes through lib/desk/jobs.c, never here.
 */
#include "desk/job_admin.h"

#include <string.h>

void job_admin_state_counts(Store *s, int64_t n[4])
{
	Rows *r = store_query(s,
		"SELECT state, last_error IS NOT NULL, count(*) FROM jobs "
		"WHERE state IN ('queued', 'running', 'dead') GROUP BY 1, 2",
		SQL_END);
	while (rows_next(r)) {
		const char *st = rows_text(r, 0);
		int err = (int)rows_int(r, 1);
		int64_t k = rows_int(r, 2);
		if (strcmp(st, "queued") == 0)
			n[err ? 1 : 0] += k;
		else if (strcmp(st, "running") == 0)
			n[2] += k;
		else
			n[3] += k;
	}
	rows_done(r);
}

#define JOB_COLS "SELECT id, kind, state, attempts, max_attempts, run_at, last_error, client_id, task_id, " \
		 " message_id, updated_at, worker, lease_until FROM jobs "
#define JOB_WHERE " AND (:err IS NULL OR (last_error IS NOT NULL) = :err) AND id < :after " \
		  "ORDER BY id DESC LIMIT :limit"

Rows *job_admin_list(Store *s, const char *const states[3], int with_error, int finished, int64_t after,
		     int limit)
{
	SqlArg s1 = SQL_TEXT(":s1", states[0]), s2 = SQL_TEXT(":s2", states[1]), s3 = SQL_TEXT(":s3", states[2]);
	SqlArg err = with_error < 0 ? SQL_NULL(":err") : SQL_INT(":err", with_error);
	SqlArg aft = SQL_INT(":after", after ? after : INT64_MAX), lim = SQL_INT(":limit", limit);
	/* The states that need a look are few: find them through the state
	 * index.  Finished jobs are many: walk the table backwards instead of
	 * sorting them all (the unary + keeps SQLite off the index). */
	return finished ? store_query(s, JOB_COLS "WHERE +state IN (:s1, :s2, :s3)" JOB_WHERE, s1, s2, s3, err, aft,
				      lim, SQL_END)
			: store_query(s, JOB_COLS "WHERE state IN (:s1, :s2, :s3)" JOB_WHERE, s1, s2, s3, err, aft,
				      lim, SQL_END);
}

int job_admin_get(Store *s, int64_t id, Arena *a, JobSummary *out)
{
	Rows *r = store_query(s,
		"SELECT kind, state, attempts, last_error IS NOT NULL, client_id, task_id, message_id "
		"FROM jobs WHERE id = :id",
		SQL_INT(":id", id), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		return 0;
	}
	out->kind = arena_strdup(a, rows_text(r, 0));
	out->state = arena_strdup(a, rows_text(r, 1));
	out->attempts = (int)rows_int(r, 2);
	out->has_error = (int)rows_int(r, 3);
	out->client_id = rows_int(r, 4);
	out->task_id = rows_int(r, 5);
	out->message_id = rows_int(r, 6);
	rows_done(r);
	return 1;
}

int64_t job_admin_dead_count(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM jobs WHERE state = 'dead'", SQL_END);
}

int64_t job_admin_rejected_count(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM events WHERE event_type = 'inbound_rejected'", SQL_END);
}

Rows *job_admin_rejected(Store *s, int64_t after, int limit)
{
	return store_query(s,
		"SELECT id, created_at, actor, json_extract(details, '$.message_sid'), "
		" json_extract(details, '$.from'), json_extract(details, '$.to'), json_extract(details, '$.body'), "
		" json_extract(details, '$.reason') FROM events "
		"WHERE event_type = 'inbound_rejected' AND id < :after ORDER BY id DESC LIMIT :limit",
		SQL_INT(":after", after ? after : INT64_MAX), SQL_INT(":limit", limit), SQL_END);
}
