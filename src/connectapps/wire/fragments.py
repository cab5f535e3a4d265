"""Connect Apps' JSON encoded once per content and reused: a fetch answers cached bytes, a list page
joins the cached bytes of its items.

A content is named by (sid, version): the store increments an app's version in the very statement
that changes it (migration 0012), so the bytes kept for a (sid, version) can never disagree with the
app it names, in this process or any other, and need no invalidation — except when records are put
back as they were (the admin API's reset and snapshot restore, one worker): then ``forget``. A list page reads its
(sid, version) pairs from an index and encodes only the items it has not seen. Only what a read
returned is kept (never an update's answer), and at most ``LIMIT`` items per process: past it the
whole cache starts again, which costs one encoding per item read next. A whole page's body is kept
too, for as long as the store answers the very same page read (``PageBodies``).
"""

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import orjson

from connectapps.domain.models import ConnectApp
from connectapps.wire import render

LIMIT = 10_000  # about 5 MB of JSON
PAGES_KEPT = 32  # whole list bodies kept per thread, each of at most BODY_KEPT_MAX bytes: at most 2 MiB
BODY_KEPT_MAX = 65_536  # a page of 100 apps is about 50 KB; a larger one is not kept (the store reads it anew anyway)

_encoded: dict[tuple[str, int], bytes] = {}  # reads and writes of one key are atomic under the GIL


def connect_app(app: ConnectApp) -> bytes:
    """``render.connect_app(app)`` encoded, from the cache when this content was encoded before."""
    key = (app.sid, app.version)
    body = _encoded.get(key)
    if body is None:
        # A copy of exactly its size: the bytes orjson returns keep the whole buffer it was written in
        # (about 4 KB each once kept: 41 MiB for LIMIT of them, against 6 MiB copied).
        body = bytes(memoryview(render.encode(render.connect_app(app))))
        if len(_encoded) >= LIMIT:
            _encoded.clear()
        _encoded[key] = body
    return body


def forget() -> None:
    """Drop every kept encoding: after records were put back as they were (the admin API's reset and
    restore), a (sid, version) can name another content than the one this process encoded."""
    _encoded.clear()


def connect_app_items(
    versions: Sequence[tuple[str, int]], load: Callable[[list[str]], Iterable[ConnectApp]]
) -> list[bytes] | None:
    """The encoded items of a list page whose apps are ``versions``, in that order; the apps not
    encoded before are read with one ``load`` of their SIDs. None when one of them is gone by then
    (deleted since the page was read): the caller reads the page again the ordinary way."""
    items = [_encoded.get(key) for key in versions]
    missing = [sid for (sid, _), body in zip(versions, items, strict=True) if body is None]
    if not missing:
        return items  # type: ignore[return-value]
    loaded = {app.sid: connect_app(app) for app in load(missing)}  # a newer version than listed is fine
    if len(loaded) != len(missing):
        return None
    return [body if body is not None else loaded[sid] for (sid, _), body in zip(versions, items, strict=True)]


def encode_page(envelope: dict[str, Any], key: str, items: Sequence[bytes]) -> bytes:
    """The list envelope (``key`` first, as wire/paging.py builds it) with ``items`` as its list."""
    rest = orjson.dumps({name: value for name, value in envelope.items() if name != key})
    return b'{"' + key.encode() + b'":[' + b",".join(items) + b"]," + rest[1:]


class PageBodies(threading.local):
    """Whole list bodies, each kept with the page read it was made from: reused only while the store
    answers the very same page object — its per-thread page cache keeps one until anything commits
    anywhere (store/cache.py) — to a request with the same key (account and query string). A page
    polled by a dashboard or an SDK's first ``list()`` is then answered from one lookup."""

    def __init__(self) -> None:
        self.kept: dict[Hashable, tuple[object, bytes]] = {}

    def get(self, key: Hashable, page: object) -> bytes | None:
        kept = self.kept.get(key)
        return kept[1] if kept is not None and kept[0] is page else None

    def keep(self, key: Hashable, page: object, body: bytes) -> None:
        if len(body) > BODY_KEPT_MAX:
            return
        if len(self.kept) >= PAGES_KEPT:
            self.kept.clear()
        self.kept[key] = (page, body)  # holds the page: no other object can take its identity meanwhile
