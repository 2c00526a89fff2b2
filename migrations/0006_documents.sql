-- Documents (lib/documents.c): the metadata of every file kept in the
-- artifact repository ($SWITCHBOARD_ARTIFACTS, a bare git repository).
-- The repository holds the content and the history: the versions of a
-- document are the commits that touched its path, and current_commit is
-- the newest of them.  A deleted document keeps its row (deleted_at) and
-- its history; uploading the same file name to the same place again
-- brings it back.
CREATE TABLE documents (
    id             INTEGER PRIMARY KEY,
    client_id      INTEGER NOT NULL REFERENCES clients(id),
    task_id        INTEGER REFERENCES tasks(id),
    event_id       INTEGER REFERENCES events(id), -- the event it belongs to (e.g. a message_in)
    path           TEXT NOT NULL UNIQUE,           -- in the repository: clients/<client>/tasks/<id>-<slug>/<file>
    file_name      TEXT NOT NULL,                  -- safe base name, also the download name
    content_type   TEXT NOT NULL,                  -- checked against the bytes at upload
    size           INTEGER NOT NULL CHECK (size >= 0),
    current_commit TEXT NOT NULL,                  -- 40 hex digits
    uploaded_by    TEXT NOT NULL,                  -- actor: user:LOGIN, api:NAME, worker
    description    TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT NOT NULL,
    deleted_at     INTEGER,
    deleted_by     TEXT
);
CREATE INDEX documents_client ON documents(client_id, id);
CREATE INDEX documents_task ON documents(task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX documents_event ON documents(event_id) WHERE event_id IS NOT NULL;
CREATE INDEX documents_uploader ON documents(uploaded_by, id);
CREATE INDEX documents_created ON documents(created_at, id);
