-- GitHub issues for bug tasks (lib/github.c, the github_issue and
-- github_comment jobs in lib/worker.c, fcgi/webhook_github.c).
--
-- One row per task that should have an issue.  state:
--   pending   GitHub is not configured: body holds the rendered issue for
--             an admin to copy, or to send with "retry now" once configured
--   creating  a create request is (or was) in flight; before sending again
--             the worker looks for the marker in the repository's issues
--   open, closed  the issue exists (number, url); webhooks move the state
--   failed    GitHub refused the issue for good (error says why)
CREATE TABLE github_issues (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL UNIQUE REFERENCES tasks(id),
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    repo             TEXT NOT NULL DEFAULT '',  -- owner/name the issue lives in
    number           INTEGER,                   -- per-repository issue number
    url              TEXT,                      -- html_url
    state            TEXT NOT NULL CHECK (state IN ('pending','creating','open','closed','failed')),
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,             -- as rendered (and sent)
    labels           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(labels)),
    owner            TEXT,                      -- GitHub login from owner_rules
    included_message_id INTEGER NOT NULL DEFAULT 0, -- newest inbound message in body
    followup_message_id INTEGER,                -- the follow-up SMS draft
    create_started_at INTEGER,                  -- when the last create was sent
    error            TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX github_issues_number ON github_issues(repo, number) WHERE number IS NOT NULL;
CREATE INDEX github_issues_state ON github_issues(state, id);

-- Comments posted for later client messages on a bug task (one per
-- message); state 'posting' while a request is in flight, then 'posted'.
CREATE TABLE github_comments (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    task_id          INTEGER NOT NULL REFERENCES tasks(id),
    issue_number     INTEGER NOT NULL,
    comment_id       INTEGER,
    url              TEXT,
    state            TEXT NOT NULL CHECK (state IN ('posting','posted')),
    started_at       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);

-- Owner rules: a keyword or component name found in a bug report picks
-- the GitHub login the issue is assigned to; highest priority wins, then
-- the oldest rule.
CREATE TABLE owner_rules (
    id               INTEGER PRIMARY KEY,
    pattern          TEXT NOT NULL,
    login            TEXT NOT NULL,
    priority         INTEGER NOT NULL DEFAULT 0,
    created_by       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (pattern COLLATE NOCASE, login COLLATE NOCASE)
);

-- Webhook deliveries already handled (X-GitHub-Delivery), for replay
-- protection: a repeated id changes nothing.
CREATE TABLE github_deliveries (
    id               INTEGER PRIMARY KEY,
    delivery_id      TEXT NOT NULL UNIQUE,
    event            TEXT NOT NULL,
    action           TEXT,
    received_at      INTEGER NOT NULL
);
