"""Twilio's list paging: PageSize / Page / PageToken in, the list envelope out.

PageToken is Twilio's form: ``PA`` + the last SID of the previous page (next page) or ``PB``
+ the first SID of the following page (previous page). That makes paging keyset-based: a
deep page costs what the first one does. Page is "simply for client state" (the spec); it only
sets ``start``, except when no token is given, when it selects the page by offset.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from connectapps.domain import sids
from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import PageRequest

_INTEGER = re.compile(r"-?[0-9]{1,12}\Z")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
NEXT = "PA"
PREVIOUS = "PB"


def parse(params: Mapping[str, Any], sid_prefix: str | Callable[[str], bool]) -> tuple[int, PageRequest]:
    """(page number, what to read) from the query; raises InvalidParameter on bad values.

    Only the last value of a repeated parameter counts. A token's anchor must be a SID with
    ``sid_prefix``, or satisfy it when it is a check (a list keyed otherwise, or by several prefixes).
    """
    size = _integer(params, "PageSize", "page_size", InvalidParameter.PAGE_SIZE, DEFAULT_PAGE_SIZE)
    if size < 1:
        raise InvalidParameter("page_size", InvalidParameter.PAGE_SIZE, str(size))
    if size > MAX_PAGE_SIZE:
        raise InvalidParameter("page_size", InvalidParameter.PAGE_SIZE_TOO_LARGE, str(size))
    page = _integer(params, "Page", "page", InvalidParameter.PAGE, 0)
    if page < 0:
        raise InvalidParameter("page", InvalidParameter.PAGE, str(page))
    token = _last(params, "PageToken")
    if token is None or token == "":
        return page, PageRequest(size=size, offset=page * size)
    direction, anchor = token[:2], token[2:]
    valid = sids.is_sid(anchor, sid_prefix) if isinstance(sid_prefix, str) else sid_prefix(anchor)
    if direction not in (NEXT, PREVIOUS) or not valid:
        raise InvalidParameter("page_token", InvalidParameter.PAGE_TOKEN, token)
    if isinstance(sid_prefix, str):
        anchor = anchor[:2] + anchor[2:].lower()
    if direction == NEXT:
        return page, PageRequest(size=size, after=anchor)
    return page, PageRequest(size=size, before=anchor)


def _last(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list):
        value = value[-1]
    return value


def _integer(params: Mapping[str, Any], name: str, field: str, kind: str, default: int) -> int:
    raw = _last(params, name)
    if raw is None or raw == "":
        return default
    if _INTEGER.match(raw) is None:
        raise InvalidParameter(field, kind, raw)
    return int(raw)


def envelope(
    key: str, path: str, items: Sequence[Any], page: int, request: PageRequest, has_more: bool,
    *, sid_key: str = "sid", echo_query: bool = True, filters: Sequence[tuple[str, str]] = (),
    keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The list envelope: the resource key and Twilio's paging keys, nothing else.

    twilio-python refuses any extra top-level key, so this is exactly the spec's set. Page
    URIs are host-relative and carry the list's ``filters`` first, as Twilio's do
    (``?FriendlyName=x&PageSize=50&Page=1&PageToken=PA…``); ``uri`` is the bare path for a
    request without parameters (as in the documentation's example), else the page it asked for.
    ``keys`` are the items' paging keys, for items that do not show theirs as ``sid_key``.
    """
    size = request.size
    start = page * size
    base = f"{path}?{urlencode(filters)}&" if filters else f"{path}?"
    next_uri = previous_uri = None
    ends = (keys[0], keys[-1]) if keys else (items[0][sid_key], items[-1][sid_key]) if items else ("", "")
    first, last = (quote(str(end), safe="") for end in ends)  # a key other than a SID may hold "+"
    if has_more and items:
        next_uri = f"{base}PageSize={size}&Page={page + 1}&PageToken={NEXT}{last}"
    if page > 0 and items:
        previous_uri = f"{base}PageSize={size}&Page={page - 1}&PageToken={PREVIOUS}{first}"
    uri = path
    if echo_query:
        token = f"&PageToken={NEXT}{quote(request.after, safe='')}" if request.after else ""
        token = f"&PageToken={PREVIOUS}{quote(request.before, safe='')}" if request.before else token
        uri = f"{base}PageSize={size}&Page={page}{token}"
    return {
        key: items,
        "end": start + len(items) - 1 if items else 0,
        "first_page_uri": f"{base}Page=0&PageSize={size}",
        "next_page_uri": next_uri,
        "page": page,
        "page_size": size,
        "previous_page_uri": previous_uri,
        "start": start,
        "uri": uri,
    }
