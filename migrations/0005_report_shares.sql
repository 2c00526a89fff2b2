-- Report share links (fcgi/page_reports.c): an administrator makes a
-- revocable link to one client's static report, to send to that client.
-- Only the SHA-256 of the link's token is stored, like API tokens, so the
-- link is shown once, when it is made.
CREATE TABLE report_shares (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES clients(id),
    token_hash    TEXT NOT NULL UNIQUE,       -- hex SHA-256 of the token in the URL
    label         TEXT NOT NULL DEFAULT '',   -- who it was made for, a note
    created_by    TEXT NOT NULL,              -- actor, e.g. user:LOGIN
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    revoked_by    TEXT
);
CREATE INDEX report_shares_client ON report_shares(client_id, id);

-- The report generator (gen/) rebuilds a changed task's timeline from the
-- events of that task plus the message_in events of its messages (written
-- before the message had a task); this finds those without a scan.
CREATE INDEX events_message ON events(message_id, id) WHERE message_id IS NOT NULL;
