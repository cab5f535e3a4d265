"""Builds the WSGI application: routes -> resources, Twilio's headers, the error envelope."""

import contextlib
import ctypes
import functools
import gc
import itertools
import logging
import secrets
from collections.abc import Iterable
from typing import Any

import falcon

from connectapps import admin as admin_api
from connectapps import config, serving, web
from connectapps.admin import Admin
from connectapps.api import resources
from connectapps.api.accounts import AccountInstance, AccountList
from connectapps.api.authorized_connect_apps import AuthorizedConnectAppInstance, AuthorizedConnectAppList
from connectapps.api.connect_apps import ConnectAppInstance, ConnectAppList
from connectapps.api.express import Express, StartResponse
from connectapps.api.keys import KeyInstance, KeyList
from connectapps.api.resources import openapi
from connectapps.delivery.egress import Policy
from connectapps.delivery.worker import Settings, Worker
from connectapps.domain import passwords, sids
from connectapps.domain.resources import spec
from connectapps.domain.resources.served import served_operations
from connectapps.domain.store import Store
from connectapps.ops import lifecycle, limits, metrics
from connectapps.ops.access import AccessLog, Observer
from connectapps.store import open_store
from connectapps.web.pages import WebError, error_page
from connectapps.wire import cors, errors, methods, render, representations, uris

log = logging.getLogger("connectapps.server")
# Path and query string, in bytes: Twilio's longest paths are under 200 and its lists take a few query
# parameters; beyond this a request is refused whole (the HTTP server's own bound is 64 KiB of headers).
URL_MAX = 8192
HEALTH_BODY = render.encode({"status": "ok"})


class RequestScope:
    """Ends each request for the store (the API's authentication began it), and stamps
    Twilio's request id: every answer carries a ``Twilio-Request-Id: RQ<32 hex>``, as Twilio's do.

    The id is 16 random hex digits drawn when the app is built (in each worker) followed by a
    16-digit counter: unique without a call to the system's random source per response, which cost
    more than the rest of the header. It identifies a request; it is not a secret.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.prefix = sids.REQUEST + secrets.token_hex(8)
        self.counter = itertools.count()  # next() on it is atomic under the GIL

    def next_id(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.request_id = self.next_id()
        length = len(req.path) + (len(req.query_string) + 1 if req.query_string else 0)  # path?query
        if length > URL_MAX:  # answered here, before routing or any query parsing
            message = f"The request URL is {length} bytes long; at most {URL_MAX} are read"
            if web.is_web_path(req.path):
                error_page(resp, WebError(414, "Address too long", message))
            else:
                errors.render_error(resp, errors.TwilioError(414, errors.INVALID_PARAMETER, message))
            resp.complete = True

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        self.store.end_request()
        resp.set_header("Twilio-Request-Id", req.context.request_id)


class Probe(methods.Unauthenticated):
    """A health endpoint: GET and HEAD without authentication; other methods a 405 envelope."""


class Health(Probe):
    """``GET /health``: liveness, and the hello-world ceiling the benchmarks compare against."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = render.JSON
        resp.data = HEALTH_BODY


class Ready(Probe):
    """``GET /health/ready``: 200 when the database answers, 503 when it does not (a readiness
    probe); also the benchmarks' bound for a request that needs one database round trip."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = render.JSON
        try:
            self.store.ping()
        except Exception as exc:  # any database failure means "not ready"
            log.warning("readiness: database unavailable: %s", type(exc).__name__,
                        extra={"event": "not_ready", "fields": {"reason": type(exc).__name__}})
            resp.status = 503
            resp.data = render.encode({"status": "unavailable"})
            return
        resp.data = HEALTH_BODY


def route_not_found(req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any) -> None:
    """No route: the HTML error page under the web pages' paths, Twilio's 404 envelope elsewhere
    (a Twilio client with a wrong base URL or version still gets an error it can read)."""
    if web.is_web_path(req.path):
        web.not_found(resp)
    else:
        errors.render_error(resp, errors.not_found(req.path))


class App(falcon.App[falcon.Request, falcon.Response]):
    """Falcon's application, with the express lane in front of it (api/express.py)."""

    express: Express | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.express is not None:
            answer = self.express(environ, start_response)
            if answer is not None:
                return answer
        return super().__call__(environ, start_response)


