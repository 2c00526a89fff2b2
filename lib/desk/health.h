/*
 * health.h - what GET /health asks the database: can it be read, and at
 * which schema version.  No other state, nothing written.
 */
#ifndef SB_DESK_HEALTH_H
#define SB_DESK_HEALTH_H

#include "store/store.h"

/* The highest applied migration in *schema: 0, or -1 when the database
 * cannot be read (the reason in store_errmsg; *schema is -1). */
int health_schema_version(Store *s, int *schema);

#endif
