"""Request parameters as Twilio's clients send them: PascalCase names, form-encoded bodies.

The SDKs send lists as repeated keys (``Permissions=get-all&Permissions=post-all``); a
comma-joined single value is also accepted (the documentation calls it a comma-separated list).
twilio-python sends an empty list as an empty chunked body, so bodies are read to EOF.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from connectapps.domain.naming import field_name, param_name

if TYPE_CHECKING:  # for annotations only: the command line, which checks forms too, never loads Falcon
    import falcon

MAX_BODY_BYTES = 1 << 20
FORM_TYPE = "application/x-www-form-urlencoded"
__all__ = ["FormError", "field_name", "form_of", "param_name", "parse_form", "pick", "read_body", "read_form"]


class FormError(ValueError):
    """The body is not a form we can read (too large, or not UTF-8)."""


def read_body(req: falcon.Request) -> bytes:
    """The whole request body, with or without Content-Length (chunked bodies arrive decoded)."""
    if req.content_length is not None:
        if req.content_length > MAX_BODY_BYTES:
            raise FormError(f"request body over {MAX_BODY_BYTES} bytes")
        return req.bounded_stream.read()
    body = req.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise FormError(f"request body over {MAX_BODY_BYTES} bytes")
    return body


def parse_form(body: bytes) -> dict[str, list[str]]:
    """Every value of every key, in order; blank values kept (an empty value clears a field)."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise FormError("request body is not UTF-8") from exc
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def read_form(req: falcon.Request) -> dict[str, list[str]]:
    """The form parameters of a POST. Another content type carries no parameters."""
    return form_of(req.content_type, read_body(req))


def form_of(content_type: str | None, body: bytes) -> dict[str, list[str]]:
    """The form parameters of a body of this ``Content-Type`` (none: a form); another type carries none."""
    if (content_type or FORM_TYPE).split(";", 1)[0].strip().lower() != FORM_TYPE:
        return {}
    return parse_form(body)


def pick(
    form: Mapping[str, list[str]], fields: Iterable[str], list_fields: Iterable[str] = ()
) -> dict[str, str | list[str]]:
    """The known parameters of ``form`` by domain field name; unknown parameters are ignored.

    A scalar sent more than once takes its last value; a list field keeps every value.
    """
    lists = set(list_fields)
    picked: dict[str, str | list[str]] = {}
    for field in fields:
        values = form.get(param_name(field))
        if values is not None:
            picked[field] = values if field in lists else values[-1]
    return picked
