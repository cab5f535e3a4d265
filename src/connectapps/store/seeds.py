"""Applying a seed (seeding/) in SQL: every record upserted in one transaction.

An upsert keeps a record's ``date_created`` and writes every other column, so applying the same
seed again changes nothing but ``date_updated``, and a record a test changed goes back to the
seed's values. Records the seed does not name are left alone.
"""

from collections.abc import Sequence
from typing import Any

from connectapps.domain.keys import ApiKey
from connectapps.domain.models import Account, Authorization, ConnectApp, User
from connectapps.domain.snapshots import SeedStore
from connectapps.store.base import Run, SqlBase
from connectapps.store.keys import KEYS
from connectapps.store.rows import ACCOUNTS, AUTHORIZATIONS, CONNECT_APPS, USERS, Table

_KEYS = {"users": ("id",), "accounts": ("sid",), "connect_apps": ("sid",),
         "authorizations": ("account_sid", "connect_app_sid"), "api_keys": ("sid",)}


def _upsert_sql(table: Table[Any]) -> str:
    keys = _KEYS[table.name]
    updated = [c for c in table.columns if c not in keys and c != "date_created"]
    assignments = ", ".join(f"{column} = excluded.{column}" for column in updated)
    return f"{table.insert} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {assignments}"


_UPSERTS = {table.name: _upsert_sql(table) for table in (USERS, ACCOUNTS, CONNECT_APPS, AUTHORIZATIONS, KEYS)}


class SeedSql(SqlBase, SeedStore):
    def apply_seed(
        self, users: Sequence[User], accounts: Sequence[Account], apps: Sequence[ConnectApp],
        authorizations: Sequence[Authorization], api_keys: Sequence[ApiKey] = (),
    ) -> None:
        """Upsert these records (accounts in the order given: parents first), atomically."""
        with self._transaction() as run:
            _put(run, USERS, users)
            _put(run, ACCOUNTS, accounts)
            _put(run, CONNECT_APPS, apps)
            _put(run, AUTHORIZATIONS, authorizations)
            _put(run, KEYS, api_keys)


def _put(run: Run, table: Table[Any], records: Sequence[Any]) -> None:
    sql = _UPSERTS[table.name]
    for record in records:
        run(sql, table.to_row(record))
