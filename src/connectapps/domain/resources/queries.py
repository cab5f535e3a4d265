"""A list's filters: what its query parameters (and, for a view, its path) select.

A query parameter naming a property of the items selects on equality (``To``, ``Status``,
``FriendlyName``…); a date parameter selects on that day, or on or before (``DateSent<``), or on or
after (``DateSent>``), as Twilio's documentation describes. Parameters naming nothing the engine
stores (``IncludeSubaccounts``, ``PageSize`` aside) are accepted and ignored.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from connectapps.domain.resources.contract import Operation
from connectapps.domain.resources.conventions import DATE_FILTERS
from connectapps.domain.resources.errors import InvalidValue
from connectapps.domain.resources.records import AT_LEAST, BELOW, EQUAL, Match
from connectapps.domain.resources.values import fit, parse

_DAY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})")


def matches_for(op: Operation, query: Mapping[str, Sequence[str]], path: Mapping[str, str]) -> list[Match]:
    """The conditions a list's rows must meet."""
    matches = [Match(field, EQUAL, path[param]) for field, param in op.matches]
    matches += [Match(field, EQUAL, value) for field, value in op.fixed.items()]
    shown = {p.name: p for p in op.representation.properties} if op.representation else {}
    for name, param in op.query.items():
        raw = query.get(name)
        if not raw or raw[-1] == "":
            continue
        base = name.rstrip("<>")
        if base in DATE_FILTERS:
            matches += _dates(op.id, name, DATE_FILTERS[base], raw[-1])
        elif param.field in shown:
            value = fit(shown[param.field], parse(op.id, param, raw))
            if value is not None and not isinstance(value, list | dict):
                matches.append(Match(param.field, EQUAL, value))
    return matches


def _dates(operation: str, name: str, field: str, value: str) -> list[Match]:
    match = _DAY.match(value)
    try:
        day = date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidValue(operation, name, value, "a date, YYYY-MM-DD")
    start, after = day.isoformat(), (day + timedelta(days=1)).isoformat()
    if name.endswith("<"):
        return [Match(field, BELOW, after)]
    if name.endswith(">"):
        return [Match(field, AT_LEAST, start)]
    return [Match(field, AT_LEAST, start), Match(field, BELOW, after)]
