-- API keys (issue 12): an SK… SID and a secret that authenticate as the key's account. The secret is
-- never stored: ``secret_hash`` is its HMAC-SHA256 keyed with the ``api_key_hash_key`` setting.
-- ``key_type`` is 'standard' or 'main' (Twilio's kinds, domain/keys.py). Authentication reads a key
-- by its SID (the primary key); an account's list reads (account_sid, sid) in SID order.
CREATE TABLE api_keys (
    sid            TEXT PRIMARY KEY,
    account_sid    TEXT NOT NULL REFERENCES accounts (sid),
    friendly_name  TEXT,
    key_type       TEXT NOT NULL,
    secret_hash    TEXT NOT NULL,
    date_created   TEXT NOT NULL,
    date_updated   TEXT NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_sid, sid);
