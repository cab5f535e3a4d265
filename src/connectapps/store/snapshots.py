"""Snapshots in SQL (domain/snapshots.py): every data table's rows as JSON in ``snapshots``.

Rows are copied as stored (text, integers, nulls), so a restore writes back exactly what was
read. Tables are written parents first and deleted children first, inside one transaction: a
reader sees the old records or the new ones, never a mix. A table added by a later migration
joins ``DATA_TABLES``.

Other writers wait while a restore or a reset deletes: on PostgreSQL a row written meanwhile could
otherwise refer to a parent that is being deleted (a callback sender's attempt did: the delete of
``callbacks`` then broke the attempt's foreign key), so the transaction first locks every data table
against writes (``lock_for_rewrite_sql``), parents first, as a callback's sender takes them. A writer that
held a child table while it waited for a parent would deadlock with it, and PostgreSQL would fail one of
the two. SQLite has one writer at a time already.
"""

from datetime import datetime
from typing import Any

import orjson

from connectapps.domain.snapshots import Snapshot, SnapshotStore
from connectapps.store.base import Run, SqlBase
from connectapps.store.keys import KEYS
from connectapps.store.resources import RESOURCES
from connectapps.store.rows import (
    ACCOUNTS,
    AUTHORIZATIONS,
    CALLBACK_ATTEMPTS,
    CALLBACKS,
    CONNECT_APPS,
    THROTTLES,
    USERS,
    WEB_SESSIONS,
    Table,
    timestamp,
)

# Parents before children (foreign keys): restored in this order, deleted in the reverse one.
DATA_TABLES: tuple[Table[Any], ...] = (
    USERS, ACCOUNTS, KEYS, CONNECT_APPS, AUTHORIZATIONS, CALLBACKS, CALLBACK_ATTEMPTS, RESOURCES, WEB_SESSIONS,
    THROTTLES,
)
_OWNER = ACCOUNTS.columns.index("owner_account_sid")


def _rows_in_order(table: Table[Any], rows: list[list[object]]) -> list[list[object]]:
    """Main accounts before their subaccounts (accounts refer to accounts)."""
    if table is ACCOUNTS:
        return sorted(rows, key=lambda row: row[_OWNER] is not None)
    return rows


class SnapshotSql(SqlBase, SnapshotStore):
    lock_for_rewrite_sql: str | None = None
    """A statement that keeps other writers out of ``{tables}`` until the transaction ends (None: the
    backend's write transactions already exclude each other)."""

    def save_snapshot(self, name: str, now: datetime) -> Snapshot:
        with self._transaction() as run:
            data = {table.name: [list(row) for row in run(table.select, ())] for table in DATA_TABLES}
            encoded = orjson.dumps(data).decode()
            run("DELETE FROM snapshots WHERE name = ?", (name,))
            run("INSERT INTO snapshots (name, data, date_created) VALUES (?, ?, ?)",
                (name, encoded, timestamp(now)))
        return Snapshot(name, sum(len(rows) for rows in data.values()), now)

    def restore_snapshot(self, name: str) -> Snapshot | None:
        with self._transaction() as run:
            found = run("SELECT data, date_created FROM snapshots WHERE name = ?", (name,))
            if not found:
                return None
            data = orjson.loads(found[0][0])
            self._delete_all(run)
            count = 0
            for table in DATA_TABLES:
                for row in _rows_in_order(table, data.get(table.name, [])):
                    run(table.insert, row)
                    count += 1
        return Snapshot(name, count, datetime.fromisoformat(found[0][1]))

    def clear_records(self) -> None:
        with self._transaction() as run:
            self._delete_all(run)

    def _delete_all(self, run: Run) -> None:
        if self.lock_for_rewrite_sql is not None:
            run(self.lock_for_rewrite_sql.format(tables=", ".join(table.name for table in DATA_TABLES)), ())
        for table in reversed(DATA_TABLES):
            run(f"DELETE FROM {table.name}", ())

    def list_snapshots(self) -> list[Snapshot]:
        rows = self._query("SELECT name, data, date_created FROM snapshots ORDER BY name")
        return [Snapshot(r[0], sum(len(v) for v in orjson.loads(r[1]).values()), datetime.fromisoformat(r[2]))
                for r in rows]

    def delete_snapshot(self, name: str) -> bool:
        rows = self._query("DELETE FROM snapshots WHERE name = ? RETURNING name", (name,))
        return bool(rows)
