"""The primitives every SQL backend supplies, and the helpers the shared SQL is written with.

Queries are written once with ``?`` placeholders; a backend with another paramstyle rewrites
them. Every list is read in key order by keyset (``key > last``), with one extra row to know
whether another page follows.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from connectapps.domain.models import Page, PageRequest
from connectapps.store.rows import Row, Table, migrations, split_statements, timestamp

R = TypeVar("R")
VERSION = "version"
Run = Callable[[str, Sequence[object]], list[Row]]
"""Runs one statement (``?`` placeholders) inside a transaction and returns its rows."""


class SqlBase(ABC):
    """A store over any DB-API connection; subclasses own connections and transactions."""

    paramstyle = "?"
    skip_locked = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"
    table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    def _sql(self, sql: str) -> str:
        return sql if self.paramstyle == "?" else sql.replace("?", self.paramstyle)

    @abstractmethod
    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement (already in the backend's paramstyle) in its own transaction."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Run]:
        """A write transaction; statements given to the yielded ``run`` use ``?`` placeholders."""

    schema_migrations_ddl = (
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    record_migration_sql = "INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))"

    def _lock_for_migrations(self, run: Run) -> None:  # noqa: B027 - an optional hook
        """Serialise migrators beyond what the transaction itself does (PostgreSQL: an advisory lock)."""

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet, in one transaction; return their versions.

        Several processes starting together wait for each other; each migration runs once.
        """
        applied: list[int] = []
        with self._transaction() as run:
            self._lock_for_migrations(run)
            run(self.schema_migrations_ddl, ())
            done = {row[0] for row in run("SELECT version FROM schema_migrations", ())}
            for version, script in migrations():
                if version in done:
                    continue
                for statement in split_statements(script):
                    run(statement, ())
                run(self.record_migration_sql, (version,))
                applied.append(version)
        return applied

    @abstractmethod
    def close(self) -> None: ...

    def begin_request(self) -> None:  # noqa: B027 - an optional hook: only cached backends need it
        """No cache, nothing to revalidate."""

    def end_request(self) -> None:  # noqa: B027 - an optional hook
        """Nothing to release."""

    def ping(self) -> None:
        """One trivial round trip: raises if the database does not answer."""
        self._query("SELECT 1")

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
        columns lose nothing. Column names come from the table's fixed list, never a request.
        A table with a ``version`` column has it incremented in the same statement."""
        fixed = ("date_updated", VERSION)
        encoded = table.encode({c: changes[c] for c in table.columns if c in changes and c not in fixed})
        bump = f"{VERSION} = {VERSION} + 1, " if VERSION in table.columns else ""
        assignments = "".join(f"{column} = ?, " for column in encoded) + bump
        sql = f"UPDATE {table.name} SET {assignments}date_updated = ? WHERE {where} {table.returning}"
        rows = self._query(self._sql(sql), [*encoded.values(), timestamp(now), *key])
        return table.from_row(rows[0]) if rows else None

    def _page(
        self, table: Table[R], where: str, params: Sequence[object], request: PageRequest,
        columns: str | None = None,
    ) -> Page[Any]:
        """One page of ``table`` rows matching ``where``, in the order of the table's key column:
        records, or only ``columns`` of each row as the database gives them (tuples)."""
        key = table.key
        decode: Callable[[Row], Any] = table.from_row if columns is None else tuple
        base = f"SELECT {columns} FROM {table.name} WHERE {where}" if columns else f"{table.select} WHERE {where}"
        if request.before is not None:
            sql = f"{base} AND {key} < ? ORDER BY {key} DESC LIMIT ?"
            rows = self._query(self._sql(sql), [*params, request.before, request.size])
            return Page(list(map(decode, reversed(rows))), has_more=True)
        if request.after is not None:
            sql = f"{base} AND {key} > ? ORDER BY {key} LIMIT ?"
            rows = self._query(self._sql(sql), [*params, request.after, request.size + 1])
        else:
            sql = f"{base} ORDER BY {key} LIMIT ? OFFSET ?"
            rows = self._query(self._sql(sql), [*params, request.size + 1, request.offset])
        return Page(list(map(decode, rows[: request.size])), has_more=len(rows) > request.size)
