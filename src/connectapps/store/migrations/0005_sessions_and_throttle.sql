-- Signed-in web sessions, remembered by the server so that signing out or changing the password
-- ends them (the signed cookie alone is no longer enough). ``id`` is the SHA-256 of the random
-- session id the cookie carries: a copy of this table alone yields no usable cookie.
CREATE TABLE web_sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    expires_at    TEXT NOT NULL,
    date_created  TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id, expires_at);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- Sign-in throttling: one counter per key (an email and a client address; an email alone),
-- counted by a single upsert before the password is checked, with the time the next attempt
-- may come (exponential backoff). sign_in_failures (0002) is no longer read or written: a
-- server of the previous release may still use it during a rolling upgrade; a later release drops it.
CREATE TABLE sign_in_throttle (
    throttle_key  TEXT PRIMARY KEY,
    attempts      INTEGER NOT NULL,
    last_at       TEXT NOT NULL,
    next_at       TEXT NOT NULL
);
CREATE INDEX sign_in_throttle_last ON sign_in_throttle (last_at);
