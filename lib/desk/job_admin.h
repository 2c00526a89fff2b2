/*
 * job_admin.h - what the admin's job pages read (fcgi/pages/page_jobs.c,
 * page_inbound.c, the home page): the jobs table by state, one job's
 * summary, counts for the filter links, and the rejected inbound messages
 * kept in the event log.
 *
 * Read-only: jobs change only through lib/desk/jobs.h (job_retry_now,
 * job_cancel, the worker).  The Rows returned belong to the store: step
 * them, then always call rows_done().
 */
#ifndef SB_DESK_JOB_ADMIN_H
#define SB_DESK_JOB_ADMIN_H

#include "core/arena.h"
#include "store/store.h"

#include <stdint.h>

/* Jobs that need a look, for the filter links: n[0] queued without an
 * error, n[1] queued after a failure, n[2] running, n[3] dead.  A failed
 * query leaves the counts it did not reach at their value on entry. */
void job_admin_state_counts(Store *s, int64_t n[4]);

/* Jobs in one of states[0..2], newest first, id below after (0: from the
 * newest), at most limit.  with_error: 1 only those with a last error, 0
 * only those without, -1 either.  finished: the states are done or
 * cancelled (many rows: the table is walked by id, not the state index).
 * Columns: 0 id, 1 kind, 2 state, 3 attempts, 4 max_attempts, 5 run_at,
 * 6 last_error, 7 client_id, 8 task_id, 9 message_id, 10 updated_at,
 * 11 worker, 12 lease_until. */
Rows *job_admin_list(Store *s, const char *const states[3], int with_error, int finished, int64_t after,
		     int limit);

/* What a job action needs to know of a job before it changes it. */
typedef struct {
	const char *kind, *state; /* in the arena given to job_admin_get */
	int attempts;
	int has_error; /* last_error is set */
	int64_t client_id, task_id, message_id; /* 0 when none */
} JobSummary;

/* Job id's summary in *out, its text copied into a: 1, or 0 when there is
 * no such job (or the query failed). */
int job_admin_get(Store *s, int64_t id, Arena *a, JobSummary *out);

/* Number of dead jobs (0 when the query fails). */
int64_t job_admin_dead_count(Store *s);

/* Number of inbound messages rejected (events inbound_rejected). */
int64_t job_admin_rejected_count(Store *s);

/* The rejected inbound messages, newest first, event id below after (0:
 * from the newest), at most limit.  Columns: 0 event id, 1 created_at,
 * 2 actor, 3 message_sid, 4 from, 5 to, 6 body, 7 reason. */
Rows *job_admin_rejected(Store *s, int64_t after, int limit);

#endif
