-- The durable job queue, routing rules, settings editable at run time,
-- LLM usage for billing, and API tokens.

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,              -- classify, draft, send, summary
    payload       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    dedupe_key    TEXT UNIQUE,                -- enqueueing the same key twice is a no-op
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued','running','done','dead','cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 8,
    run_at        INTEGER NOT NULL,
    lease_until   INTEGER,
    worker        TEXT,
    last_error    TEXT,
    client_id     INTEGER,
    task_id       INTEGER,
    message_id    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    finished_at   INTEGER
);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE INDEX jobs_lease ON jobs(state, lease_until);

CREATE TABLE routing_rules (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL CHECK (type IN ('bug','consult','feature_request','question','other')),
    urgency       TEXT NOT NULL CHECK (urgency IN ('urgent','medium','low')),
    route         TEXT NOT NULL CHECK (route IN ('AI','HUMAN')),
    auto_send     INTEGER NOT NULL DEFAULT 0 CHECK (auto_send IN (0,1)),
    updated_at    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (type, urgency)
);
-- Defaults: anything urgent and every bug or consultation goes to a person;
-- questions and other low/medium traffic get an AI draft for review;
-- feature requests go to the AI so it can draft a PRD.  Nothing is sent
-- without review until someone turns auto-send on.
INSERT INTO routing_rules (type, urgency, route, auto_send) VALUES
    ('bug', 'urgent', 'HUMAN', 0), ('bug', 'medium', 'HUMAN', 0), ('bug', 'low', 'AI', 0),
    ('consult', 'urgent', 'HUMAN', 0), ('consult', 'medium', 'HUMAN', 0), ('consult', 'low', 'HUMAN', 0),
    ('feature_request', 'urgent', 'HUMAN', 0), ('feature_request', 'medium', 'AI', 0), ('feature_request', 'low', 'AI', 0),
    ('question', 'urgent', 'HUMAN', 0), ('question', 'medium', 'AI', 0), ('question', 'low', 'AI', 0),
    ('other', 'urgent', 'HUMAN', 0), ('other', 'medium', 'AI', 0), ('other', 'low', 'AI', 0);

CREATE TABLE settings (
    name          TEXT PRIMARY KEY,
    value         TEXT NOT NULL,
    updated_at    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE usage (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER,
    purpose       TEXT NOT NULL,              -- classify, draft, summary
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX usage_client ON usage(client_id, created_at);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    token_hash    TEXT NOT NULL UNIQUE,       -- hex SHA-256 of the token
    user_id       INTEGER,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
