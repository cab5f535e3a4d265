"""The access log and the request metrics: one line per request, written when its answer is ready.

A line says who asked for what and how it went — never what was sent: no query string (its values
may be tokens), no header, no cookie, no body. ``path`` is the path alone, cut at ``PATH_MAX``.
The principal is noted by the code that authenticated it (``note_principal``), on this thread:
a WSGI worker thread serves one request at a time.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import falcon

from connectapps.ops import logs

log = logging.getLogger("connectapps.access")
PATH_MAX = 512
UNMATCHED = "(unmatched)"


_Noted = tuple[str | None, str | None, str | None]
"""(kind, SID, Connect App SID) of a request's principal as ``note_principal`` keeps it for the line (not
domain/access.py's ``Principal``, which it is made from)."""
_NOBODY: _Noted = (None, None, None)


class _Current(threading.local):
    principal: _Noted = _NOBODY  # one attribute, read once: a thread-local's read costs 300-570 instructions


_current = _Current()


def note_principal(kind: str, sid: str, app_sid: str | None = None) -> None:
    """Who this thread's request is from: ``account`` (its own token), ``connect_app`` (an app acting
    for ``sid`` under its authorization) or ``user`` (a signed-in person of the web pages)."""
    _current.principal = (kind, sid, app_sid)


Observer = Callable[[str, str, int, float], None]
"""Called once per request with (route template, method, status, seconds): the metrics."""


class AccessLog:
    """Falcon middleware: times each request, logs it, and hands it to ``observe`` (if any)."""

    def __init__(self, observe: Observer | None = None) -> None:
        self.observe = observe

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()
        _current.principal = _NOBODY

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        self.answered(req.method, req.path, req.uri_template, resp.status_code, req.context.started,
                      req.context.get("request_id"), resp.context.get("twilio_code"))

    def answered(
        self, method: str, path: str, route: str | None, status: int, started: float,
        request_id: str | None, error_code: int | None = None,
    ) -> None:
        """A request's answer is ready (``started``: its ``perf_counter()`` when it arrived): its metric
        and its line. The express lane (api/express.py) calls it too."""
        seconds = time.perf_counter() - started
        if self.observe is not None:
            self.observe(route or UNMATCHED, method, status, seconds)
        if not log.isEnabledFor(logging.INFO):
            return
        kind, sid, app_sid = _current.principal
        path = path if len(path) <= PATH_MAX else path[:PATH_MAX] + "…"
        entry: dict[str, Any] = {
            "time": logs.now(),
            "level": "info",
            "logger": log.name,
            "event": "request",
            "message": f"{method} {path} {status}",
            "request_id": request_id,
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "error_code": error_code,
            "duration_ms": round(seconds * 1_000_000) / 1000,  # to the µs; round(x, 3) costs several times more
            "principal_kind": kind,
            "principal_sid": sid,
        }
        if app_sid is not None:
            entry["connect_app_sid"] = app_sid
        logs.write_access(log, entry)
