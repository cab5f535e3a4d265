-- The outbox of deauthorize callbacks, and every delivery attempt.
-- A row is queued in the same transaction that ends an authorization; a sender leases it
-- (lease_owner, lease_until) so that only one sender holds it at a time, and a crashed
-- sender's lease simply runs out. ``claims`` counts leases taken: a claim that never
-- recorded an attempt was interrupted (a crash), and the next sender logs it as such.
CREATE TABLE callbacks (
    id                       TEXT PRIMARY KEY,
    connect_app_sid          TEXT NOT NULL,
    account_sid              TEXT NOT NULL,
    authorizing_account_sid  TEXT NOT NULL,
    url                      TEXT NOT NULL,
    method                   TEXT NOT NULL,
    status                   TEXT NOT NULL,
    attempts                 INTEGER NOT NULL,
    claims                   INTEGER NOT NULL,
    next_attempt_at          TEXT NOT NULL,
    lease_owner              TEXT,
    lease_until              TEXT,
    date_created             TEXT NOT NULL,
    date_updated             TEXT NOT NULL
);
CREATE INDEX callbacks_due ON callbacks (status, next_attempt_at);
CREATE INDEX callbacks_app ON callbacks (connect_app_sid, id);

CREATE TABLE callback_attempts (
    callback_id   TEXT NOT NULL REFERENCES callbacks (id),
    attempt       INTEGER NOT NULL,
    sender        TEXT NOT NULL,
    date_started  TEXT NOT NULL,
    status_code   INTEGER,
    latency_ms    INTEGER NOT NULL,
    error         TEXT,
    PRIMARY KEY (callback_id, attempt)
);
