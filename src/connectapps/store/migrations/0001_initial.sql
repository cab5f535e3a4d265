-- Accounts (main accounts and subaccounts) and Connect Apps.
-- Timestamps are ISO 8601 UTC text so both backends store and compare them the same way.
CREATE TABLE accounts (
    sid                TEXT PRIMARY KEY,
    auth_token         TEXT NOT NULL,
    friendly_name      TEXT NOT NULL,
    owner_account_sid  TEXT REFERENCES accounts (sid),
    status             TEXT NOT NULL,
    date_created       TEXT NOT NULL,
    date_updated       TEXT NOT NULL
);
CREATE INDEX accounts_owner ON accounts (owner_account_sid, sid);

CREATE TABLE connect_apps (
    sid                          TEXT PRIMARY KEY,
    account_sid                  TEXT NOT NULL REFERENCES accounts (sid),
    friendly_name                TEXT,
    company_name                 TEXT,
    description                  TEXT,
    homepage_url                 TEXT,
    authorize_redirect_url       TEXT,
    deauthorize_callback_url     TEXT,
    deauthorize_callback_method  TEXT,
    permissions                  TEXT NOT NULL,
    date_created                 TEXT NOT NULL,
    date_updated                 TEXT NOT NULL
);
CREATE UNIQUE INDEX connect_apps_account ON connect_apps (account_sid, sid);
