/*
 * client_admin.c - the queries of a client's admin profile page (see
 * client_admin.h).  Read-only.
 */
#include "desk/client_admin.h"

Rows *client_admin_tasks(Store *s, int64_t id)
{
	return store_query(s,
		/* Open ones first, then closed, each newest first: the open few
		 * are sorted, the closed many walked in order of update. */
		"SELECT * FROM (SELECT * FROM (SELECT id, title, type, urgency, status, route, updated_at "
		" FROM tasks INDEXED BY tasks_client_status WHERE client_id = :c AND status != 'closed' "
		" ORDER BY updated_at DESC, id DESC LIMIT 20) "
		"UNION ALL SELECT * FROM (SELECT id, title, type, urgency, status, route, updated_at "
		" FROM tasks INDEXED BY tasks_client_updated WHERE client_id = :c AND status = 'closed' "
		" ORDER BY updated_at DESC, id DESC LIMIT 20)) "
		"ORDER BY status = 'closed', updated_at DESC, id DESC LIMIT 20",
		SQL_INT(":c", id), SQL_END);
}

Rows *client_admin_messages(Store *s, int64_t id)
{
	return store_query(s,
		"SELECT id, direction, body, status, author, ai_generated, created_at, transport, task_id "
		"FROM messages WHERE client_id = :c ORDER BY id DESC LIMIT 20",
		SQL_INT(":c", id), SQL_END);
}
