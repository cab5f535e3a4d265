"""The express lane: a successful fetch of one Connect App, answered without Falcon's machinery.

A fetch is what clients send most, and the ordinary path around it — Falcon's request and response
objects, a router over the whole 2010-04-01 API, the middlewares of app.py — costs about as much as
the fetch itself (docs/benchmarks.md). This lane stands in front of that path for
``GET /2010-04-01/Accounts/{AC…}/ConnectApps/{CN…}.json`` without a query string, and answers only
a success: the same bytes and headers as the ordinary path, the same access-log line and metric,
the same authentication and access rules (the very functions the resource calls).

Anything else — a failed authentication, an account out of reach, no such app, any error — steps
aside before a byte is answered: the ordinary path then serves the request from its start (a read,
safe to do again) and answers it as always, so every error is still rendered in one place. The
metrics of database round trips and cache lookups count such a request's work twice: they count
work done, not requests.

Not installed with the admin API (its journal and faults see every request) or the per-account
concurrency limit (its middleware ends each request's count): the ordinary path serves everything then.
"""

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from connectapps.api import base
from connectapps.api.connect_apps import ConnectAppInstance, fetched
from connectapps.domain.store import Store
from connectapps.ops.access import AccessLog
from connectapps.wire import cors, render

_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/ConnectApps/(CN[0-9a-fA-F]{32})\.json\Z")
StartResponse = Callable[..., Any]


class ExpressFetch:
    """Answers a successful fetch of one Connect App, or None: the ordinary path is to serve it."""

    def __init__(self, store: Store, access_log: AccessLog, request_id: Callable[[], str], route: str) -> None:
        self.store = store
        self.access_log = access_log
        self.request_id = request_id  # the ordinary path's own counter (app.RequestScope)
        self.route = route  # the route's template, as the ordinary path's log and metrics name it
        # In the order the ordinary path sends them; names in lower case, as Falcon writes them.
        self.headers = [("content-type", render.JSON),
                        *((name.lower(), value) for name, value in cors.headers(ConnectAppInstance.allowed))]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes] | None:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "")
        match = _PATH.match(path)
        if match is None:
            return None
        started = time.perf_counter()
        try:
            principal = base.authenticate(self.store, environ.get("HTTP_AUTHORIZATION"))
            base.note(principal)
            body = fetched(self.store, principal, *match.groups())
        except Exception:  # every failure is the ordinary path's to answer, and to render
            return None
        finally:
            self.store.end_request()
        request_id = self.request_id()
        start_response("200 OK", [*self.headers, ("twilio-request-id", request_id),
                                  ("content-length", str(len(body)))])
        self.access_log.answered("GET", path, self.route, 200, started, request_id)
        return [body]
