"""A body kept gzipped, and sent so to a client that takes gzip (HTTP content coding, RFC 9110 §8.4).

Not Twilio's behaviour: its API answers are not served from here. ``/openapi.json`` (ours) is, with the
admin API's copy of it; the choice is recorded in docs/compatibility.md.
"""

import re
import zlib
from collections.abc import Callable
from functools import cache

import falcon

from connectapps.wire import render

GZIP = 31
"""zlib's ``wbits`` for the gzip format (RFC 1952), with a header whose time stamp is 0."""
_QUALITY = re.compile(r"\s*q=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)\s*", re.IGNORECASE)
ACCEPT_ENCODING_MAX = 1024
"""Longer ``Accept-Encoding`` values are not read (clients send well under 100 characters): 64 KiB of
codings, as much as the HTTP server lets a header carry, would cost ~7 ms of CPU to weigh."""


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether a request's ``Accept-Encoding`` (RFC 9110 §12.5.3) takes gzip: named (or as ``x-gzip``) with
    a weight above 0, or not named and ``*`` is. A weight that is not a valid qvalue counts as 0, so what a
    client may not decode is never sent: the identity answer is always acceptable. So is it for a value
    longer than ``ACCEPT_ENCODING_MAX``, which is not read."""
    if not accept_encoding or len(accept_encoding) > ACCEPT_ENCODING_MAX:
        return False
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, parameters = item.partition(";")
        weight = 1.0
        if parameters:
            found = _QUALITY.fullmatch(parameters)
            weight = float(found.group(1)) if found else 0.0
        weights.setdefault(coding.strip().lower(), weight)
    named = [weights[name] for name in ("gzip", "x-gzip") if name in weights]
    return (named[0] if named else weights.get("*", 0.0)) > 0


class KeptCompressed:
    """``build()``'s bytes, made once and kept gzipped (``compressed()``); each call gives its own copy.

    For a large body asked for now and then: ``/openapi.json``'s 1.1 MB of JSON is made before Granian forks
    the workers (app.preload), and each worker would hold all of it for its whole life; gzipped, it is
    ~85 KB. A client that takes gzip gets those bytes as they are (``answer``); any other pays ~1.5 ms of
    the server's CPU to have it back."""

    def __init__(self, build: Callable[[], bytes]) -> None:
        self.compressed = cache(lambda: zlib.compress(build(), wbits=GZIP))

    def __call__(self) -> bytes:
        return zlib.decompress(self.compressed(), wbits=GZIP)

    def answer(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The body, JSON, as ``req`` takes it; ``Vary`` either way, so a cache keeps the two apart."""
        resp.content_type = render.JSON
        resp.vary = ("Accept-Encoding",)
        if accepts_gzip(req.get_header("Accept-Encoding")):
            resp.set_header("Content-Encoding", "gzip")
            resp.data = self.compressed()
        else:
            resp.data = self()
