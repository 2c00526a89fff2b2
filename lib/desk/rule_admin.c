/*
 * rule_admin.c - reading and writing the routing rules for the admin
 * page (see rule_admin.h).  No event, no transaction: the caller's.
 */
#include "desk/rule_admin.h"

Rows *rule_admin_rows(Store *s)
{
	return store_query(s, "SELECT type, urgency, route, auto_send FROM routing_rules", SQL_END);
}

int rule_admin_threshold_is_set(Store *s)
{
	return store_int(s, 0, "SELECT count(*) FROM settings WHERE name = 'confidence_threshold'", SQL_END) > 0;
}

int rule_admin_save(Store *s, const char *type, const char *urgency, const char *route, int auto_send,
		    int64_t now)
{
	return store_exec(s,
		"INSERT INTO routing_rules (type, urgency, route, auto_send, updated_at) "
		"VALUES (:t, :u, :route, :auto, :now) "
		"ON CONFLICT (type, urgency) DO UPDATE SET route = excluded.route, "
		" auto_send = excluded.auto_send, updated_at = excluded.updated_at",
		SQL_TEXT(":t", type), SQL_TEXT(":u", urgency), SQL_TEXT(":route", route), SQL_INT(":auto", auto_send),
		SQL_INT(":now", now), SQL_END);
}

int rule_admin_save_threshold(Store *s, const char *value, int64_t now)
{
	return store_exec(s,
		"INSERT INTO settings (name, value, updated_at) VALUES ('confidence_threshold', :v, :now) "
		"ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		SQL_TEXT(":v", value), SQL_INT(":now", now), SQL_END);
}
