/*
 * health.h - what GET /health and `switchboard doctor` read of the desk's
 * state: can the database be read and at which schema version, the
 * worker's heartbeat, the jobs waiting for it.  Reads only.
 */
#ifndef SB_DESK_HEALTH_H
#define SB_DESK_HEALTH_H

#include <stdint.h>

#include "store/store.h"

/* The highest applied migration in *schema: 0, or -1 when the database
 * cannot be read (the reason in store_errmsg; *schema is -1). */
int health_schema_version(Store *s, int *schema);

/* When the worker last recorded that it is alive (settings.
 * worker_heartbeat, written by worker_heartbeat() about every 10 s between
 * jobs), in ms since the epoch; -1 when no worker ever ran. */
int64_t health_worker_heartbeat(Store *s);

/* The number of jobs queued (waiting for a worker). */
int64_t health_jobs_queued(Store *s);

#endif
