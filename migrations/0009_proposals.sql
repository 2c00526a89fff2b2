-- Proposals (lib/proposals.c): every AI output a person must decide on.
--
--   reply_draft   an AI reply SMS (message_id: the draft in messages)
--   follow_up     an AI follow-up SMS on a bug task (message_id)
--   prd_review    a PRD drafted for a feature request (document_id: the
--                 PRD in the artifact repository; document_commit: the
--                 version under review, and once decided the one approved)
--   profile_edit  one client field (field: name, company or email) the AI
--                 read in a message; batch_id groups the fields read from
--                 one message, previous_value is the client's value then
--
-- status: pending until a person (or a token) decides; then accepted,
-- rejected (kept, never deleted) or edited (accepted with edited_value).
-- decided_by is the actor ("user:ada", "api:ci").
CREATE TABLE proposals (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('reply_draft','prd_review','follow_up','profile_edit')),
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    task_id          INTEGER REFERENCES tasks(id),
    message_id       INTEGER REFERENCES messages(id),  -- the draft (reply_draft, follow_up) or the source message
    document_id      INTEGER REFERENCES documents(id),
    document_commit  TEXT,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending','accepted','rejected','edited')),
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
CREATE INDEX proposals_client ON proposals(client_id, status, id);
CREATE INDEX proposals_batch ON proposals(batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX proposals_task ON proposals(task_id, kind, id) WHERE task_id IS NOT NULL;
CREATE UNIQUE INDEX proposals_message ON proposals(message_id)
    WHERE kind IN ('reply_draft','follow_up');
-- A value is proposed once per client and field, whatever became of it.
CREATE UNIQUE INDEX proposals_profile_value ON proposals(client_id, field, proposed_value)
    WHERE kind = 'profile_edit';
-- One PRD review per task.
CREATE UNIQUE INDEX proposals_prd ON proposals(task_id) WHERE kind = 'prd_review';

-- Drafts waiting before this migration become proposals too.
INSERT INTO proposals (kind, client_id, task_id, message_id, proposed_value, created_at, updated_at)
SELECT 'reply_draft', client_id, task_id, id, body, created_at, updated_at
  FROM messages WHERE direction = 'out' AND status = 'draft' AND ai_generated = 1;
