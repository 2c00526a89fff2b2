/*
 * client_lookup.c - lookups in the clients table for the web handlers
 * (see client_lookup.h).  Read-only.
 */
#include "desk/client_lookup.h"

int client_lookup_exists(Store *s, int64_t id)
{
	return store_int(s, 0, "SELECT count(*) FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END) != 0;
}

int64_t client_lookup_id(Store *s, int64_t id)
{
	return store_int(s, 0, "SELECT id FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END);
}

int64_t client_lookup_by_phone(Store *s, const char *e164)
{
	return store_int(s, 0, "SELECT id FROM clients WHERE phone = :p", SQL_TEXT(":p", e164), SQL_END);
}

char *client_lookup_phone(Store *s, int64_t id)
{
	return store_text(s, "SELECT coalesce(phone, '') FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END);
}

int64_t client_lookup_count(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM clients", SQL_END);
}
