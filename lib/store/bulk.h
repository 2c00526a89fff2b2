/*
 * bulk.h - a connection set up for one large write (seed-demo's million
 * events): what the backend needs to load many rows fast.
 */
#ifndef SB_STORE_BULK_H
#define SB_STORE_BULK_H

#include "store/store.h"

/* Give this connection a page cache of about 1 GiB (SQLite's is 2 MiB by
 * default), so one transaction of many inserts keeps its pages in memory.
 * For the life of the connection.  STORE_OK or an error code (the
 * connection then works as before). */
int store_bulk_load(Store *s);

#endif
