/*
 * client_lookup.h - small questions about the clients table that the web
 * handlers ask before they act: does client N exist, whose is this phone
 * number, what is a client's phone, how many clients are there.
 *
 * No client isolation here: the callers are admin pages, or check
 * visibility themselves (apiq_client_visible) before they show anything.
 * Read-only; clients change through lib/desk/clients.h.
 */
#ifndef SB_DESK_CLIENT_LOOKUP_H
#define SB_DESK_CLIENT_LOOKUP_H

#include "store/store.h"

#include <stdint.h>

/* 1 when client id exists, else 0. */
int client_lookup_exists(Store *s, int64_t id);
/* id when client id exists, else 0 (the form "SELECT id ... WHERE id"). */
int64_t client_lookup_id(Store *s, int64_t id);
/* The id of the client whose phone is e164, or 0. */
int64_t client_lookup_by_phone(Store *s, const char *e164);
/* The phone of client id, malloc'd ("" when it has none), or NULL when
 * there is no such client. */
char *client_lookup_phone(Store *s, int64_t id);
/* Number of clients. */
int64_t client_lookup_count(Store *s);

#endif
