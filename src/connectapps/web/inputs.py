"""What the web pages read from a request: form fields, the client's address and scheme, ``next``.

Proxy headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are believed only when
``CONNECTAPPS_PROXY_HOPS`` says how many trusted proxies stand in front (config.proxy_hops);
by default the client address is the socket's peer and the scheme is the server's own.
"""

import ipaddress
from urllib.parse import parse_qsl

import falcon

from connectapps.web.pages import WebError

MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 50
MAX_NEXT_CHARS = 2048
FORM_TYPE = "application/x-www-form-urlencoded"


def read_form(req: falcon.Request) -> dict[str, str]:
    """A browser form's fields (the last value of a repeated name wins)."""
    return dict(_read_pairs(req))


def read_form_lists(req: falcon.Request) -> dict[str, list[str]]:
    """A browser form's fields with every value of a repeated name (checkboxes), in order."""
    fields: dict[str, list[str]] = {}
    for name, value in _read_pairs(req):
        fields.setdefault(name, []).append(value)
    return fields


def discard_body(req: falcon.Request) -> None:
    """Read (up to the form limit) and drop the body, for a request answered without reading it:
    an unread body would be taken for the connection's next request."""
    req.bounded_stream.read(MAX_FORM_BYTES + 1)


def last(fields: dict[str, list[str]], name: str) -> str:
    """The last value sent for ``name`` (as in ``read_form``), or "" if none was."""
    values = fields.get(name)
    return values[-1] if values else ""


def _read_pairs(req: falcon.Request) -> list[tuple[str, str]]:
    content_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if content_type != FORM_TYPE:
        raise WebError(400, "Bad request", "This page only accepts forms sent by a browser.")
    body = req.bounded_stream.read(MAX_FORM_BYTES + 1)
    if len(body) > MAX_FORM_BYTES:
        raise WebError(413, "Form too large", "The form sent was too large.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise WebError(400, "Bad request", "The form sent could not be read.") from None
    return pairs


def client_address(req: falcon.Request, proxy_hops: int) -> str:
    """The address sign-in throttling counts against."""
    peer = req.remote_addr or "unknown"
    if proxy_hops <= 0:
        return peer
    forwarded = req.get_header("X-Forwarded-For") or ""
    route = [part.strip() for part in forwarded.split(",") if part.strip()] + [peer]
    candidate = route[max(len(route) - 1 - proxy_hops, 0)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def is_https(req: falcon.Request, proxy_hops: int) -> bool:
    """Whether the browser reached us over https (so cookies must be Secure)."""
    if proxy_hops > 0:
        proto = req.get_header("X-Forwarded-Proto")
        if proto:
            return proto.split(",")[-1].strip().lower() == "https"
    return req.scheme == "https"


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``/``: never an open redirect.

    A same-site path starts with one ``/``, not ``//`` or ``/\\`` (both mean another host to a
    browser), and has only printable ASCII without backslashes (browsers drop tabs and
    newlines, so ``/\\t/evil.example`` would become ``//evil.example``).
    """
    if not value or len(value) > MAX_NEXT_CHARS or not value.startswith("/") or value.startswith("//"):
        return "/"
    if any(not ("!" <= ch <= "~") or ch == "\\" for ch in value):
        return "/"
    return value
