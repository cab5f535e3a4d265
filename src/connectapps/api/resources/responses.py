"""The wire form of what the engine answers: dates in RFC 2822, ``uri`` and ``subresource_uris``
filled from the spec's paths, lists in the shared paging envelope."""

import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from connectapps.domain.naming import field_name
from connectapps.domain.resources.context import Call
from connectapps.domain.resources.view import Item
from connectapps.wire import render

_PARAM = re.compile(r"\{([A-Za-z_]+)\}")


def item(c: Call, answered: Item) -> dict[str, Any]:
    """One resource in Twilio's JSON: the representation's properties, alphabetical."""
    body: dict[str, Any] = {}
    for name, value in answered.properties.items():
        body[name] = render.date(value) if isinstance(value, datetime) else value
    if "uri" in body and body["uri"] is None and c.op.instance_path:
        body["uri"] = _fill(c, c.op.instance_path, answered)
    if "subresource_uris" in body and body["subresource_uris"] is None and c.op.subresources:
        body["subresource_uris"] = {
            key: _fill_mapped(url, dict(mapping), body, c.account.sid) for key, url, mapping in c.op.subresources
        }
    return body


def _fill(c: Call, template: str, answered: Item) -> str:
    """The instance path of ``answered``: its key last, its parents from itself or from the request.
    (A spec path is a ``str.format`` template: ``…/Calls/{CallSid}/Recordings/{Sid}.json``.)"""
    params = _params(template)
    values = {"AccountSid": c.account.sid, params[-1]: answered.key}
    for name in params[1:-1]:
        shown = answered.properties.get(_ancestor_field(c, name))
        values[name] = str(shown) if shown else c.path.get(name, "")
    return template.format(**values)


def _ancestor_field(c: Call, param: str) -> str:
    return next((a.field for a in c.op.ancestors if a.param == param), field_name(param))


@cache
def _params(template: str) -> tuple[str, ...]:
    return tuple(_PARAM.findall(template))


def _fill_mapped(template: str, mapping: Mapping[str, str], body: Mapping[str, Any], account_sid: str) -> str:
    values = {}
    for name in _params(template):
        shown = body.get(mapping.get(name, name))
        values[name] = account_sid if shown is None and name == "account_sid" else str(shown or "")
    return template.format(**values)
