"""Rows <-> domain records, and the migration files. Knows column encodings, not SQL dialects.

Each table's columns are its record's dataclass fields, in order, so a row maps to a record
positionally. Timestamps are stored as ISO 8601 text and permissions as comma-joined text.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from importlib import resources
from typing import Any, Generic, TypeVar

from connectapps.domain.models import Account, Authorization, ConnectApp, User

R = TypeVar("R")
Row = Sequence[Any]
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def _decode_permissions(value: str) -> tuple[str, ...]:
    return tuple(value.split(",")) if value else ()


def _encode(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if column == "permissions":
        return ",".join(value)
    return value


def _decoder(column: str) -> Callable[[Any], Any] | None:
    if column.startswith("date_"):
        return datetime.fromisoformat
    if column == "permissions":
        return _decode_permissions
    return None


@dataclass(frozen=True)
class Table(Generic[R]):
    name: str
    record: type[R]
    key: str = "sid"  # the column lists are ordered and paged by

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.record))  # type: ignore[arg-type]

    @property
    def select(self) -> str:
        return f"SELECT {', '.join(self.columns)} FROM {self.name}"

    @property
    def returning(self) -> str:
        return f"RETURNING {', '.join(self.columns)}"

    @property
    def insert(self) -> str:
        return f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})"

    def to_row(self, record: R) -> list[Any]:
        return [_encode(column, getattr(record, column)) for column in self.columns]

    def encode(self, changes: dict[str, Any]) -> dict[str, Any]:
        return {column: _encode(column, value) for column, value in changes.items()}

    def from_row(self, row: Row) -> R:
        decoders = _DECODERS.setdefault(self.name, [_decoder(c) for c in self.columns])
        return self.record(*(v if d is None or v is None else d(v) for d, v in zip(decoders, row, strict=True)))


_DECODERS: dict[str, list[Callable[[Any], Any] | None]] = {}

ACCOUNTS = Table("accounts", Account)
CONNECT_APPS = Table("connect_apps", ConnectApp)
USERS = Table("users", User, key="id")
AUTHORIZATIONS = Table("authorizations", Authorization, key="connect_app_sid")


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
