-- Forms that change something are done once (fcgi/form_once.c,
-- lib/form_keys.c).
--
-- form_submissions: one row per form submission carrying a form token
-- (the hidden _form field every admin form has).  key is the SHA-256 of
-- the session, the token, the path and the form's fields, so the same
-- form sent again (a double click, a reload after the POST, the back
-- button) finds its row.  finished_at is NULL while the first request
-- runs; location is where it sent the person ('' when it answered with a
-- page).  A request that was refused (4xx/5xx) deletes its row so the
-- form can be corrected and sent again.  Rows older than a week go.
CREATE TABLE form_submissions (
    key          TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    path         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,  -- unix ms
    finished_at  INTEGER,
    location     TEXT
) WITHOUT ROWID;
CREATE INDEX form_submissions_created ON form_submissions (created_at);
