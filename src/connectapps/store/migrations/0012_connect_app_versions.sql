-- Every change to a Connect App increments its version (store/base.py's UPDATE does it in the same
-- statement), so a representation encoded once per (sid, version) is never stale (wire/render.py).
-- The account's index also carries the version: a list page's (sid, version) pairs are read from the
-- index alone, without touching the rows whose representations are already encoded.
ALTER TABLE connect_apps ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX connect_apps_account_version ON connect_apps (account_sid, sid, version);
DROP INDEX connect_apps_account;
