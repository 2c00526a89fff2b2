/*
 * health.h - what `switchboard doctor` reads of the desk's state: the
 * worker's heartbeat and the jobs waiting for it.  Reads only.
 */
#ifndef SB_HEALTH_H
#define SB_HEALTH_H

#include <stdint.h>

#include "store/store.h"

/* When the worker last recorded that it is alive (settings.
 * worker_heartbeat, written by worker_heartbeat() about every 10 s between
 * jobs), in ms since the epoch; -1 when no worker ever ran. */
int64_t health_worker_heartbeat(Store *s);

/* The number of jobs queued (waiting for a worker). */
int64_t health_jobs_queued(Store *s);

#endif
