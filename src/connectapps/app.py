"""Builds the WSGI application: routes -> resources, Twilio's headers, the error envelope."""

import gc
import itertools
import secrets
from typing import Any

import falcon

from connectapps import config, serving, web
from connectapps.api import resources
from connectapps.api.accounts import AccountInstance, AccountList
from connectapps.api.authorized_connect_apps import AuthorizedConnectAppInstance, AuthorizedConnectAppList
from connectapps.api.connect_apps import ConnectAppInstance, ConnectAppList
from connectapps.delivery.egress import Policy
from connectapps.delivery.worker import Settings, Worker
from connectapps.domain import passwords, sids
from connectapps.store import open_store
from connectapps.store.interface import Store
from connectapps.wire import errors, methods, render, uris

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

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        self.store.end_request()
        resp.set_header("Twilio-Request-Id", f"{self.prefix}{next(self.counter):016x}")


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
            req.env["wsgi.errors"].write(f"readiness: database unavailable: {type(exc).__name__}\n")
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


def create_app(store: Store) -> falcon.App[falcon.Request, falcon.Response]:
    app = falcon.App(middleware=[RequestScope(store)])
    # Every body sets its own type; an empty one (OPTIONS, a redirect) has none. Falcon checks for None,
    # though its annotation says str.
    app.resp_options.default_media_type = None  # type: ignore[assignment]
    app.req_options.auto_parse_qs_csv = False
    app.req_options.keep_blank_qs_values = True
    accounts = f"{uris.API_VERSION}/Accounts"
    account = f"{accounts}/{{account_sid}}"
    app.add_route(f"{accounts}.json", AccountList(store))
    app.add_route(f"{account}.json", AccountInstance(store))
    app.add_route(f"{account}/ConnectApps.json", ConnectAppList(store))
    app.add_route(f"{account}/ConnectApps/{{sid}}.json", ConnectAppInstance(store))
    app.add_route(f"{account}/AuthorizedConnectApps.json", AuthorizedConnectAppList(store))
    app.add_route(
        f"{account}/AuthorizedConnectApps/{{connect_app_sid}}.json", AuthorizedConnectAppInstance(store)
    )
    resources.install(app, store)  # the rest of the API, from the spec: after the routes above, never over them
    app.add_route("/health", Health())
    app.add_route("/health/ready", Ready(store))
    errors.install(app)
    app.add_error_handler(falcon.HTTPRouteNotFound, route_not_found)
    web.install(app, store)
    return app


def create_app_from_env() -> falcon.App[falcon.Request, falcon.Response]:
    """The factory Granian calls in each worker: its own store (schema already migrated by
    ``serve``), its own deauthorize-callback sender thread and closer of silent connections."""
    store = open_store(config.database_url())
    store.migrate()
    serving.guard_worker()
    if config.callbacks_enabled():
        Worker(store, Settings.from_env(), Policy.from_env()).start()
    app = create_app(store)
    passwords.warm()
    # What start-up built (the spec's catalog, routes, templates) lives as long as the process: out of
    # the collector's sight, a full collection under load walks only what requests allocate.
    gc.collect()
    gc.freeze()
    return app
