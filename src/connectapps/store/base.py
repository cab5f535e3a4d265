"""The primitives every SQL backend supplies, and the helpers the shared SQL is written with.

Every statement is written with ``?`` placeholders, whether given to ``_query`` or to a
transaction's ``run``; a backend with another paramstyle translates them where it executes them
(postgres.py), nowhere else. Every list is read in key order by keyset (``key > last``), with
one extra row to know whether another page follows.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from connectapps.domain.models import Page, PageRequest
from connectapps.store.rows import Row, Table, timestamp

R = TypeVar("R")
VERSION = "version"
Run = Callable[[str, Sequence[object]], list[Row]]
"""Runs one statement (``?`` placeholders) inside a transaction and returns its rows."""


class SqlBase(ABC):
    """A store over any DB-API connection; subclasses own connections and transactions."""

    @abstractmethod
    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement (``?`` placeholders) in its own transaction."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Run]:
        """A write transaction; statements given to the yielded ``run`` use ``?`` placeholders."""

    @abstractmethod
    def close(self) -> None: ...

    def begin_request(self) -> None:  # noqa: B027 - an optional hook: only cached backends need it
        """No cache, nothing to revalidate."""

    def end_request(self) -> None:  # noqa: B027 - an optional hook
        """Nothing to release."""

    def remembered(self, key: tuple[str, ...], make: Callable[[], R]) -> R:
        """No cache: made every time."""
        return make()

    def ping(self) -> None:
        """One trivial round trip: raises if the database does not answer."""
        self._query("SELECT 1")

    # -- helpers ------------------------------------------------------------------------------

    def _one(self, table: Table[R], where: str, params: Sequence[object]) -> R | None:
        rows = self._query(f"{table.select} WHERE {where}", params)
        return table.from_row(rows[0]) if rows else None

    def _insert(self, table: Table[R], record: R) -> None:
        self._query(table.insert, table.to_row(record))

    def _insert_many(self, table: Table[Any], rows: Iterable[Sequence[object]]) -> int:
        """Insert rows in one transaction; return how many (PostgreSQL: by COPY)."""
        count = 0
        with self._transaction() as run:
            for row in rows:
                run(table.insert, row)
                count += 1
        return count

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
        rows = self._query(sql, [*encoded.values(), timestamp(now), *key])
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
            rows = self._query(sql, [*params, request.before, request.size])
            return Page(list(map(decode, reversed(rows))), has_more=True)
        if request.after is not None:
            sql = f"{base} AND {key} > ? ORDER BY {key} LIMIT ?"
            rows = self._query(sql, [*params, request.after, request.size + 1])
        else:
            sql = f"{base} ORDER BY {key} LIMIT ? OFFSET ?"
            rows = self._query(sql, [*params, request.size + 1, request.offset])
        return Page(list(map(decode, rows[: request.size])), has_more=len(rows) > request.size)
