"""The stored form of every spec-driven resource: one row, its properties as a JSON object."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

EQUAL = "="
AT_LEAST = ">="
BELOW = "<"


@dataclass(frozen=True, slots=True)
class Resource:
    """One Message, Call, Queue member… of an account.

    ``kind`` names the collection (contract.Kind.name); ``scope`` is the SID of the parent it was
    created under ('' at the account level: a call's recording has its call's SID, a queue member
    its queue's); ``sid`` is its identity (a SID, or for a queue member its call's SID). ``data``
    holds the other properties as the engine stores them: times as ISO 8601 text (so they sort),
    everything else as the representation shows it.
    """

    account_sid: str
    kind: str
    scope: str
    sid: str
    data: dict[str, Any]
    date_created: datetime
    date_updated: datetime


@dataclass(frozen=True, slots=True)
class Match:
    """A condition on one stored property, for lists: ``field op value``."""

    field: str
    op: str  # EQUAL, AT_LEAST or BELOW
    value: str | int | float | bool


def iso(value: datetime) -> str:
    """How a time is kept inside ``data``: ISO 8601 with microseconds, so text order is time order."""
    return value.isoformat(timespec="microseconds")
