"""The SQL every backend shares.

Queries are written once with ``?`` placeholders; a backend with another paramstyle rewrites
them. Backends supply only connections, transactions and migrations. Every list is read in SID
order by keyset (``sid > last``), with one extra row to know whether another page follows.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from connectapps.domain.models import ACTIVE, Account, Authorization, ConnectApp, Page, PageRequest, User
from connectapps.store.rows import ACCOUNTS, AUTHORIZATIONS, CONNECT_APPS, USERS, Row, Table, migrations

R = TypeVar("R")
Run = Callable[[str, Sequence[object]], list[Row]]
"""Runs one statement inside a transaction and returns its rows."""


class SqlStore(ABC):
    """Store implementation over any DB-API connection; subclasses own connections."""

    paramstyle = "?"
    table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    def _sql(self, sql: str) -> str:
        return sql if self.paramstyle == "?" else sql.replace("?", self.paramstyle)

    @abstractmethod
    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement (already in the backend's paramstyle) in its own transaction."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Run]:
        """A write transaction; statements given to the yielded ``run`` use ``?`` placeholders."""

    @abstractmethod
    def _apply_migrations(self, pending: list[tuple[int, str]]) -> list[int]:
        """Apply, under the backend's lock, those of ``pending`` not applied yet."""

    @abstractmethod
    def close(self) -> None: ...

    def begin_request(self) -> None:  # noqa: B027 - an optional hook: only cached backends need it
        """No cache, nothing to revalidate."""

    def end_request(self) -> None:  # noqa: B027 - an optional hook
        """Nothing to release."""

    # -- helpers ------------------------------------------------------------------------------

    def _one(self, table: Table[R], where: str, params: Sequence[object]) -> R | None:
        rows = self._query(self._sql(f"{table.select} WHERE {where}"), params)
        return table.from_row(rows[0]) if rows else None

    def _insert(self, table: Table[R], record: R) -> None:
        self._query(self._sql(table.insert), table.to_row(record))

    def _update(
        self, table: Table[R], changes: Mapping[str, object], now: datetime, where: str, key: Sequence[object]
    ) -> R | None:
        """One UPDATE … RETURNING of only the changed columns, so concurrent writers of other
        columns lose nothing. Column names come from the table's fixed list, never a request."""
        encoded = table.encode({c: changes[c] for c in table.columns if c in changes and c != "date_updated"})
        assignments = "".join(f"{column} = ?, " for column in encoded)
        sql = f"UPDATE {table.name} SET {assignments}date_updated = ? WHERE {where} {table.returning}"
        rows = self._query(self._sql(sql), [*encoded.values(), now.isoformat(timespec="microseconds"), *key])
        return table.from_row(rows[0]) if rows else None

    def _page(self, table: Table[R], where: str, params: Sequence[object], request: PageRequest) -> Page[R]:
        """One page of ``table`` rows matching ``where``, in the order of the table's key column."""
        key = table.key
        base = f"{table.select} WHERE {where}"
        if request.before is not None:
            sql = f"{base} AND {key} < ? ORDER BY {key} DESC LIMIT ?"
            rows = self._query(self._sql(sql), [*params, request.before, request.size])
            return Page([table.from_row(r) for r in reversed(rows)], has_more=True)
        if request.after is not None:
            sql = f"{base} AND {key} > ? ORDER BY {key} LIMIT ?"
            rows = self._query(self._sql(sql), [*params, request.after, request.size + 1])
        else:
            sql = f"{base} ORDER BY {key} LIMIT ? OFFSET ?"
            rows = self._query(self._sql(sql), [*params, request.size + 1, request.offset])
        return Page([table.from_row(r) for r in rows[: request.size]], has_more=len(rows) > request.size)

    # -- schema -------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        return self._apply_migrations(list(migrations()))

    def schema_version(self) -> int:
        """The highest migration applied; 0 on a database never migrated."""
        if not self._query(self._sql(self.table_exists_sql), ("schema_migrations",)):
            return 0
        return int(self._query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0])

    # -- accounts -----------------------------------------------------------------------------

    def insert_account(self, account: Account) -> None:
        self._insert(ACCOUNTS, account)

    def get_account(self, sid: str) -> Account | None:
        return self._one(ACCOUNTS, "sid = ?", (sid,))

    def update_account(self, sid: str, changes: Mapping[str, object], now: datetime) -> Account | None:
        return self._update(ACCOUNTS, changes, now, "sid = ?", (sid,))

    def count_accounts(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM accounts")[0][0])

    def list_accounts(self, account_sid: str, request: PageRequest) -> Page[Account]:
        """The account itself and its subaccounts."""
        return self._page(ACCOUNTS, "(sid = ? OR owner_account_sid = ?)", (account_sid, account_sid), request)

    def accounts_of_user(self, user_id: str) -> list[Account]:
        rows = self._query(self._sql(f"{ACCOUNTS.select} WHERE user_id = ? ORDER BY sid"), (user_id,))
        return [ACCOUNTS.from_row(r) for r in rows]

    # -- connect apps -------------------------------------------------------------------------

    def insert_connect_app(self, app: ConnectApp) -> None:
        self._insert(CONNECT_APPS, app)

    def bulk_insert_connect_apps(self, apps: Iterable[ConnectApp]) -> int:
        return self._insert_many(CONNECT_APPS, (CONNECT_APPS.to_row(app) for app in apps))

    def _insert_many(self, table: Table[Any], rows: Iterable[Sequence[object]]) -> int:
        count = 0
        with self._transaction() as run:
            for row in rows:
                run(table.insert, row)
                count += 1
        return count

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None:
        return self._one(CONNECT_APPS, "sid = ? AND account_sid = ?", (sid, account_sid))

    def find_connect_app(self, sid: str) -> ConnectApp | None:
        return self._one(CONNECT_APPS, "sid = ?", (sid,))

    def update_connect_app(
        self, account_sid: str, sid: str, changes: Mapping[str, object], now: datetime
    ) -> ConnectApp | None:
        return self._update(CONNECT_APPS, changes, now, "sid = ? AND account_sid = ?", (sid, account_sid))

    def list_connect_apps(self, account_sid: str, request: PageRequest) -> Page[ConnectApp]:
        return self._page(CONNECT_APPS, "account_sid = ?", (account_sid,), request)

    # -- users --------------------------------------------------------------------------------

    def insert_user(self, user: User, main_account: Account) -> None:
        """A person and their first main account, together or not at all."""
        with self._transaction() as run:
            run(USERS.insert, USERS.to_row(user))
            run(ACCOUNTS.insert, ACCOUNTS.to_row(main_account))

    def get_user(self, user_id: str) -> User | None:
        return self._one(USERS, "id = ?", (user_id,))

    def get_user_by_email(self, email: str) -> User | None:
        return self._one(USERS, "email = ?", (email,))

    # -- authorizations -----------------------------------------------------------------------

    def get_authorization(self, account_sid: str, connect_app_sid: str) -> Authorization | None:
        return self._one(AUTHORIZATIONS, "account_sid = ? AND connect_app_sid = ?", (account_sid, connect_app_sid))

    def get_authorization_by_subaccount(self, subaccount_sid: str) -> Authorization | None:
        return self._one(AUTHORIZATIONS, "subaccount_sid = ?", (subaccount_sid,))

    def save_authorization(self, authorization: Authorization, new_subaccount: Account | None) -> Authorization:
        """Insert or re-activate (account, app)'s authorization, creating its subaccount if given."""
        row = AUTHORIZATIONS.to_row(authorization)
        with self._transaction() as run:
            if new_subaccount is not None:
                run(ACCOUNTS.insert, ACCOUNTS.to_row(new_subaccount))
            rows = run(
                f"{AUTHORIZATIONS.insert} ON CONFLICT (account_sid, connect_app_sid) DO UPDATE SET "
                "subaccount_sid = excluded.subaccount_sid, permissions = excluded.permissions, "
                f"status = excluded.status, date_updated = excluded.date_updated {AUTHORIZATIONS.returning}",
                row,
            )
        return AUTHORIZATIONS.from_row(rows[0])

    def revoke_authorization(self, account_sid: str, connect_app_sid: str, now: datetime) -> Authorization | None:
        """End an active authorization; None if there was none active."""
        return self._update(
            AUTHORIZATIONS, {"status": "revoked"}, now,
            "account_sid = ? AND connect_app_sid = ? AND status = ?", (account_sid, connect_app_sid, ACTIVE),
        )

    def list_authorizations(self, account_sid: str, request: PageRequest) -> Page[Authorization]:
        """The active authorizations granted by ``account_sid``, in ConnectApp SID order."""
        return self._page(AUTHORIZATIONS, "account_sid = ? AND status = ?", (account_sid, ACTIVE), request)

    def all_authorizations(self, account_sid: str | None = None) -> list[Authorization]:
        """Every authorization (active and ended), optionally of one authorizing account."""
        where, params = ("WHERE account_sid = ?", (account_sid,)) if account_sid else ("", ())
        rows = self._query(self._sql(f"{AUTHORIZATIONS.select} {where} ORDER BY account_sid, connect_app_sid"), params)
        return [AUTHORIZATIONS.from_row(r) for r in rows]

    # -- settings and sign-in throttling ------------------------------------------------------

    def setting(self, name: str, default: Callable[[], str]) -> str:
        """The setting's value; the first caller anywhere stores ``default()`` and every other sees it."""
        self._query(self._sql("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"),
                    (name, default()))
        return str(self._query(self._sql("SELECT value FROM settings WHERE name = ?"), (name,))[0][0])

    def record_sign_in_failure(self, keys: Sequence[str], now: datetime) -> None:
        with self._transaction() as run:
            for key in keys:
                run("INSERT INTO sign_in_failures (throttle_key, at) VALUES (?, ?)", (key, now.isoformat()))

    def count_sign_in_failures(self, key: str, since: datetime) -> int:
        sql = "SELECT COUNT(*) FROM sign_in_failures WHERE throttle_key = ? AND at > ?"
        return int(self._query(self._sql(sql), (key, since.isoformat()))[0][0])

    def forget_sign_in_failures(self, before: datetime) -> None:
        self._query(self._sql("DELETE FROM sign_in_failures WHERE at < ?"), (before.isoformat(),))


