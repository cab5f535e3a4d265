"""Values in and out: a form parameter checked against its schema, a stored value fitted to a property.

In: strings from a form become the parameter's type (integer, number, boolean, a list), checked
against its enum, pattern and format; anything else is an ``InvalidValue``. Out: whatever is stored
is shown as the representation types it (a number the schema calls a string is sent as one), and a
property that may not be null gets a value of its type when nothing set it.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectapps.domain.resources.contract import Field, Param
from connectapps.domain.resources.errors import InvalidValue
from connectapps.domain.urls import is_http_url

MAX_TEXT = 4096  # longer than any Twilio text parameter (a message body is at most 1600 characters)
MAX_ITEMS = 100
_INTEGER = re.compile(r"-?[0-9]{1,15}\Z")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?\Z")
DATE_TIME_RFC_2822 = "date-time-rfc-2822"


def parse(operation: str, param: Param, values: Sequence[str]) -> Any:
    """The typed value of a parameter sent as ``values`` (its repeated form values, in order).

    A scalar sent twice takes its last value; an empty value is None (it clears the property).
    """
    spec = param.spec
    if spec.type == "array":
        items = [v for value in values for v in (value.split(",") if spec.items_enum else [value]) if v != ""]
        if len(items) > MAX_ITEMS:
            raise InvalidValue(operation, spec.name, str(len(items)), f"at most {MAX_ITEMS} values")
        return [_scalar(operation, spec, item.strip() if spec.items_enum else item, spec.items_enum)
                for item in items]
    value = values[-1]
    return None if value == "" else _scalar(operation, spec, value, spec.enum)


def _scalar(operation: str, spec: Field, value: str, enum: tuple[str, ...] | None) -> Any:
    if len(value) > MAX_TEXT:
        raise InvalidValue(operation, spec.name, value[:64] + "…", f"at most {MAX_TEXT} characters")
    if "\x00" in value:
        raise InvalidValue(operation, spec.name, value.replace("\x00", "\\0"), "text without NUL characters")
    if spec.format == "http-method":
        value = value.upper()
    if enum is not None and value not in enum:
        raise InvalidValue(operation, spec.name, value, "one of " + ", ".join(enum))
    if spec.type == "integer":
        if _INTEGER.match(value) is None:
            raise InvalidValue(operation, spec.name, value, "an integer")
        return int(value)
    if spec.type == "number":
        if _NUMBER.match(value) is None:
            raise InvalidValue(operation, spec.name, value, "a number")
        return float(value)
    if spec.type == "boolean":
        if value.lower() not in ("true", "false"):
            raise InvalidValue(operation, spec.name, value, "true or false")
        return value.lower() == "true"
    if spec.pattern is not None and spec.pattern.search(value) is None:
        raise InvalidValue(operation, spec.name, value, f"a value matching {spec.pattern.pattern}")
    if spec.format == "uri" and not is_http_url(value):
        raise InvalidValue(operation, spec.name, value, "an absolute http or https URL")
    if spec.format == "date-time":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat(timespec="microseconds")
        except ValueError:
            raise InvalidValue(operation, spec.name, value, "an ISO 8601 date and time") from None
    return value


def fit(prop: Field, value: Any) -> Any:
    """``value`` as the property's schema types it; a fallback of that type if it cannot be, or if it
    is null where the schema forbids null. An enum is never null: OpenAPI 3.0's ``nullable`` does not
    add null to an enum, so a null would fail validation against the spec (as for ConnectApps)."""
    if value is None and prop.nullable and prop.enum is None:
        return None  # the common cases first: every list item goes through here for every property
    if type(value) is str and prop.type == "string" and prop.enum is None and prop.pattern is None:
        return value
    fitted = _convert(prop, value)
    if fitted is not None and prop.enum is not None and fitted not in prop.enum:
        fitted = None
    if fitted is not None and prop.pattern is not None and isinstance(fitted, str) \
            and prop.pattern.search(fitted) is None:
        fitted = None
    if fitted is None and (not prop.nullable or prop.enum is not None):
        return fallback(prop)
    return fitted


def fallback(prop: Field) -> Any:
    """A value for a property that may not be null and that nothing set: its schema default, else the
    first of its enum, else the zero of its type."""
    if prop.default is not None:
        return prop.default
    if prop.enum and prop.format == "http-method" and "POST" in prop.enum:
        return "POST"  # the documented default of nearly every method parameter
    if prop.enum:
        return prop.enum[0]
    zeros: dict[str | None, Any] = {"integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}
    return zeros.get(prop.type, "")


def _convert(prop: Field, value: Any) -> Any:
    kind = prop.type
    if value is None or kind is None:
        return value
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, int | float | str) else None
    if kind == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, str) and _INTEGER.match(value) else None
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return float(value) if isinstance(value, str) and _NUMBER.match(value) else None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return value.lower() == "true" if isinstance(value, str) and value.lower() in ("true", "false") else None
    if kind == "array":
        return value if isinstance(value, list) else [value]
    if kind == "object":
        return value if isinstance(value, dict) else None
    return value
