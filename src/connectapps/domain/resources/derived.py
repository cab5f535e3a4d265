"""Properties computed when read rather than stored: a queue's size and waits, a member's place.

A queue's members are the ``queue.member`` rows under it, one per waiting call (behaviours.py adds
one when a call's TwiML says ``<Enqueue>`` and removes it when the member is dequeued).
"""

from datetime import datetime
from typing import Any

from connectapps.domain.models import PageRequest
from connectapps.domain.resources.contract import Operation
from connectapps.domain.resources.records import Resource
from connectapps.domain.store import ResourceStore

QUEUE = "queue"
MEMBER = "queue.member"
MAX_QUEUE = 5000  # Twilio's largest MaxSize: every waiting call of a queue fits in one read


def members(store: ResourceStore, account_sid: str, queue_sid: str) -> list[Resource]:
    """A queue's members, first in line first."""
    rows = store.list_resources(account_sid, MEMBER, PageRequest(size=MAX_QUEUE), queue_sid).items
    return sorted(rows, key=lambda row: (str(row.data.get("date_enqueued", "")), row.sid))


def _waited(row: Resource, now: datetime) -> int:
    enqueued = row.data.get("date_enqueued")
    if not isinstance(enqueued, str):
        return 0
    return max(0, int((now - datetime.fromisoformat(enqueued)).total_seconds()))


def computed(store: ResourceStore, op: Operation, row: Resource, properties: dict[str, Any], now: datetime) -> None:
    """Fill the properties of ``row`` that depend on other rows or on the time."""
    if op.kind.name == QUEUE:
        waiting = members(store, row.account_sid, row.sid)
        properties["current_size"] = len(waiting)
        waits = [_waited(m, now) for m in waiting]
        properties["average_wait_time"] = sum(waits) // len(waits) if waits else 0
    elif op.kind.name == MEMBER:
        line = [m.sid for m in members(store, row.account_sid, row.scope)]
        properties["position"] = line.index(row.sid) + 1 if row.sid in line else 0
        properties["wait_time"] = _waited(row, now)
