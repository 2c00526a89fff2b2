/*
 * worker.h - runs jobs from the durable queue: classify, draft, send,
 * summary, github_issue, github_comment.  Each job's effects are committed together with its completion
 * (job_complete), so running a job twice has the effect of running it once.
 */
#ifndef SB_WORKER_H
#define SB_WORKER_H

#include "web/mustache.h"
#include "store/store.h"

typedef struct {
	Store *store;
	TplCache *tpl;
	char id[64];       /* worker name: host:pid */
	int lease_seconds;
	long jobs_done, jobs_failed;
} Worker;

void worker_init(Worker *w, Store *s, TplCache *tpl);

/* Claim and run one due job.  Returns 1 when a job ran (successfully or
 * not), 0 when nothing was due, -1 on a database error. */
int worker_step(Worker *w);

/* Record that this worker is alive (settings.worker_heartbeat). */
void worker_heartbeat(Worker *w);

#endif
