-- A person's reply supersedes the AI drafts still pending on its task
-- (lib/desk_tasks.c): the draft message gets status `superseded` (kept,
-- never sent) and its proposal the new status `superseded`, decided by the
-- person who replied.  SQLite cannot change a CHECK constraint in place,
-- so the proposals table is rebuilt with the same columns and indexes.
CREATE TABLE proposals_new (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('reply_draft','prd_review','follow_up','profile_edit')),
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    task_id          INTEGER REFERENCES tasks(id),
    message_id       INTEGER REFERENCES messages(id),
    document_id      INTEGER REFERENCES documents(id),
    document_commit  TEXT,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending','accepted','rejected','edited','superseded')),
    batch_id         TEXT,
    field            TEXT CHECK (field IS NULL OR field IN ('name','company','email')),
    previous_value   TEXT,
    proposed_value   TEXT NOT NULL DEFAULT '',
    edited_value     TEXT,
    source_text      TEXT,
    confidence       REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    decided_by       TEXT,
    decided_at       INTEGER,
    created_by       TEXT NOT NULL DEFAULT 'worker',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
INSERT INTO proposals_new (id, kind, client_id, task_id, message_id, document_id, document_commit, status,
                           batch_id, field, previous_value, proposed_value, edited_value, source_text,
                           confidence, decided_by, decided_at, created_by, created_at, updated_at)
SELECT id, kind, client_id, task_id, message_id, document_id, document_commit, status,
       batch_id, field, previous_value, proposed_value, edited_value, source_text,
       confidence, decided_by, decided_at, created_by, created_at, updated_at
  FROM proposals;
DROP TABLE proposals;
ALTER TABLE proposals_new RENAME TO proposals;
CREATE INDEX proposals_client ON proposals(client_id, status, id);
CREATE INDEX proposals_batch ON proposals(batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX proposals_task ON proposals(task_id, kind, id) WHERE task_id IS NOT NULL;
CREATE UNIQUE INDEX proposals_message ON proposals(message_id)
    WHERE kind IN ('reply_draft','follow_up');
CREATE UNIQUE INDEX proposals_profile_value ON proposals(client_id, field, proposed_value)
    WHERE kind = 'profile_edit';
CREATE UNIQUE INDEX proposals_prd ON proposals(task_id) WHERE kind = 'prd_review';
