/*
 * health.c - the database check behind GET /health (see health.h).
 * Read-only.
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
