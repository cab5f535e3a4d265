-- Named copies of every record, for tests: saved and restored through the admin API (admin/),
-- and the seed's own copy that "reset" goes back to. ``data`` is JSON: table -> rows.
CREATE TABLE snapshots (
    name          TEXT PRIMARY KEY,
    data          TEXT NOT NULL,
    date_created  TEXT NOT NULL
);
