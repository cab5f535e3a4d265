"""The express lane (api/express.py): a successful fetch of one Connect App, or of a page of them, is answered
without Falcon, exactly as the ordinary path answers it; everything else is the ordinary path's, unchanged.

Each request here is sent twice to the same application: once as a server sends it (the lane first)
and once straight to Falcon (``falcon.App.__call__``, the ordinary path alone). Status, headers in
order, body, access-log line and metric must be the same but for the request id and the duration.
"""

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import falcon
import falcon.testing
import pytest

from connectapps.app import App, create_app
from connectapps.domain import accounts, authorizations, connect_apps
from connectapps.domain.models import Account, ConnectApp
from connectapps.domain.store import Store

API = "/2010-04-01/Accounts"
ROUTE = API + "/{account_sid}/ConnectApps/{sid}.json"
LIST_ROUTE = API + "/{account_sid}/ConnectApps.json"


@dataclass
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def call(wsgi: Any, method: str, path: str, authorization: str | None, query: str = "") -> Answer:
    started: list[Any] = []
    headers = {"Authorization": authorization} if authorization else {}
    environ = falcon.testing.create_environ(path=path, method=method, headers=headers, query_string=query)
    body = b"".join(wsgi(environ, lambda status, sent, exc_info=None: started.append((status, sent))))
    status, sent = started[0]
    request_id = dict(sent).get("twilio-request-id", "")
    return Answer(status, [(n, "RQ…" if n == "twilio-request-id" else v) for n, v in sent], body, request_id)


def ordinary(app: App) -> Any:
    return lambda environ, start_response: falcon.App.__call__(app, environ, start_response)


@dataclass
class World:
    store: Store
    owner: Account  # owns ``app``, a Connect App with get-all and post-all
    user: Account  # authorized ``app``; owns ``own_app``
    app: ConnectApp
    own_app: ConnectApp
    connect_sid: str  # the Connect subaccount of the user's authorization

    def path(self, account: Account, app: ConnectApp) -> str:
        return f"{API}/{account.sid}/ConnectApps/{app.sid}.json"


@pytest.fixture
def world(store: Store) -> World:
    owner = accounts.create(store, "Owner")
    user = accounts.create(store, "User")
    app = connect_apps.create(store, owner.sid, {"friendly_name": "Shared", "permissions": ["get-all", "post-all"]})
    own_app = connect_apps.create(store, user.sid, {"friendly_name": "Own"})
    for n in range(2):
        connect_apps.create(store, owner.sid, {"friendly_name": f"More {n}"})
    authorization = authorizations.authorize(store, app, user)
    return World(store, owner, user, app, own_app, authorization.subaccount_sid)


@pytest.fixture
def observed(world: World) -> Iterator[tuple[App, list[tuple[str, str, int]]]]:
    metrics: list[tuple[str, str, int]] = []
    app = create_app(world.store, lambda route, method, status, seconds: metrics.append((route, method, status)))
    yield app, metrics


def successes(w: World) -> list[tuple[str, str, str, str]]:
    """(path, query, Authorization, route) of reads the lane answers."""
    owner, user = basic(w.owner.sid, w.owner.auth_token), basic(w.user.sid, w.user.auth_token)
    delegated = basic(w.connect_sid, w.owner.auth_token)  # get-all, for the user
    listing = f"{API}/{w.owner.sid}/ConnectApps.json"
    return [
        (w.path(w.owner, w.app), "", owner, ROUTE),
        (w.path(w.user, w.own_app), "", user, ROUTE),
        (w.path(w.user, w.own_app), "", delegated, ROUTE),
        (w.path(w.owner, w.app), "PageSize=5", owner, ROUTE),  # a fetch ignores the query, on both paths
        (listing, "", owner, LIST_ROUTE),
        (listing, "PageSize=1", owner, LIST_ROUTE),
        (listing, "PageSize=1", owner, LIST_ROUTE),  # the same page again: the kept body
        (listing, f"PageSize=1&Page=1&PageToken=PACN{'0' * 32}", owner, LIST_ROUTE),  # keyset
        (listing, "PageSize=1&Page=1", owner, LIST_ROUTE),  # by offset
        (listing, "PageSize=1&PageSize=2&Unknown=&x", owner, LIST_ROUTE),  # the last value counts; blanks kept
        (f"{API}/{w.user.sid}/ConnectApps.json", "", delegated, LIST_ROUTE),
        (f"{API}/{w.connect_sid}/ConnectApps.json", "", delegated, LIST_ROUTE),
    ]


def delegated_reads(w: World) -> list[tuple[str, str, str]]:
    delegated = basic(w.connect_sid, w.owner.auth_token)
    return [(path, query, auth) for path, query, auth, _ in successes(w) if auth == delegated]


def test_a_successful_read_is_answered_by_the_lane_exactly_as_by_the_ordinary_path(
    world: World, observed: tuple[App, list[tuple[str, str, int]]], caplog: pytest.LogCaptureFixture
) -> None:
    app, metrics = observed
    assert app.express is not None
    caplog.set_level(logging.INFO, logger="connectapps.access")
    for path, query, authorization, route in successes(world):
        environ = falcon.testing.create_environ(path=path, query_string=query, headers={"Authorization": authorization})
        assert app.express(environ, lambda *args: None) is not None, (path, query)  # the lane answers it
        caplog.clear()
        express = call(app, "GET", path, authorization, query)
        plain = call(ordinary(app), "GET", path, authorization, query)
        assert express == Answer(plain.status, plain.headers, plain.body, express.request_id), (path, query)
        assert express.status == "200 OK"
        assert ("connect_apps" if route == LIST_ROUTE else "sid") in json.loads(express.body), (path, query)
        lines = [record.__dict__["fields"] for record in caplog.records]
        assert len(lines) == 2
        for line in lines:
            del line["duration_ms"]
        assert lines[0] == {**lines[1], "request_id": express.request_id}
        assert lines[1]["request_id"] == plain.request_id
        assert lines[0]["route"] == route
    # each success three times: the probe, the lane, Falcon
    assert metrics == [(route, "GET", 200) for *_, route in successes(world) for _ in range(3)]


