"""CORS, as Twilio's API answers carry it: a page on any origin may call the API from a browser with
HTTP Basic credentials it holds (what Twilio's own answers allow), and read the answer.

Every answer under the API (errors and ``OPTIONS`` included) carries the headers; a preflight
(``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is the ``OPTIONS`` answer of
wire/methods.py — 200, no authentication, ``Allow`` exact — with them. The web pages (signed-in
console, consent page) carry none: no other origin may read them.
"""

import functools
from typing import Any

import falcon

from connectapps.wire import uris

# Twilio's values (a real answer's headers, docs/compatibility.md), except Allow-Methods: the route's exact
# ``Allow`` here, where Twilio sends one list everywhere. Twilio's list serves an unknown route.
ALLOW_ORIGIN = "*"
ALLOW_HEADERS = "Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since"
EXPOSE_HEADERS = "ETag"
TWILIO_METHODS = "GET, POST, DELETE, OPTIONS"
OPENAPI = "/openapi.json"


def applies(path: str) -> bool:
    return path.startswith(uris.API_VERSION + "/") or path == OPENAPI


@functools.cache
def headers(allowed: str | None) -> tuple[tuple[str, str], ...]:
    """The CORS headers of an API answer whose route answers the methods ``allowed`` (None: Twilio's list)."""
    return (
        ("Access-Control-Allow-Origin", ALLOW_ORIGIN),
        ("Access-Control-Allow-Methods", allowed or TWILIO_METHODS),
        ("Access-Control-Allow-Headers", ALLOW_HEADERS),
        ("Access-Control-Expose-Headers", EXPOSE_HEADERS),
        # Twilio sends it too. With the origin ``*`` browsers send no cookies whatever it says (Fetch standard),
        # and the API reads none: credentials are the Authorization header the page itself sets.
        ("Access-Control-Allow-Credentials", "true"),
    )


class Cors:
    """Middleware: the CORS headers on every answer of the API and of ``/openapi.json``."""

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if applies(req.path):
            for name, value in headers(getattr(resource, "allowed", None)):
                resp.set_header(name, value)
