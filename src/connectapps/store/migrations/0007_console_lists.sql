-- The console's lists (store/listing.py): newest first, oldest first, or by name, a page at a
-- time, for one owner. Each index serves its ORDER BY directly, so the first page of an account
-- with a million Connect Apps reads 20 index entries rather than sorting a million rows.
CREATE INDEX connect_apps_account_date ON connect_apps (account_sid, date_created, sid);
CREATE INDEX connect_apps_account_name ON connect_apps (account_sid, (LOWER(COALESCE(friendly_name, sid))), sid);
CREATE INDEX accounts_owner_date ON accounts (owner_account_sid, date_created, sid);
CREATE INDEX accounts_owner_name ON accounts (owner_account_sid, (LOWER(friendly_name)), sid);
CREATE INDEX authorizations_account_date ON authorizations (account_sid, status, date_updated);
CREATE INDEX callbacks_app_date ON callbacks (connect_app_sid, date_created);
