/*
 * report_access.c - the queries behind report access: a user's report
 * list and the share links (see report_access.h).  No events here.
 */
#include "desk/report_access.h"

Rows *report_access_my_clients(Store *s, int64_t uid)
{
	return store_query(s,
		"SELECT cl.id, cl.name, coalesce(cl.phone, '') FROM client_members m JOIN clients cl ON cl.id = m.client_id "
		"WHERE m.user_id = :u ORDER BY cl.name COLLATE NOCASE, cl.id LIMIT 1000",
		SQL_INT(":u", uid), SQL_END);
}

int report_access_client_exists(Store *s, int64_t id)
{
	return store_int(s, 0, "SELECT 1 FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END) != 0;
}

/* 1 when the share s was made with the internal figures: the choice is
 * kept in its report_share_created event (found through the event type's
 * index; share links are few). */
#define SHARE_INTERNAL_SQL                                                                          \
	"coalesce((SELECT json_extract(e.details, '$.internal') = 1 FROM events e "                 \
	"  WHERE e.event_type = 'report_share_created' AND +e.client_id = s.client_id "             \
	"  AND json_extract(e.details, '$.share_id') = s.id), 0)"

int report_access_share_open(Store *s, const char *token_hash, int64_t *client_id, int *internal)
{
	Rows *r = store_query(s,
		"SELECT s.client_id, " SHARE_INTERNAL_SQL " "
		"FROM report_shares s JOIN clients cl ON cl.id = s.client_id "
		"WHERE s.token_hash = :h AND s.revoked_at IS NULL", SQL_TEXT(":h", token_hash), SQL_END);
	int found = rows_next(r);
	if (found) {
		*client_id = rows_int(r, 0);
		*internal = (int)rows_int(r, 1);
	}
	rows_done(r);
	return found;
}

Rows *report_access_shares(Store *s)
{
	return store_query(s,
		"SELECT s.id, s.client_id, cl.name, coalesce(cl.phone, ''), s.label, s.created_by, s.created_at, "
		" s.revoked_at, s.revoked_by, " SHARE_INTERNAL_SQL " FROM report_shares s "
		"JOIN clients cl ON cl.id = s.client_id ORDER BY s.id DESC LIMIT 500", SQL_END);
}

Rows *report_access_client_options(Store *s)
{
	return store_query(s, "SELECT id, name, coalesce(phone, '') FROM clients ORDER BY name COLLATE NOCASE, id",
			   SQL_END);
}

int64_t report_access_share_insert(Store *s, int64_t client_id, const char *token_hash, const char *label,
				   const char *created_by, int64_t now)
{
	if (store_exec(s,
		"INSERT INTO report_shares (client_id, token_hash, label, created_by, created_at) "
		"VALUES (:c, :h, :label, :by, :now)",
		SQL_INT(":c", client_id), SQL_TEXT(":h", token_hash), SQL_TEXT(":label", label),
		SQL_TEXT(":by", created_by), SQL_INT(":now", now), SQL_END) != STORE_OK)
		return -1;
	return store_last_id(s);
}

int64_t report_access_share_client(Store *s, int64_t id)
{
	return store_int(s, 0, "SELECT client_id FROM report_shares WHERE id = :id", SQL_INT(":id", id), SQL_END);
}

int report_access_share_revoke(Store *s, int64_t id, const char *by, int64_t now)
{
	store_exec(s, "UPDATE report_shares SET revoked_at = :now, revoked_by = :by WHERE id = :id "
		      "AND revoked_at IS NULL",
		   SQL_INT(":now", now), SQL_TEXT(":by", by), SQL_INT(":id", id), SQL_END);
	return store_changes(s);
}
