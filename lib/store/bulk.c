/*
 * bulk.c - bulk-load settings of a connection (see bulk.h).
 */
#include "store/bulk.h"

#include <stdlib.h>

int store_bulk_load(Store *s)
{
	char *err = NULL;
	int rc = store_script(s, "PRAGMA cache_size = -1048576", NULL, NULL, &err);
	free(err);
	return rc;
}
