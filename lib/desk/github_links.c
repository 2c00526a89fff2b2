/*
 * github_links.c - the github_issues and github_deliveries queries of the
 * GitHub page and webhook (see github_links.h).  No events, no calls out.
 */
#include "desk/github_links.h"

#include <stdio.h>

Rows *github_links_issues(Store *s)
{
	return store_query(s,
		"SELECT g.task_id, g.client_id, g.state, g.title, g.body, g.labels, coalesce(g.owner, ''), "
		" g.number, coalesce(g.url, ''), coalesce(g.error, ''), g.updated_at, "
		" EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'github_issue' AND j.task_id = g.task_id "
		"         AND j.state IN ('queued', 'running')) "
		"FROM github_issues g ORDER BY CASE g.state WHEN 'pending' THEN 0 WHEN 'failed' THEN 1 "
		" WHEN 'creating' THEN 2 ELSE 3 END, g.updated_at DESC LIMIT 200",
		SQL_END);
}

char *github_links_state(Store *s, int64_t task)
{
	return store_text(s, "SELECT state FROM github_issues WHERE task_id = :t", SQL_INT(":t", task), SQL_END);
}

int github_links_job_waiting(Store *s, int64_t task)
{
	return store_int(s, 0, "SELECT count(*) FROM jobs WHERE kind = 'github_issue' AND task_id = :t "
			       "AND state IN ('queued', 'running')", SQL_INT(":t", task), SQL_END) > 0;
}

int64_t github_links_task_client(Store *s, int64_t task)
{
	return store_int(s, 0, "SELECT client_id FROM tasks WHERE id = :t", SQL_INT(":t", task), SQL_END);
}

int github_links_find(Store *s, const char *repo, int64_t number, GithubLink *out)
{
	Rows *r = store_query(s,
		"SELECT g.task_id, g.client_id, g.state, coalesce(g.url, '') FROM github_issues g "
		"WHERE g.number = :n AND g.repo = :r COLLATE NOCASE",
		SQL_INT(":n", number), SQL_TEXT(":r", repo ? repo : ""), SQL_END);
	int found = rows_next(r);
	if (found) {
		out->task = rows_int(r, 0);
		out->client = rows_int(r, 1);
		snprintf(out->state, sizeof out->state, "%s", rows_text(r, 2));
		snprintf(out->url, sizeof out->url, "%s", rows_text(r, 3));
	}
	rows_done(r);
	return found;
}

char *github_links_client_name(Store *s, int64_t id)
{
	return store_text(s, "SELECT name FROM clients WHERE id = :id", SQL_INT(":id", id), SQL_END);
}

int github_links_set_closed(Store *s, int64_t task, int closed, int64_t now)
{
	if (closed)
		return store_exec(s, "UPDATE github_issues SET state = 'closed', updated_at = :now WHERE task_id = :t",
				  SQL_INT(":now", now), SQL_INT(":t", task), SQL_END);
	return store_exec(s, "UPDATE github_issues SET state = 'open', updated_at = :now WHERE task_id = :t",
			  SQL_INT(":now", now), SQL_INT(":t", task), SQL_END);
}

int github_links_touch_task(Store *s, int64_t task, int64_t now)
{
	return store_exec(s, "UPDATE tasks SET updated_at = :now WHERE id = :t", SQL_INT(":now", now),
			  SQL_INT(":t", task), SQL_END);
}

int github_links_record_delivery(Store *s, const char *delivery, const char *event, const char *action,
				 int64_t now)
{
	if (store_exec(s,
		"INSERT INTO github_deliveries (delivery_id, event, action, received_at) VALUES (:d, :e, :a, :now) "
		"ON CONFLICT (delivery_id) DO NOTHING",
		SQL_TEXT(":d", delivery), SQL_TEXT(":e", event), SQL_TEXT(":a", action), SQL_INT(":now", now),
		SQL_END) != STORE_OK)
		return -1;
	return store_changes(s) == 0 ? 0 : 1;
}
