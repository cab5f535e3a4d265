"""Twilio's representations of the 2010-04-01 API besides JSON, and the one place that routes them.

A resource URL without an extension, or with ``.xml``, answers Twilio's default XML (``<TwilioResponse>``);
``.csv`` answers CSV with a header row; ``.json`` is untouched (every official client uses it). The
resources only ever answer JSON: ``Representations`` routes ``…/X``, ``…/X.xml`` and ``…/X.csv`` to ``…/X.json``
and turns the JSON answer into the representation asked for. docs/compatibility.md has the sources.
"""

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import cache
from typing import Any

import falcon
import orjson

from connectapps.domain.resources.contract import representation
from connectapps.wire import render, uris

JSON, XML, CSV = "json", "xml", "csv"
XML_TYPE = "application/xml; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_API = uris.API_VERSION + "/"
# A list's paging keys, shown as attributes of the list element in Twilio's order, named without underscores.
PAGING = ("page", "page_size", "start", "end", "uri", "first_page_uri", "previous_page_uri", "next_page_uri")
ERROR_KEYS = ("status", "message", "code", "more_info")  # RestException's children, in Twilio's order
_ACRONYMS = {"sms": "SMS", "mms": "MMS"}  # a whole key only: ``sms_url`` is ``SmsUrl``, as in Twilio's XML
_SINGULAR = {"Media": "Media", "MediaList": "Media"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # characters XML 1.0 cannot hold
_JSON_EXTENSION = re.compile(r"\.json(?=\?|$)")
_NUMBER = re.compile(r"[+-][0-9][0-9.]*\Z")


def route(path: str) -> tuple[str, str]:
    """(the path the resources answer, the representation asked for) for a request path."""
    if not path.startswith(_API):
        return path, JSON
    head, _, last = path.rpartition("/")
    if not last:
        return path, JSON
    name, dot, extension = last.rpartition(".")
    if not dot:
        return f"{path}.json", XML  # no extension: Twilio's default
    if extension in (XML, CSV) and name:
        return f"{head}/{name}.json", extension
    return path, JSON


def pascal(key: str) -> str:
    """``friendly_name`` -> ``FriendlyName``: Twilio's XML element names."""
    name = _ACRONYMS.get(key) or "".join(word[:1].upper() + word[1:] for word in key.split("_"))
    name = re.sub(r"[^A-Za-z0-9_.-]", "", name)
    return name if name[:1].isalpha() else f"Item{name}"


def singular(name: str) -> str:
    """An element of a list named ``name``: ``Calls`` -> ``Call``, ``Countries`` -> ``Country``."""
    if name in _SINGULAR:
        return _SINGULAR[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _text(value: Any, uri: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if uri and text.startswith("/"):
        text = _JSON_EXTENSION.sub("", text)  # Twilio's XML links its XML: no extension
    return _NOT_XML.sub("\ufffd", text)


def _element(parent: ET.Element, tag: str, value: Any, uri: bool = False) -> None:
    """``value`` as element ``tag``: null empty, objects by key, arrays one singular child per item."""
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _element(node, pascal(key), item, uri or key.endswith("uris") or key.endswith("uri"))
    elif isinstance(value, list):
        for item in value:
            _element(node, singular(tag), item, uri)
    elif value is not None:
        node.text = _text(value, uri)


def list_key(body: dict[str, Any]) -> str | None:
    """The key of a list page's items (the only key besides the paging keys, holding a list), or None."""
    keys = [key for key in body if key not in PAGING]
    return keys[0] if len(keys) == 1 and isinstance(body[keys[0]], list) else None


def instance_name(template: str) -> str:
    """An instance's element, from its route: ``…/ConnectApps/{sid}.json`` -> ``ConnectApp``, ``…/Balance.json`` ->
    ``Balance`` (and a create on ``…/Calls.json`` -> ``Call``)."""
    segments = [s for s in template.removesuffix(".json").split("/") if s and not s.startswith("{")]
    return singular(pascal(segments[-1])) if segments else "Resource"


def is_error(status: int, body: dict[str, Any]) -> bool:
    return status >= 400 and set(body) == set(ERROR_KEYS)


def xml(body: dict[str, Any], status: int, template: str) -> bytes:
    root = ET.Element("TwilioResponse")
    key = list_key(body)
    if is_error(status, body):
        exception = ET.SubElement(root, "RestException")
        for name in ERROR_KEYS:
            _element(exception, pascal(name), body[name])
    elif key is not None:
        node = ET.SubElement(root, pascal(key))
        for name in PAGING:
            if name in body:
                node.set(name.replace("_", ""), "" if body[name] is None else _text(body[name], name.endswith("uri")))
        for item in body[key]:
            _element(node, singular(pascal(key)), item)
    else:
        _element(root, instance_name(template), body)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode()


def _cell(key: str, value: Any) -> str:
    """A CSV cell: text as in XML; arrays of scalars comma-joined, objects as JSON. A cell a spreadsheet would
    run as a formula (``=``, ``@``, a ``+``/``-`` that is not a number) is prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        text = ",".join(_text(v, False) for v in value)
    elif isinstance(value, dict | list):
        text = orjson.dumps(value).decode()
    else:
        text = _text(value, key.endswith("uri"))
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not _NUMBER.match(text)):
        return "'" + text
    return text


def csv_text(body: dict[str, Any], columns: Iterable[str] | None) -> bytes:
    """A header row (Twilio's names, as in XML), then one row per item (one row for an instance)."""
    key = list_key(body)
    rows: list[dict[str, Any]] = body[key] if key is not None else [body]
    names = list(rows[0]) if rows else list(columns or ())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([pascal(name) for name in names])
    for row in rows:
        writer.writerow([_cell(name, row.get(name)) for name in names])
    return out.getvalue().encode()


@cache
def _columns(schema: str) -> tuple[str, ...]:
    return tuple(field.name for field in representation(schema).properties)


def columns(resource: Any) -> tuple[str, ...] | None:
    """The properties of one item the resource answers (its spec schema), for an empty list's header row."""
    schema = getattr(resource, "schema", None)
    return _columns(schema) if schema else None


class Representations:
    """Middleware: routes ``…/X``, ``…/X.xml``, ``…/X.csv`` to ``…/X.json`` and turns the JSON answer into
    the representation asked for. Errors are ``<RestException>`` in XML for both (Twilio's default)."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        routed, kind = route(req.path)
        if kind != JSON:
            req.context.representation = kind
            req.context.requested_path = req.path
            req.path = routed

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        kind = getattr(req.context, "representation", JSON)
        if kind == JSON or resp.content_type != render.JSON or not resp.data:
            return
        body = orjson.loads(resp.data)
        status = resp.status_code
        if is_error(status, body):  # the messages name the path as requested, not as routed
            body["message"] = body["message"].replace(req.path, req.context.requested_path)
        if kind == CSV and not is_error(status, body):
            resp.content_type = CSV_TYPE
            resp.data = csv_text(body, columns(resource))
        else:
            resp.content_type = XML_TYPE
            resp.data = xml(body, status, req.uri_template or req.path)
