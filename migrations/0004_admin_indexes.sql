-- The admin's task list and home page at 100,000 tasks and more
-- (lib/desk_tasks.c).
--
-- A rare status is listed through this index, testing the other filters
-- on the index entry before reading the task:
CREATE INDEX tasks_facets ON tasks(status, type, urgency, route, assignee_id);
-- "Most urgent first" walks this in order ('urgent' > 'medium' > 'low').
CREATE INDEX tasks_urgency_updated ON tasks(urgency, updated_at, id);

-- Counts per status without reading every task, kept by triggers.
-- Derived data: either table can be rebuilt at any time with its INSERT.
--
-- Per client and status: the unfiltered counts (home page, the task
-- list's tabs), for everyone or for an agent's clients.
CREATE TABLE task_counts (
    client_id     INTEGER NOT NULL,
    status        TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (client_id, status)
) WITHOUT ROWID;
INSERT INTO task_counts (client_id, status, n)
    SELECT client_id, status, count(*) FROM tasks GROUP BY client_id, status;

CREATE TRIGGER task_counts_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO task_counts (client_id, status, n) VALUES (NEW.client_id, NEW.status, 1)
        ON CONFLICT (client_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER task_counts_delete AFTER DELETE ON tasks
BEGIN
    UPDATE task_counts SET n = n - 1 WHERE client_id = OLD.client_id AND status = OLD.status;
END;
CREATE TRIGGER task_counts_update AFTER UPDATE OF status, client_id ON tasks
    WHEN OLD.status IS NOT NEW.status OR OLD.client_id IS NOT NEW.client_id
BEGIN
    UPDATE task_counts SET n = n - 1 WHERE client_id = OLD.client_id AND status = OLD.status;
    INSERT INTO task_counts (client_id, status, n) VALUES (NEW.client_id, NEW.status, 1)
        ON CONFLICT (client_id, status) DO UPDATE SET n = n + 1;
END;

-- Per combination of the list's filters (at most 4 x 5 x 3 x 2 x 2 rows):
-- an admin's counts under any mix of type, urgency, route and "nobody
-- assigned".
CREATE TABLE task_facet_counts (
    status        TEXT NOT NULL,
    type          TEXT NOT NULL,
    urgency       TEXT NOT NULL,
    route         TEXT NOT NULL,
    assigned      INTEGER NOT NULL,            -- 1 when assignee_id is set
    n             INTEGER NOT NULL,
    PRIMARY KEY (status, type, urgency, route, assigned)
) WITHOUT ROWID;
INSERT INTO task_facet_counts (status, type, urgency, route, assigned, n)
    SELECT status, type, urgency, route, assignee_id IS NOT NULL, count(*) FROM tasks GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER task_facet_counts_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO task_facet_counts (status, type, urgency, route, assigned, n)
        VALUES (NEW.status, NEW.type, NEW.urgency, NEW.route, NEW.assignee_id IS NOT NULL, 1)
        ON CONFLICT (status, type, urgency, route, assigned) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER task_facet_counts_delete AFTER DELETE ON tasks
BEGIN
    UPDATE task_facet_counts SET n = n - 1
        WHERE status = OLD.status AND type = OLD.type AND urgency = OLD.urgency AND route = OLD.route
          AND assigned = (OLD.assignee_id IS NOT NULL);
END;
CREATE TRIGGER task_facet_counts_update AFTER UPDATE OF status, type, urgency, route, assignee_id ON tasks
    WHEN OLD.status IS NOT NEW.status OR OLD.type IS NOT NEW.type OR OLD.urgency IS NOT NEW.urgency
      OR OLD.route IS NOT NEW.route OR (OLD.assignee_id IS NULL) IS NOT (NEW.assignee_id IS NULL)
BEGIN
    UPDATE task_facet_counts SET n = n - 1
        WHERE status = OLD.status AND type = OLD.type AND urgency = OLD.urgency AND route = OLD.route
          AND assigned = (OLD.assignee_id IS NOT NULL);
    INSERT INTO task_facet_counts (status, type, urgency, route, assigned, n)
        VALUES (NEW.status, NEW.type, NEW.urgency, NEW.route, NEW.assignee_id IS NOT NULL, 1)
        ON CONFLICT (status, type, urgency, route, assigned) DO UPDATE SET n = n + 1;
END;