def test_request_ids_come_from_one_counter_on_both_paths(world: World) -> None:
    app = create_app(world.store)
    path, _, authorization, _ = successes(world)[0]
    ids = [call(app, "GET", path, authorization).request_id, call(ordinary(app), "GET", path, authorization).request_id,
           call(app, "GET", path, authorization).request_id]
    assert ids[0][:18] == ids[1][:18] == ids[2][:18]
    assert [int(i[18:], 16) for i in ids] == [0, 1, 2]


def refused(w: World) -> list[tuple[str, str, str | None, str]]:
    """(method, path, Authorization, query) the lane leaves to the ordinary path: errors, other methods,
    other representations, a long query."""
    own = basic(w.owner.sid, w.owner.auth_token)
    delegated = basic(w.connect_sid, w.owner.auth_token)
    path = w.path(w.owner, w.app)
    listing = f"{API}/{w.owner.sid}/ConnectApps.json"
    return [
        ("GET", path, None, ""),  # no credentials: 401
        ("GET", path, basic(w.owner.sid, "wrong"), ""),  # 401
        ("GET", path, "Bearer " + w.owner.auth_token, ""),  # not Basic: 401
        ("GET", w.path(w.user, w.own_app), own, ""),  # another account: 401
        ("GET", path, delegated, ""),  # the app owner's account is out of the delegation's reach: 401
        ("GET", listing, None, ""),  # 401
        ("GET", listing, delegated, ""),  # 401
        ("GET", f"{API}/{w.owner.sid}/ConnectApps/CN{'0' * 32}.json", own, ""),  # no such app: 404
        ("GET", f"{API}/{w.owner.sid}/ConnectApps/{w.own_app.sid}.json", own, ""),  # another's app: 404
        ("GET", f"{API}/{w.owner.sid}/ConnectApps/CNnot-a-sid.json", own, ""),  # 404
        ("GET", listing, own, "PageSize=0"),  # 400
        ("GET", listing, own, "PageSize=1001"),  # 400
        ("GET", listing, own, "PageToken=XX1"),  # 400
        ("GET", listing, own, "Page=-1"),  # 400
        ("HEAD", path, own, ""),
        ("HEAD", listing, own, ""),
        ("OPTIONS", path, None, ""),
        ("POST", path, own, ""),
        ("GET", listing, own, "PageSize=2&" + "x" * 1100),  # longer than the lane takes
        ("GET", path.removesuffix(".json") + ".xml", own, ""),
        ("GET", listing.removesuffix(".json") + ".csv", own, ""),
        ("GET", path.removesuffix(".json"), own, ""),
    ]


def test_everything_else_is_answered_by_the_ordinary_path(world: World) -> None:
    app = create_app(world.store)
    assert app.express is not None
    statuses = []
    for method, path, authorization, query in refused(world):
        headers = {"Authorization": authorization} if authorization else {}
        environ = falcon.testing.create_environ(path=path, method=method, headers=headers, query_string=query)
        assert app.express(environ, lambda *args: None) is None, (method, path, query)
        express = call(app, method, path, authorization, query)
        plain = call(ordinary(app), method, path, authorization, query)
        assert express == Answer(plain.status, plain.headers, plain.body, express.request_id), (method, path)
        statuses.append(int(express.status[:3]))
    assert statuses == [401] * 7 + [404] * 3 + [400] * 4 + [200] * 8


def test_an_ended_authorization_stops_the_lane_on_the_next_request(world: World) -> None:
    app = create_app(world.store)
    reads = delegated_reads(world)
    assert len(reads) == 3
    for path, query, authorization in reads:
        assert call(app, "GET", path, authorization, query).status == "200 OK"
    authorizations.revoke(world.store, world.user.sid, world.app.sid)
    for path, query, authorization in reads:
        answer = call(app, "GET", path, authorization, query)
        assert answer.status == "401 Unauthorized"
        assert b'"code":20003' in answer.body


def test_an_update_is_seen_by_the_next_fetch_and_page(world: World) -> None:
    app = create_app(world.store)
    path, listing = successes(world)[0][0], successes(world)[4][0]
    authorization = basic(world.owner.sid, world.owner.auth_token)
    for read in (path, listing):
        assert b'"friendly_name":"Shared"' in call(app, "GET", read, authorization).body
    connect_apps.update(world.store, world.owner.sid, world.app.sid, {"friendly_name": "Renamed"})
    for read in (path, listing):
        assert b'"friendly_name":"Renamed"' in call(app, "GET", read, authorization).body


def test_there_is_no_lane_with_the_admin_api_or_the_concurrency_limit(world: World) -> None:
    from connectapps.admin import Admin

    assert create_app(world.store, limited=True).express is None
    assert create_app(world.store, admin=Admin(world.store, "t" * 32, None)).express is None
    assert create_app(world.store).express is not None
