/*
 * user_admin.c - the queries of the user pages (see user_admin.h).
 *
 * Only reads: users and memberships change through lib/desk/auth.c.
 */
#include "desk/user_admin.h"

Rows *user_admin_list(Store *s, const char *after, int limit)
{
	return store_query(s,
		"SELECT u.id, u.login, u.name, u.role, u.disabled_at, u.must_change_password, "
		" (SELECT count(*) FROM client_members m WHERE m.user_id = u.id), "
		" (SELECT max(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id) "
		"FROM users u WHERE (:after IS NULL OR u.login > :after) ORDER BY u.login LIMIT :limit",
		SQL_TEXT(":after", after), SQL_INT(":limit", limit), SQL_END);
}

Rows *user_admin_get(Store *s, int64_t id)
{
	return store_query(s,
		"SELECT id, login, name, role, disabled_at, must_change_password, created_at, "
		" (SELECT max(s.last_seen_at) FROM sessions s WHERE s.user_id = users.id) "
		"FROM users WHERE id = :id",
		SQL_INT(":id", id), SQL_END);
}

Rows *user_admin_clients(Store *s, int64_t uid)
{
	return store_query(s,
		"SELECT c.id, c.name, c.phone, c.company FROM client_members m JOIN clients c ON c.id = m.client_id "
		"WHERE m.user_id = :u ORDER BY c.name COLLATE NOCASE, c.id LIMIT 500",
		SQL_INT(":u", uid), SQL_END);
}

Rows *user_admin_unattached(Store *s, int64_t uid)
{
	return store_query(s,
		"SELECT c.id, c.name, c.phone FROM clients c "
		"WHERE NOT EXISTS (SELECT 1 FROM client_members m WHERE m.user_id = :u AND m.client_id = c.id) "
		"ORDER BY c.name COLLATE NOCASE, c.id",
		SQL_INT(":u", uid), SQL_END);
}

int64_t user_admin_client_count(Store *s, int64_t uid)
{
	return store_int(s, 0, "SELECT count(*) FROM client_members WHERE user_id = :u", SQL_INT(":u", uid), SQL_END);
}

int user_admin_is_member(Store *s, int64_t uid, int64_t client_id)
{
	return (int)store_int(s, 0, "SELECT count(*) FROM client_members WHERE user_id = :u AND client_id = :c",
			      SQL_INT(":u", uid), SQL_INT(":c", client_id), SQL_END);
}

int user_admin_login_taken(Store *s, const char *login)
{
	return store_int(s, 0, "SELECT count(*) FROM users WHERE login = :l", SQL_TEXT(":l", login), SQL_END) > 0;
}

int user_admin_exists(Store *s, int64_t id)
{
	return store_int(s, 0, "SELECT count(*) FROM users WHERE id = :id", SQL_INT(":id", id), SQL_END) != 0;
}

char *user_admin_login(Store *s, int64_t id)
{
	return store_text(s, "SELECT login FROM users WHERE id = :id", SQL_INT(":id", id), SQL_END);
}

char *user_admin_password_hash(Store *s, int64_t id)
{
	return store_text(s, "SELECT password_hash FROM users WHERE id = :id", SQL_INT(":id", id), SQL_END);
}
