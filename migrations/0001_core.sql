-- Core tables: clients, tasks, messages and the append-only event log.
-- Timestamps are unix milliseconds (UTC).

CREATE TABLE clients (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    phone         TEXT UNIQUE,                -- E.164, e.g. +14155550100
    email         TEXT,
    company       TEXT,
    summary       TEXT NOT NULL DEFAULT '',   -- rolling summary, bounded
    summary_updated_at INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX clients_name ON clients(name COLLATE NOCASE, id);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES clients(id),
    title         TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('bug','consult','feature_request','question','other')),
    urgency       TEXT NOT NULL CHECK (urgency IN ('urgent','medium','low')),
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open','waiting','approved','closed')),
    route         TEXT NOT NULL CHECK (route IN ('AI','HUMAN')),
    confidence    REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    rule_id       INTEGER,
    assignee_id   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    closed_at     INTEGER
);
CREATE INDEX tasks_status_created ON tasks(status, created_at);
CREATE INDEX tasks_client_status ON tasks(client_id, status, type);
CREATE INDEX tasks_created ON tasks(created_at, id);

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES clients(id),
    task_id       INTEGER REFERENCES tasks(id),
    channel       TEXT NOT NULL DEFAULT 'sms',
    direction     TEXT NOT NULL CHECK (direction IN ('in','out')),
    external_id   TEXT,                       -- Twilio MessageSid
    from_addr     TEXT NOT NULL,
    to_addr       TEXT NOT NULL,
    body          TEXT NOT NULL,
    -- in: received.  out: draft, queued (waiting for the worker),
    -- submitting (a send attempt is in flight), accepted / sending / sent
    -- (Twilio's progress), delivered, undelivered, failed, rejected (a
    -- draft a person turned down).
    status        TEXT NOT NULL,
    error_code    TEXT,
    error_message TEXT,
    type          TEXT,                       -- classification of inbound text
    urgency       TEXT,
    confidence    REAL,
    ai_generated  INTEGER NOT NULL DEFAULT 0,
    transport     TEXT,                       -- outbound: twilio, or log (no credentials)
    submitted_at  INTEGER,                    -- outbound: when a send attempt started
    author        TEXT,                       -- who wrote an outbound message
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_external ON messages(channel, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX messages_client ON messages(client_id, id);
CREATE INDEX messages_task ON messages(task_id, id);
CREATE INDEX messages_status ON messages(status, id);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    event_type    TEXT NOT NULL,
    client_id     INTEGER,
    task_id       INTEGER,
    message_id    INTEGER,
    actor         TEXT NOT NULL,              -- system, worker, twilio, user:LOGIN, api:TOKEN
    details       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    created_at    INTEGER NOT NULL
);
CREATE INDEX events_client ON events(client_id, id);
CREATE INDEX events_task ON events(task_id, id);
CREATE INDEX events_type ON events(event_type, id);
CREATE INDEX events_created ON events(created_at, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
