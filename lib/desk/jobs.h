/*
 * jobs.h - the durable job queue in the `jobs` table.
 *
 * Anything slow or external (LLM, Twilio REST, GitHub) runs in a worker
 * from this table.  A job is claimed with a lease; the work it does is
 * committed in the same transaction that marks it done (job_complete), and
 * that update only succeeds while the worker still holds the lease, so a
 * job whose worker died and was retaken can never apply its effects twice.
 * Failures retry with exponential backoff and jitter up to max_attempts,
 * then the job is dead with its last error kept.
 */
#ifndef SB_JOBS_H
#define SB_JOBS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
	int64_t id;
	char kind[32];
	json_t *payload; /* owned; job_clear releases it */
	int attempts;    /* including this one */
	int max_attempts;
	int64_t client_id, task_id, message_id;
	char worker[64];
} Job;

/* Enqueue in the caller's transaction.  dedupe_key (may be NULL) makes the
 * call idempotent: a second enqueue with the same key does nothing.
 * Returns the job id, 0 when deduplicated, -1 on error. */
int64_t job_enqueue(Store *s, const char *kind, const char *payload_json, const char *dedupe_key,
		    int64_t client_id, int64_t task_id, int64_t message_id, int64_t delay_ms);

/* Claim the next due job (queued and due, or running with an expired
 * lease).  Returns 1 with *job filled, 0 when nothing is due, -1 on error. */
int job_claim(Store *s, const char *worker, int lease_seconds, Job *job);

/* Mark done inside the caller's transaction.  Returns 0, or -1 when this
 * worker no longer holds the job (the caller must roll back). */
int job_complete(Store *s, const Job *job);

/* Record a failure in its own transaction: retry after the backoff (or
 * retry_after_ms when > 0), or dead when attempts are used up or
 * permanent is set.  Returns 1 when the job is now dead, 0 when it will be
 * retried, -1 when the lease was lost. */
int job_fail(Store *s, const Job *job, const char *error, int64_t retry_after_ms, int permanent);

/* Backoff before attempt n+1 after n failures: base * 2^(n-1), capped at
 * one hour, with ±25% jitter. */
int64_t job_backoff_ms(int failures, int64_t base_ms);

void job_clear(Job *job);

/* Admin actions: retry a failed/dead job now, or cancel a queued/dead one.
 * Return 0, or -1 when the job is not in a state that allows it. */
int job_retry_now(Store *s, int64_t id);
int job_cancel(Store *s, int64_t id);

#endif
