-- People who use the admin, their sessions, which clients they may see,
-- and login attempts (for rate limiting).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin','agent')),
    password_hash TEXT NOT NULL,              -- pbkdf2-sha256$ITER$SALT$HASH (base64)
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled_at   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,           -- hex SHA-256 of the cookie value
    user_id       INTEGER NOT NULL REFERENCES users(id),
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,           -- absolute expiry
    addr          TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE client_members (
    user_id       INTEGER NOT NULL REFERENCES users(id),
    client_id     INTEGER NOT NULL REFERENCES clients(id),
    created_at    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX client_members_client ON client_members(client_id, user_id);

CREATE TABLE login_attempts (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL COLLATE NOCASE,
    addr          TEXT NOT NULL,
    ok            INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX login_attempts_login ON login_attempts(login, created_at);
CREATE INDEX login_attempts_addr ON login_attempts(addr, created_at);

-- List pages filter and sort tasks by these.
CREATE INDEX tasks_assignee ON tasks(assignee_id, status, updated_at);
CREATE INDEX tasks_updated ON tasks(updated_at, id);
CREATE INDEX messages_drafts ON messages(status, client_id, id) WHERE status = 'draft';
