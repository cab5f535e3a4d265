"""Rows <-> domain records. Knows column encodings, not SQL dialects.

Each table's columns are its record's dataclass fields, in order, so a row maps to a record
positionally. Timestamps are stored as ISO 8601 text and permissions as comma-joined text.
"""

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from connectapps.domain.models import (
    Account,
    Authorization,
    Callback,
    CallbackAttempt,
    ConnectApp,
    Throttle,
    User,
    WebSession,
)

R = TypeVar("R")
Row = Sequence[Any]


def _decode_permissions(value: str) -> tuple[str, ...]:
    return tuple(value.split(",")) if value else ()


def timestamp(value: datetime) -> str:
    """How every timestamp is stored: ISO 8601 with microseconds always, so text order is time order."""
    return value.isoformat(timespec="microseconds")


def _encode(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if column == "permissions":
        return ",".join(value)
    return value


def _decoder(column: str) -> Callable[[Any], Any] | None:
    if column.startswith("date_") or column.endswith(("_at", "_until")):
        return datetime.fromisoformat
    if column == "permissions":
        return _decode_permissions
    return None


class Table(Generic[R]):
    """One table: its name, record type, key column, and its SQL and codecs, computed once."""

    def __init__(self, name: str, record: type[R], key: str = "sid") -> None:
        self.name = name
        self.record = record
        self.key = key  # the column lists are ordered and paged by
        self.columns: tuple[str, ...] = tuple(f.name for f in fields(record))  # type: ignore[arg-type]
        self.select = f"SELECT {', '.join(self.columns)} FROM {name}"
        self.returning = f"RETURNING {', '.join(self.columns)}"
        self.insert = (
            f"INSERT INTO {name} ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})"
        )
        self._decoders = [(i, d) for i, d in enumerate(map(_decoder, self.columns)) if d is not None]

    def to_row(self, record: R) -> list[Any]:
        return [_encode(column, getattr(record, column)) for column in self.columns]

    def encode(self, changes: dict[str, Any]) -> dict[str, Any]:
        return {column: _encode(column, value) for column, value in changes.items()}

    def from_row(self, row: Row) -> R:
        values = list(row)
        for index, decode in self._decoders:
            if values[index] is not None:
                values[index] = decode(values[index])
        return self.record(*values)


ACCOUNTS = Table("accounts", Account)
CONNECT_APPS = Table("connect_apps", ConnectApp)
USERS = Table("users", User, key="id")
AUTHORIZATIONS = Table("authorizations", Authorization, key="connect_app_sid")
CALLBACKS = Table("callbacks", Callback, key="id")
CALLBACK_ATTEMPTS = Table("callback_attempts", CallbackAttempt, key="attempt")
WEB_SESSIONS = Table("web_sessions", WebSession, key="id")
THROTTLES = Table("sign_in_throttle", Throttle, key="throttle_key")
