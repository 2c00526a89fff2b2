/*
 * health.c - the desk's state as the doctor sees it (see health.h).
 * Reads settings and jobs; writes nothing.
 */
#include "desk/health.h"

int64_t health_worker_heartbeat(Store *s)
{
	return store_int(s, -1, "SELECT updated_at FROM settings WHERE name = 'worker_heartbeat'", SQL_END);
}

int64_t health_jobs_queued(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM jobs WHERE state = 'queued'", SQL_END);
}
