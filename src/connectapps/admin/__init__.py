"""The admin API, for other people's test suites: under ``/__admin/``, off unless a token is set.

Reached only with ``Authorization: Bearer <admin token>`` (compared in constant time); account
credentials never open it, and without a token the routes do not exist (404 like any unknown path).
``serve`` refuses to listen beyond loopback without a token, and refuses more than one worker with
it: the journal, the faults and the retry settings live in the serving process (docs/testing.md).
"""

import time
from typing import Any

import falcon

from connectapps.admin.journal import journaled
from connectapps.admin.state import Admin
from connectapps.wire.errors import TwilioError, not_authenticated, render_error

PREFIX = "/__admin"


def is_admin_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class Observer:
    """Middleware: the admin API's gate, the request journal, and fault injection."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()
        if is_admin_path(req.path):
            if not self.admin.allows(req.get_header("Authorization")):
                error = not_authenticated("The admin API needs Authorization: Bearer <admin token>")
                error.headers = {"WWW-Authenticate": 'Bearer realm="connectapps admin"'}
                raise error
            return
        fault = self.admin.faults.pick(req.method, req.path)
        if fault is None:
            return
        if fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)
        injected = fault.error()
        if injected is not None:
            render_error(resp, injected)
            resp.complete = True

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource: Any, ok: bool) -> None:
        if journaled(req.path):
            self.admin.journal.record(req, resp, getattr(req.context, "started", time.perf_counter()))


def install(app: falcon.App[falcon.Request, falcon.Response], admin: Admin) -> None:
    from connectapps.admin import resources
    from connectapps.admin.openapi import OpenApiWithAdmin

    resources.install(app, admin, PREFIX)
    app.add_route("/openapi.json", OpenApiWithAdmin())  # the admin API described beside Twilio's


__all__ = ["PREFIX", "Admin", "Observer", "TwilioError", "install", "is_admin_path"]
