-- People who sign in, their main accounts, authorizations of Connect Apps, and web settings.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    date_created   TEXT NOT NULL
);

ALTER TABLE accounts ADD COLUMN user_id TEXT REFERENCES users (id);
CREATE INDEX accounts_user ON accounts (user_id, sid);

-- One row per (authorizing account, app); re-authorization updates it and keeps the subaccount.
CREATE TABLE authorizations (
    account_sid      TEXT NOT NULL REFERENCES accounts (sid),
    connect_app_sid  TEXT NOT NULL REFERENCES connect_apps (sid),
    subaccount_sid   TEXT NOT NULL UNIQUE REFERENCES accounts (sid),
    permissions      TEXT NOT NULL,
    status           TEXT NOT NULL,
    date_created     TEXT NOT NULL,
    date_updated     TEXT NOT NULL,
    PRIMARY KEY (account_sid, connect_app_sid)
);
CREATE INDEX authorizations_app ON authorizations (connect_app_sid, account_sid);

-- Server-wide settings shared by every worker and machine (e.g. the cookie-signing key).
CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Failed sign-ins, for throttling per email and per client address across all workers.
CREATE TABLE sign_in_failures (
    throttle_key  TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (throttle_key, at);
