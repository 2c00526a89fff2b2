-- The admin at 100,000 tasks, for a client with thousands of them
-- (`make bench-admin`).
--
-- One client's tasks by last update: the task list filtered by client and
-- the client page walk this in order instead of sorting all of them.
CREATE INDEX tasks_client_updated ON tasks(client_id, updated_at, id);

-- "Most urgent first" with type, route, status or assignee filters tests
-- them on the index entry, not on the task row it points to.
DROP INDEX tasks_urgency_updated;
CREATE INDEX tasks_urgency_updated ON tasks(urgency, updated_at, id, type, route, status, assignee_id);
