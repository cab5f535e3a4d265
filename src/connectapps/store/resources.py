"""SQL for the spec-driven resources (domain/resources/): one table, both backends.

Properties live in a JSON text column. A list may select on them (``data ->> 'to' = ?``; the
property names come from the spec, never from a request, and are checked before they reach SQL);
the dialects differ only in how JSON is read and what ``->>`` returns for booleans and numbers.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from connectapps.domain.models import Page, PageRequest
from connectapps.domain.resources.records import AT_LEAST, BELOW, EQUAL, Match, Resource
from connectapps.domain.store import ResourceStore
from connectapps.store.base import SqlBase
from connectapps.store.rows import Row, Table, timestamp

_PROPERTY = re.compile(r"^[a-z_][a-z0-9_]{0,63}\Z")
_OPERATORS = frozenset({EQUAL, AT_LEAST, BELOW})
_COLUMNS = frozenset({"date_created", "date_updated"})  # kept as columns (ISO text), not in data


class ResourceTable(Table[Resource]):
    """``data`` is stored as JSON text."""

    def __init__(self) -> None:
        super().__init__("resources", Resource)
        self._data = self.columns.index("data")

    def to_row(self, record: Resource) -> list[Any]:
        row = super().to_row(record)
        row[self._data] = orjson.dumps(record.data).decode()
        return row

    def from_row(self, row: Row) -> Resource:
        values = list(row)
        values[self._data] = orjson.loads(values[self._data])
        return super().from_row(values)


RESOURCES = ResourceTable()


class _Duplicate(Exception):
    """Raised inside a transaction to roll it back: a row already existed."""


class ResourceSql(SqlBase, ResourceStore):
    """The Store's resource methods. ``dialect`` is set by a backend whose SQL reads JSON otherwise."""

    dialect = "sqlite"  # or "postgresql"

    def _json(self, field: str) -> str:
        if field in _COLUMNS:
            return field
        if _PROPERTY.match(field) is None:
            raise ValueError(f"not a property name: {field!r}")
        column = "data::jsonb" if self.dialect == "postgresql" else "data"
        return f"({column} ->> '{field}')"

    def _json_value(self, field: str, value: str | int | float | bool) -> object:
        """What ``->>`` gives for this JSON value: text on PostgreSQL, the SQL value on SQLite."""
        if self.dialect != "postgresql" or field in _COLUMNS:
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _where(
        self, account_sid: str, kind: str, scope: str | None, matches: Sequence[Match] = ()
    ) -> tuple[str, list[object]]:
        params: list[object] = [account_sid, kind]
        where = "account_sid = ? AND kind = ?"
        if scope is not None:
            where += " AND scope = ?"
            params.append(scope)
        for match in matches:
            if match.op not in _OPERATORS:
                raise ValueError(f"not an operator: {match.op!r}")
            where += f" AND {self._json(match.field)} {match.op} ?"
            params.append(self._json_value(match.field, match.value))
        return where, params

    def insert_resources(self, resources: Sequence[Resource]) -> bool:
        """Insert rows together; False (and nothing written) if any of them already exists."""
        sql = f"{RESOURCES.insert} ON CONFLICT DO NOTHING RETURNING sid"
        try:
            with self._transaction() as run:
                for resource in resources:
                    if not run(sql, RESOURCES.to_row(resource)):
                        raise _Duplicate()
        except _Duplicate:
            return False
        return True

    def get_resource(self, account_sid: str, kind: str, sid: str, scope: str | None) -> Resource | None:
        where, params = self._where(account_sid, kind, scope)
        return self._one(RESOURCES, f"{where} AND sid = ?", [*params, sid])

    def list_resources(
        self, account_sid: str, kind: str, request: PageRequest, scope: str | None = None,
        matches: Sequence[Match] = (),
    ) -> Page[Resource]:
        where, params = self._where(account_sid, kind, scope, matches)
        return self._page(RESOURCES, where, params, request)

    def count_resources(self, account_sid: str, kind: str, scope: str | None = None) -> int:
        where, params = self._where(account_sid, kind, scope)
        return int(self._query(f"SELECT COUNT(*) FROM resources WHERE {where}", params)[0][0])

    def update_resource(
        self, account_sid: str, kind: str, sid: str, scope: str | None,
        change: Callable[[Resource], Mapping[str, Any]], now: datetime,
    ) -> Resource | None:
        """Read the row under a write lock, replace its data with ``change(row)``; None if absent.

        ``change`` may raise: nothing is written then.
        """
        where, params = self._where(account_sid, kind, scope)
        lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
        with self._transaction() as run:
            rows = run(f"{RESOURCES.select} WHERE {where} AND sid = ?{lock}", [*params, sid])
            if not rows:
                return None
            current = RESOURCES.from_row(rows[0])
            data = orjson.dumps(dict(change(current))).decode()
            updated = run(
                f"UPDATE resources SET data = ?, date_updated = ? WHERE account_sid = ? AND kind = ? "
                f"AND scope = ? AND sid = ? {RESOURCES.returning}",
                [data, timestamp(now), account_sid, kind, current.scope, sid],
            )
        return RESOURCES.from_row(updated[0])

    def delete_resource(self, account_sid: str, kind: str, sid: str, scope: str | None) -> bool:
        where, params = self._where(account_sid, kind, scope)
        rows = self._query(f"DELETE FROM resources WHERE {where} AND sid = ? RETURNING sid", [*params, sid])
        return bool(rows)
