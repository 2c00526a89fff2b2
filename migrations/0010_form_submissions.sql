-- Forms that change something are done once (fcgi/form_once.c,
-- lib/form_keys.c) and one-time secrets are shown once (lib/secrets.c).
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

-- shown_once: a one-time secret (a new user's or a reset password, a new
-- report share link) waiting to be shown on the page the POST redirects
-- to.  Never in clear: sealed is the secret XORed with a key stream that
-- only the session cookie of the person who made it derives (the store
-- keeps only the cookie's SHA-256), and it is erased (NULL) the first
-- time it is shown.  subject_id is the user (user_password) or the share
-- link (share_link).  Rows older than a day go.
CREATE TABLE shown_once (
    id            INTEGER PRIMARY KEY,
    session_hash  TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('user_password','share_link')),
    subject_id    INTEGER NOT NULL,
    nonce         TEXT NOT NULL,
    sealed        TEXT,
    created_at    INTEGER NOT NULL,
    shown_at      INTEGER
);
CREATE INDEX shown_once_created ON shown_once (created_at);
