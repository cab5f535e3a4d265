"""The express lane: a successful fetch, page or update of Connect Apps, answered without Falcon's machinery.

Fetching one Connect App, reading a page of them and updating one are what clients send most, and the
ordinary path around them — Falcon's request and response objects, a router over the whole 2010-04-01
API, the middlewares of app.py — costs about as much as a fetch itself (docs/benchmarks.md). This lane
stands in front of that path for ``GET`` and ``POST /2010-04-01/Accounts/{AC…}/ConnectApps/{CN…}.json``
and ``GET /2010-04-01/Accounts/{AC…}/ConnectApps.json`` and answers only a success: the same bytes and
headers as the ordinary path, the same access-log line and metric, the same authentication, access
rules, paging and form reading (the very functions the resources call; the query parsed as Falcon
parses it).

Anything else — another method or path, a long query, a body without ``Content-Length`` or over
``BODY_MAX``, a failed authentication, an account out of reach, no such app, a bad page parameter or
form value, any error — steps aside before a byte is answered: the ordinary path then serves the
request from its start (with the body the lane read put back) and answers it as always, so every error
is still rendered in one place. That is safe for an update too: what refuses it (access, validation,
no such app) refuses it before anything is written, and its write is one statement, which either
commits or changes nothing. The metrics of database round trips and cache lookups count such a
request's work twice: they count work done, not requests.

Not installed with the admin API (its journal and faults see every request) or the per-account
concurrency limit (its middleware counts each request): the ordinary path serves everything then.
"""

import io
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from falcon.util.uri import parse_query_string

from connectapps.api import base
from connectapps.domain.access import Principal
from connectapps.domain.store import Store
from connectapps.ops.access import AccessLog
from connectapps.wire import cors, forms, render

StartResponse = Callable[..., Any]
Params = Mapping[str, Any]
QUERY_MAX = 1024  # a longer query string is the ordinary path's (and its URL bound's)
BODY_MAX = 16_384  # a longer body is the ordinary path's (and its form bound's); an update's is ~100 bytes

# A route's fields, as the lane takes them: a SID of their kind (anything else is the ordinary path's).
FIELDS = {"account_sid": r"(AC[0-9a-fA-F]{32})", "sid": r"(CN[0-9a-fA-F]{32})"}


def pattern(route: str) -> re.Pattern[str]:
    """The paths of a route template that the lane takes."""
    parts = re.split(r"\{(\w+)\}", route)  # text, field, text, …, text
    return re.compile("".join(FIELDS[part] if n % 2 else re.escape(part) for n, part in enumerate(parts)) + r"\Z")


@dataclass(frozen=True)
class Lane:
    """One route and method the lane serves: the route's template (as the router, logs and metrics name
    it), the methods its resource allows (for CORS), and its answer: ``(principal, the path's fields,
    parameters, query string)`` to the body of a success. The parameters are the query's for a GET, the
    form's for a POST."""

    route: str
    allowed: str
    answer: Callable[[Principal, Sequence[str], Params, str], bytes]
    method: str = "GET"


class Express:
    """Answers a successful request on one of its lanes, or None: the ordinary path is to serve it."""

    def __init__(
        self, store: Store, access_log: AccessLog, request_id: Callable[[], str], lanes: Sequence[Lane],
        keep_blank: bool, csv: bool,
    ) -> None:
        self.store = store
        self.access_log = access_log
        self.request_id = request_id  # the ordinary path's own counter (app.RequestScope)
        self.lanes: dict[str, list[tuple[re.Pattern[str], Lane, list[tuple[str, str]]]]] = {}
        for lane in lanes:
            self.lanes.setdefault(lane.method, []).append((pattern(lane.route), lane, self._headers(lane)))
        self.keep_blank, self.csv = keep_blank, csv  # Falcon's query options, as the application sets them

    @staticmethod
    def _headers(lane: Lane) -> list[tuple[str, str]]:
        """In the order the ordinary path sends them; names in lower case, as Falcon writes them."""
        return [("content-type", render.JSON), *((name.lower(), value) for name, value in cors.headers(lane.allowed))]

    def _lane(self, method: str, path: str) -> tuple[re.Match[str], Lane, list[tuple[str, str]]] | None:
        for path_pattern, lane, headers in self.lanes.get(method, ()):
            match = path_pattern.match(path)
            if match is not None:
                return match, lane, headers
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes] | None:
        method = environ.get("REQUEST_METHOD", "")
        query = environ.get("QUERY_STRING", "")
        if len(query) > QUERY_MAX:
            return None
        path = environ.get("PATH_INFO", "")
        found = self._lane(method, path)
        if found is None:
            return None
        match, lane, headers = found
        started = time.perf_counter()
        sent: bytes | None = None
        try:
            principal = base.authenticate(self.store, environ.get("HTTP_AUTHORIZATION"))
            base.note(principal)
            if method == "POST":  # read only once the caller is known, as the ordinary path reads it
                sent = _body(environ)
                if sent is None:
                    return None
                params: Params = forms.form_of(environ.get("CONTENT_TYPE"), sent)
            else:
                params = parse_query_string(query, keep_blank=self.keep_blank, csv=self.csv) if query else {}
            body = lane.answer(principal, match.groups(), params, query)
        except Exception:  # every failure is the ordinary path's to answer, and to render
            if sent is not None:
                environ["wsgi.input"] = io.BytesIO(sent)  # the body, for the ordinary path to read again
            return None
        finally:
            self.store.end_request()
        request_id = self.request_id()
        start_response("200 OK", [*headers, ("twilio-request-id", request_id), ("content-length", str(len(body)))])
        self.access_log.answered(method, path, lane.route, 200, started, request_id)
        return [body]


def _body(environ: dict[str, Any]) -> bytes | None:
    """The body of a request that says its length, up to ``BODY_MAX`` (None: the ordinary path's). The
    header's digits are counted before ``int()`` reads them: it refuses over 4,300 of them."""
    length = environ.get("CONTENT_LENGTH", "")
    if not (length.isascii() and length.isdigit()) or len(length) > len(str(BODY_MAX)) or int(length) > BODY_MAX:
        return None
    body: bytes = environ["wsgi.input"].read(int(length))
    return body
