/*
 * simulator.c - the queries of the SMS simulator page (see simulator.h).
 * Read-only.
 */
#include "desk/simulator.h"

Rows *simulator_recent(Store *s)
{
	return store_query(s,
		"SELECT m.id, m.client_id, m.from_addr, m.body, m.type, m.urgency, m.task_id, m.created_at, c.name "
		"FROM messages m JOIN clients c ON c.id = m.client_id "
		"WHERE m.direction = 'in' ORDER BY m.id DESC LIMIT 5",
		SQL_END);
}

int64_t simulator_message_client(Store *s, int64_t message_id)
{
	return store_int(s, 0, "SELECT client_id FROM messages WHERE id = :id", SQL_INT(":id", message_id), SQL_END);
}
