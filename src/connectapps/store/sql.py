"""The SQL every backend shares, and the mapping between rows and domain records.

Queries are written once with ``?`` placeholders; a backend that uses another paramstyle
rewrites them once, at start. Backends supply only connections, transactions and migrations.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from importlib import resources
from typing import Any

from connectapps.domain.models import Account, ConnectApp, Page, PageRequest

Row = Sequence[Any]

ACCOUNT_COLUMNS = (
    "sid", "auth_token", "friendly_name", "owner_account_sid", "status", "date_created", "date_updated",
)
CONNECT_APP_COLUMNS = (
    "sid", "account_sid", "friendly_name", "company_name", "description", "homepage_url",
    "authorize_redirect_url", "deauthorize_callback_url", "deauthorize_callback_method",
    "permissions", "date_created", "date_updated",
)
INSERT_CONNECT_APP = (
    f"INSERT INTO connect_apps ({', '.join(CONNECT_APP_COLUMNS)}) VALUES ({', '.join('?' * len(CONNECT_APP_COLUMNS))})"
)
_APP_SELECT = f"SELECT {', '.join(CONNECT_APP_COLUMNS)} FROM connect_apps"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> Iterator[tuple[int, str]]:
    """(version, SQL) for every migration file, in order."""
    folder = resources.files("connectapps.store") / "migrations"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            yield int(match.group(1)), entry.read_text(encoding="utf-8")


def split_statements(script: str) -> list[str]:
    """A migration file's statements (no semicolons inside statements in our migrations)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


def _ts(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def _account(row: Row) -> Account:
    return Account(
        sid=row[0], auth_token=row[1], friendly_name=row[2], owner_account_sid=row[3], status=row[4],
        date_created=datetime.fromisoformat(row[5]), date_updated=datetime.fromisoformat(row[6]),
    )


def _connect_app(row: Row) -> ConnectApp:
    return ConnectApp(
        sid=row[0], account_sid=row[1], friendly_name=row[2], company_name=row[3], description=row[4],
        homepage_url=row[5], authorize_redirect_url=row[6], deauthorize_callback_url=row[7],
        deauthorize_callback_method=row[8],
        permissions=tuple(row[9].split(",")) if row[9] else (),
        date_created=datetime.fromisoformat(row[10]), date_updated=datetime.fromisoformat(row[11]),
    )


def connect_app_row(app: ConnectApp) -> list[object]:
    """The column values of ``app``, in CONNECT_APP_COLUMNS order."""
    values = [_column_value(c, getattr(app, c)) for c in CONNECT_APP_COLUMNS]
    values[-2:] = [_ts(app.date_created), _ts(app.date_updated)]
    return values


def _column_value(field: str, value: object) -> object:
    if field == "permissions":
        assert isinstance(value, tuple)
        return ",".join(value)
    return value


class SqlStore(ABC):
    """Store implementation over any DB-API connection; subclasses own connections."""

    paramstyle = "?"

    def _sql(self, sql: str) -> str:
        return sql if self.paramstyle == "?" else sql.replace("?", self.paramstyle)

    @abstractmethod
    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement in its own transaction; return its rows."""

    @abstractmethod
    def _apply_migrations(self, pending: list[tuple[int, str]]) -> list[int]:
        """Apply, under the backend's lock, those of ``pending`` not applied yet."""

    @abstractmethod
    def close(self) -> None: ...

    # -- schema -----------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        return self._apply_migrations(list(migrations()))

    def begin_request(self) -> None:  # noqa: B027 - an optional hook: only cached backends need it
        """No cache, nothing to revalidate."""

    def end_request(self) -> None:  # noqa: B027 - an optional hook
        """Nothing to release."""

    def schema_version(self) -> int:
        rows = self._query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    # -- accounts ---------------------------------------------------------------------------

    def insert_account(self, account: Account) -> None:
        self._query(
            self._sql(f"INSERT INTO accounts ({', '.join(ACCOUNT_COLUMNS)}) VALUES ({', '.join('?' * 7)})"),
            (account.sid, account.auth_token, account.friendly_name, account.owner_account_sid,
             account.status, _ts(account.date_created), _ts(account.date_updated)),
        )

    def get_account(self, sid: str) -> Account | None:
        rows = self._query(self._sql(f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM accounts WHERE sid = ?"), (sid,))
        return _account(rows[0]) if rows else None

    def update_account(self, sid: str, changes: Mapping[str, object], now: datetime) -> Account | None:
        rows = self._update("accounts", ACCOUNT_COLUMNS, changes, now, "sid = ?", (sid,))
        return _account(rows[0]) if rows else None

    def count_accounts(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM accounts")[0][0])

    # -- connect apps -----------------------------------------------------------------------

    def insert_connect_app(self, app: ConnectApp) -> None:
        self._query(self._sql(INSERT_CONNECT_APP), connect_app_row(app))

    def bulk_insert_connect_apps(self, apps: Iterable[ConnectApp]) -> int:
        return self._insert_many(self._sql(INSERT_CONNECT_APP), (connect_app_row(app) for app in apps))

    @abstractmethod
    def _insert_many(self, sql: str, rows: Iterable[Sequence[object]]) -> int:
        """Run ``sql`` for every row in one transaction; return the row count."""

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None:
        rows = self._query(self._sql(f"{_APP_SELECT} WHERE sid = ? AND account_sid = ?"), (sid, account_sid))
        return _connect_app(rows[0]) if rows else None

    def update_connect_app(
        self, account_sid: str, sid: str, changes: Mapping[str, object], now: datetime
    ) -> ConnectApp | None:
        rows = self._update(
            "connect_apps", CONNECT_APP_COLUMNS, changes, now, "sid = ? AND account_sid = ?", (sid, account_sid)
        )
        return _connect_app(rows[0]) if rows else None

    def _update(
        self, table: str, columns: Sequence[str], changes: Mapping[str, object], now: datetime,
        where: str, key: Sequence[object],
    ) -> list[Row]:
        """One UPDATE … RETURNING of only the changed columns, so concurrent writers of other
        columns lose nothing. Column names come from the fixed column lists, never a request."""
        fields = [f for f in columns if f in changes and f != "date_updated"]
        assignments = "".join(f"{f} = ?, " for f in fields)
        sql = f"UPDATE {table} SET {assignments}date_updated = ? WHERE {where} RETURNING {', '.join(columns)}"
        params = [_column_value(f, changes[f]) for f in fields] + [_ts(now), *key]
        return self._query(self._sql(sql), params)

    def list_connect_apps(self, account_sid: str, request: PageRequest) -> Page[ConnectApp]:
        """One page in SID order; reads one extra row to know whether another page follows."""
        limit = request.size + 1
        if request.before is not None:
            rows = self._query(
                self._sql(f"{_APP_SELECT} WHERE account_sid = ? AND sid < ? ORDER BY sid DESC LIMIT ?"),
                (account_sid, request.before, request.size),
            )
            return Page([_connect_app(r) for r in reversed(rows)], has_more=True)
        if request.after is not None:
            rows = self._query(
                self._sql(f"{_APP_SELECT} WHERE account_sid = ? AND sid > ? ORDER BY sid LIMIT ?"),
                (account_sid, request.after, limit),
            )
        else:
            rows = self._query(
                self._sql(f"{_APP_SELECT} WHERE account_sid = ? ORDER BY sid LIMIT ? OFFSET ?"),
                (account_sid, limit, request.offset),
            )
        apps = [_connect_app(r) for r in rows[: request.size]]
        return Page(apps, has_more=len(rows) > request.size)
