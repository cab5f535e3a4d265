-- The rest of the 2010-04-01 API (issue 14): every spec-driven resource in one table.
-- ``kind`` names the collection (message, call, queue.member…), ``scope`` the parent it was created
-- under ('' at the account level), ``sid`` its identity; ``data`` its other properties as JSON text.
-- Lists read in SID order by keyset: (account, kind, scope, sid) for a parent's children, and
-- (account, kind, sid) for an account-wide list that spans parents (every Recording of the account).
CREATE TABLE resources (
    account_sid   TEXT NOT NULL REFERENCES accounts (sid),
    kind          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    sid           TEXT NOT NULL,
    data          TEXT NOT NULL,
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL,
    PRIMARY KEY (account_sid, kind, scope, sid)
);
CREATE INDEX resources_kind ON resources (account_sid, kind, sid);