def create_app(
    store: Store, observe: Observer | None = None, limited: bool = False, admin: Admin | None = None
) -> App:
    """The application; ``observe`` sees every request's route, method, status and duration (metrics);
    ``limited``: a per-account concurrency limit is installed (ops/limits.py); with ``admin``, the admin
    API under /__admin/ and its journal and faults."""
    # The access log first: it times the whole request, and logs it last, once its answer is complete.
    access_log, scope = AccessLog(observe), RequestScope(store)
    middleware: list[Any] = [access_log, scope, cors.Cors(), representations.Representations(),
                             *([limits.Release()] if limited else [])]
    if admin is not None:
        middleware.append(admin_api.Observer(admin))
    app = App(middleware=middleware)
    # Every body sets its own type; an empty one (OPTIONS, a redirect) has none. Falcon checks for None,
    # though its annotation says str.
    app.resp_options.default_media_type = None  # type: ignore[assignment]
    app.req_options.auto_parse_qs_csv = False
    app.req_options.keep_blank_qs_values = True
    accounts = f"{uris.API_VERSION}/Accounts"
    account = f"{accounts}/{{account_sid}}"
    app.add_route(f"{accounts}.json", AccountList(store))
    app.add_route(f"{account}.json", AccountInstance(store))
    listing, instance = ConnectAppList(store), ConnectAppInstance(store)
    connect_apps, connect_app = f"{account}/ConnectApps.json", f"{account}/ConnectApps/{{sid}}.json"
    app.add_route(connect_apps, listing)
    app.add_route(connect_app, instance)
    app.add_route(f"{account}/AuthorizedConnectApps.json", AuthorizedConnectAppList(store))
    app.add_route(
        f"{account}/AuthorizedConnectApps/{{connect_app_sid}}.json", AuthorizedConnectAppInstance(store)
    )
    app.add_route(f"{account}/Keys.json", KeyList(store))
    app.add_route(f"{account}/Keys/{{sid}}.json", KeyInstance(store))
    resources.install(app, store)  # the rest of the API, from the spec: after the routes above, never over them
    app.add_route("/health", Health())
    app.add_route("/health/ready", Ready(store))
    errors.install(app)
    app.add_error_handler(falcon.HTTPRouteNotFound, route_not_found)
    web.install(app, store)
    if admin is not None:
        admin_api.install(app, admin)
    elif not limited:  # both see every request through their middleware
        lanes = [*instance.lanes(connect_app), *listing.lanes(connect_apps)]
        app.express = Express(store, access_log, scope.next_id, lanes,
                              app.req_options.keep_blank_qs_values, app.req_options.auto_parse_qs_csv)
    return app


def preload() -> None:
    """What every worker would build alike, made once by ``serve`` before Granian forks them, so that they
    inherit it: this module with the whole app's imports, and the spec's contract (docs/benchmarks.md: a
    third of a worker's start), and ``/openapi.json``'s bytes, compressed. Then the parsed spec both are made
    from is let go, as nothing else reads it, the rest is frozen out of the collector's sight, in the server
    process and in theirs, and the heap's free pages are given back."""
    served_operations()
    openapi.document.compressed()
    spec.document.cache_clear()  # 0.7-1.1 MiB less in every worker (docs/benchmarks.md, eighth session)
    gc.collect()
    gc.freeze()
    give_back_free_heap()


def give_back_free_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere, nothing). What
    preload made and let go (the spec's text, ``/openapi.json`` before it was compressed) lies in the heap
    below what is kept, where glibc gives nothing back by itself: resident in this process, it would be in
    every worker forked from it (with the document compressed, 0.6-1.4 MiB of each: docs/benchmarks.md, ninth
    session)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


def create_app_from_env() -> App:
    """The factory Granian calls in each worker: its own store (schema already migrated by
    ``serve``), its own deauthorize-callback sender thread and closer of silent connections."""
    observe = metrics.install() if metrics.address() is not None else None
    store = open_store(config.database_url())
    store.migrate()
    serving.guard_worker()
    seed = config.random_seed()
    sids.seed_random(f"{seed}:serve" if seed else None)  # not the stream ``serve --seed`` drew from
    sender = Worker(store, Settings.from_env(), Policy.from_env()) if config.callbacks_enabled() else None
    if sender is not None:
        sender.start()
    lifecycle.at_worker_exit(functools.partial(lifecycle.stop_worker, store, sender))
    lifecycle.watch_parent()
    lifecycle.relay_stop_signals()
    token = config.admin_token()
    admin = Admin(store, token, sender, config.journal_size()) if token else None
    app = create_app(store, observe, limits.install(), admin)
    passwords.warm()
    # What start-up built (the spec's catalog, routes, templates) lives as long as the process: out of
    # the collector's sight, a full collection under load walks only what requests allocate.
    gc.collect()
    gc.freeze()
    return app
