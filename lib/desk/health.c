/*
 * health.c - the database check behind GET /health and the desk's state
 * as the doctor sees it (see health.h).  Reads settings and jobs; writes
 * nothing.
 */
#include "desk/health.h"

int health_schema_version(Store *s, int *schema)
{
	Rows *r = store_query(s, "SELECT max(version) FROM schema_migrations", SQL_END);
	int ok = rows_next(r);
	*schema = ok ? (int)rows_int(r, 0) : -1;
	rows_done(r);
	return ok ? 0 : -1;
}

int64_t health_worker_heartbeat(Store *s)
{
	return store_int(s, -1, "SELECT updated_at FROM settings WHERE name = 'worker_heartbeat'", SQL_END);
}

int64_t health_jobs_queued(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM jobs WHERE state = 'queued'", SQL_END);
}
