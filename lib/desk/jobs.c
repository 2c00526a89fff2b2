/*
 * jobs.c - durable job queue (see jobs.h).  All SQL for the jobs table
 * lives here.
 */
#include "desk/jobs.h"
#include "core/config.h"
#include "core/util.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

int64_t job_enqueue(Store *s, const char *kind, const char *payload_json, const char *dedupe_key,
		    int64_t client_id, int64_t task_id, int64_t message_id, int64_t delay_ms)
{
	int64_t now = now_ms();
	int rc = store_exec(s,
		"INSERT INTO jobs (kind, payload, dedupe_key, max_attempts, run_at, client_id, task_id, "
		" message_id, created_at, updated_at) "
		"VALUES (:kind, json(:payload), :dedupe, :max, :run_at, :client, :task, :msg, :now, :now) "
		"ON CONFLICT (dedupe_key) DO NOTHING",
		SQL_TEXT(":kind", kind), SQL_TEXT(":payload", payload_json ? payload_json : "{}"),
		SQL_TEXT(":dedupe", dedupe_key), SQL_INT(":max", config_int("JOB_MAX_ATTEMPTS")),
		SQL_INT(":run_at", now + delay_ms),
		client_id > 0 ? SQL_INT(":client", client_id) : SQL_NULL(":client"),
		task_id > 0 ? SQL_INT(":task", task_id) : SQL_NULL(":task"),
		message_id > 0 ? SQL_INT(":msg", message_id) : SQL_NULL(":msg"),
		SQL_INT(":now", now), SQL_END);
	if (rc != SQLITE_OK)
		return -1;
	return store_changes(s) ? store_last_id(s) : 0;
}

int job_claim(Store *s, const char *worker, int lease_seconds, Job *job)
{
	memset(job, 0, sizeof *job);
	if (store_begin(s) != 0)
		return -1;
	int64_t now = now_ms();
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = :worker, "
		" lease_until = :lease, updated_at = :now "
		"WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= :now) "
		"            OR (state = 'running' AND lease_until < :now) ORDER BY run_at, id LIMIT 1) "
		"RETURNING id, kind, payload, attempts, max_attempts, client_id, task_id, message_id",
		SQL_TEXT(":worker", worker), SQL_INT(":lease", now + (int64_t)lease_seconds * 1000),
		SQL_INT(":now", now), SQL_END);
	int rc = sqlite3_step(st);
	int claimed = 0;
	if (rc == SQLITE_ROW) {
		job->id = sqlite3_column_int64(st, 0);
		snprintf(job->kind, sizeof job->kind, "%s", col_text(st, 1));
		job->payload = json_loads(col_text(st, 2), 0, NULL);
		if (!job->payload)
			job->payload = json_object();
		job->attempts = sqlite3_column_int(st, 3);
		job->max_attempts = sqlite3_column_int(st, 4);
		job->client_id = sqlite3_column_int64(st, 5);
		job->task_id = sqlite3_column_int64(st, 6);
		job->message_id = sqlite3_column_int64(st, 7);
		snprintf(job->worker, sizeof job->worker, "%s", worker);
		claimed = 1;
		rc = sqlite3_step(st);
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "switchboard: job claim failed: %s\n", store_errmsg(s));
		store_rollback(s);
		job_clear(job);
		return -1;
	}
	if (store_commit(s) != 0) {
		job_clear(job);
		return -1;
	}
	return claimed;
}

int job_complete(Store *s, const Job *job)
{
	int64_t now = now_ms();
	if (store_exec(s,
		"UPDATE jobs SET state = 'done', finished_at = :now, updated_at = :now, lease_until = NULL, "
		" last_error = NULL WHERE id = :id AND state = 'running' AND worker = :worker",
		SQL_INT(":now", now), SQL_INT(":id", job->id), SQL_TEXT(":worker", job->worker),
		SQL_END) != SQLITE_OK)
		return -1;
	return store_changes(s) == 1 ? 0 : -1;
}

int64_t job_backoff_ms(int failures, int64_t base_ms)
{
	if (failures < 1)
		failures = 1;
	int64_t d = base_ms;
	for (int i = 1; i < failures && d < 3600000; i++)
		d *= 2;
	if (d > 3600000)
		d = 3600000;
	unsigned int r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (unsigned int)now_ms();
	/* ±25% jitter */
	int64_t span = d / 2;
	return d - d / 4 + (span > 0 ? (int64_t)(r % (unsigned int)(span + 1)) : 0);
}

int job_fail(Store *s, const Job *job, const char *error, int64_t retry_after_ms, int permanent)
{
	int64_t now = now_ms();
	int dead = permanent || job->attempts >= job->max_attempts;
	int64_t delay = retry_after_ms > 0 ? retry_after_ms
					   : job_backoff_ms(job->attempts, config_int("JOB_BACKOFF_MS"));
	if (store_begin(s) != 0)
		return -1;
	store_exec(s,
		"UPDATE jobs SET state = :state, last_error = :err, run_at = :run_at, lease_until = NULL, "
		" updated_at = :now, finished_at = CASE WHEN :state = 'dead' THEN :now END "
		"WHERE id = :id AND state = 'running' AND worker = :worker",
		SQL_TEXT(":state", dead ? "dead" : "queued"), SQL_TEXT(":err", error),
		SQL_INT(":run_at", now + delay), SQL_INT(":now", now), SQL_INT(":id", job->id),
		SQL_TEXT(":worker", job->worker), SQL_END);
	int changed = store_changes(s);
	if (dead && changed) {
		char *details = xasprintf("{\"job_id\":%lld,\"kind\":\"%s\",\"attempts\":%d}",
					  (long long)job->id, job->kind, job->attempts);
		store_event(s, "job_dead", job->client_id, job->task_id, job->message_id, "worker", details);
		free(details);
	}
	if (store_commit(s) != 0)
		return -1;
	if (!changed)
		return -1;
	return dead;
}

void job_clear(Job *job)
{
	json_decref(job->payload);
	job->payload = NULL;
}

int job_retry_now(Store *s, int64_t id)
{
	store_exec(s,
		"UPDATE jobs SET state = 'queued', run_at = :now, updated_at = :now, finished_at = NULL, "
		" attempts = CASE WHEN state = 'dead' THEN 0 ELSE attempts END "
		"WHERE id = :id AND (state = 'dead' OR (state = 'queued' AND last_error IS NOT NULL))",
		SQL_INT(":now", now_ms()), SQL_INT(":id", id), SQL_END);
	return store_changes(s) == 1 ? 0 : -1;
}

int job_cancel(Store *s, int64_t id)
{
	store_exec(s,
		"UPDATE jobs SET state = 'cancelled', updated_at = :now, finished_at = :now "
		"WHERE id = :id AND state IN ('queued', 'dead')",
		SQL_INT(":now", now_ms()), SQL_INT(":id", id), SQL_END);
	return store_changes(s) == 1 ? 0 : -1;
}
