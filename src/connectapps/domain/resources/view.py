"""A stored row as the properties of the representation an operation answers with.

Values are domain values: times as datetimes (the wire writes them in RFC 2822), everything else
fitted to the property's schema type. ``uri`` and ``subresource_uris`` are left to the wire.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectapps.domain.resources import derived, lifecycle
from connectapps.domain.resources.contract import Operation
from connectapps.domain.resources.records import Resource
from connectapps.domain.resources.values import DATE_TIME_RFC_2822, fit
from connectapps.domain.store import ResourceStore


@dataclass(frozen=True, slots=True)
class Item:
    """One resource as answered: its paging key (its identity) and its properties."""

    key: str
    properties: dict[str, Any]


def view(store: ResourceStore, op: Operation, row: Resource, now: datetime, settings: lifecycle.Settings,
         *, initial: bool = False) -> Item:
    """``row`` as ``op`` shows it at ``now`` (``initial``: as it was created)."""
    data, step_time = lifecycle.current(row.data, now, initial=initial)
    updated = max(row.date_updated, datetime.fromisoformat(step_time)) if step_time and not initial \
        else row.date_updated
    fixed: dict[str, Any] = {"account_sid": row.account_sid, "date_created": row.date_created,
                             "date_updated": updated}
    if op.kind.identity:
        fixed[op.kind.identity] = row.sid
    properties: dict[str, Any] = {}
    representation = op.representation.properties if op.representation else ()
    for prop in representation:
        value = fixed[prop.name] if prop.name in fixed else data.get(prop.name)
        if prop.format == DATE_TIME_RFC_2822:
            properties[prop.name] = datetime.fromisoformat(value) if isinstance(value, str) else (
                value if isinstance(value, datetime) else None)
        else:
            properties[prop.name] = fit(prop, value)
    derived.computed(store, op, row, properties, now)
    return Item(row.sid, properties)
