"""The express lane (api/express.py): a successful fetch of one Connect App, of a page of them, or an update of
one, is answered without Falcon, exactly as the ordinary path answers it; everything else is the ordinary
path's, unchanged.

Each request here is sent twice to the same application: once as a server sends it (the lane first)
and once straight to Falcon (``falcon.App.__call__``, the ordinary path alone). Status, headers in
order, body, access-log line and metric must be the same but for the request id and the duration.
"""

import base64
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import falcon
import falcon.testing
import pytest

from connectapps.api.express import Express
from connectapps.app import App, create_app
from connectapps.domain import accounts, authorizations, connect_apps
from connectapps.domain.models import Account, ConnectApp
from connectapps.domain.store import Store

API = "/2010-04-01/Accounts"
ROUTE = API + "/{account_sid}/ConnectApps/{sid}.json"
LIST_ROUTE = API + "/{account_sid}/ConnectApps.json"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def environ_of(
    method: str, path: str, authorization: str | None, query: str = "", body: bytes | None = None,
    content_type: str | None = FORM, chunked: bool = False, content_length: str | None = None,
) -> dict[str, Any]:
    """A request as a server hands it over; ``chunked``: its body without a ``Content-Length``;
    ``content_length``: the header as sent, whatever the body."""
    headers = {"Authorization": authorization} if authorization else {}
    if body is not None and content_type is not None:
        headers["Content-Type"] = content_type
    environ = falcon.testing.create_environ(path=path, method=method, headers=headers, query_string=query,
                                           body=body or b"")
    if body == b"" and not chunked:
        environ["CONTENT_LENGTH"] = "0"
    if chunked:
        del environ["CONTENT_LENGTH"]
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    return environ


def call(wsgi: Any, method: str, path: str, authorization: str | None, query: str = "", **request: Any) -> Answer:
    started: list[Any] = []
    environ = environ_of(method, path, authorization, query, **request)
    body = b"".join(wsgi(environ, lambda status, sent, exc_info=None: started.append((status, sent))))
    status, sent = started[0]
    request_id = dict(sent).get("twilio-request-id", "")
    return Answer(status, [(n, "RQ…" if n == "twilio-request-id" else v) for n, v in sent], body, request_id)


def express_lane(app: App) -> Express:
    assert app.express is not None
    return app.express


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
def observed(world: World, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[App, list[tuple[str, str, int]]]]:
    """An application with its lane, its metrics seen as (route, method, status), its access log captured."""
    metrics: list[tuple[str, str, int]] = []
    app = create_app(world.store, lambda route, method, status, seconds: metrics.append((route, method, status)))
    assert app.express is not None
    caplog.set_level(logging.INFO, logger="connectapps.access")
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


def answered_alike(
    app: App, caplog: pytest.LogCaptureFixture, route: str, method: str, path: str, authorization: str,
    query: str = "", **sent: Any,
) -> Answer:
    """Sends the request through the lane and then to Falcon alone: a 200, the same answer and the same
    access-log line but for the request id and the duration. The lane's answer."""
    caplog.clear()
    express = call(app, method, path, authorization, query, **sent)
    plain = call(ordinary(app), method, path, authorization, query, **sent)
    assert express == Answer(plain.status, plain.headers, plain.body, express.request_id), (method, path, query, sent)
    assert express.status == "200 OK"
    lines = [record.__dict__["fields"] for record in caplog.records]
    assert len(lines) == 2
    for line in lines:
        del line["duration_ms"]
    assert lines[0] == {**lines[1], "request_id": express.request_id}
    assert lines[1]["request_id"] == plain.request_id
    assert (lines[0]["route"], lines[0]["method"]) == (route, method)
    return express


def test_a_successful_read_is_answered_by_the_lane_exactly_as_by_the_ordinary_path(
    world: World, observed: tuple[App, list[tuple[str, str, int]]], caplog: pytest.LogCaptureFixture
) -> None:
    app, metrics = observed
    for path, query, authorization, route in successes(world):
        environ = falcon.testing.create_environ(path=path, query_string=query, headers={"Authorization": authorization})
        assert express_lane(app)(environ, lambda *args: None) is not None, (path, query)  # the lane answers it
        express = answered_alike(app, caplog, route, "GET", path, authorization, query)
        assert ("connect_apps" if route == LIST_ROUTE else "sid") in json.loads(express.body), (path, query)
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


def updates(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, Authorization, what is sent) of updates the lane answers."""
    owner, user = basic(w.owner.sid, w.owner.auth_token), basic(w.user.sid, w.user.auth_token)
    mine, theirs = w.path(w.owner, w.app), w.path(w.user, w.own_app)
    return [
        (mine, owner, {"body": b"FriendlyName=Renamed"}),
        (mine, owner, {"body": b"Permissions=get-all&Permissions=post-all&Unknown=x"}),  # every value of a list
        (mine, owner, {"body": b"CompanyName=%C3%89tude&CompanyName=Last", "content_type": FORM + "; charset=UTF-8"}),
        (mine, owner, {"body": b"HomepageUrl=&Description="}),  # blanks clear
        (mine, owner, {"body": b'{"FriendlyName": "x"}', "content_type": "application/json"}),  # no parameters
        (mine, owner, {"body": b"FriendlyName=NoType", "content_type": None}),  # no type: a form
        (mine, owner, {"body": b""}),  # nothing to change
        (theirs, user, {"body": b"FriendlyName=Mine"}),
    ]


def test_a_successful_update_is_answered_by_the_lane_exactly_as_by_the_ordinary_path(
    world: World, observed: tuple[App, list[tuple[str, str, int]]], caplog: pytest.LogCaptureFixture
) -> None:
    app, metrics = observed
    for path, authorization, sent in updates(world):
        assert express_lane(app)(environ_of("POST", path, authorization, **sent), lambda *args: None) is not None, sent
        answered_alike(app, caplog, ROUTE, "POST", path, authorization, **sent)
    assert metrics == [(ROUTE, "POST", 200)] * 3 * len(updates(world))  # the probe, the lane, Falcon
    after = connect_apps.fetch(world.store, world.owner.sid, world.app.sid)
    assert (after.friendly_name, after.company_name, after.permissions) == ("NoType", "Last", ("get-all", "post-all"))
    assert after.homepage_url is None
    assert connect_apps.fetch(world.store, world.user.sid, world.own_app.sid).friendly_name == "Mine"


def test_the_lane_writes_an_update_once(world: World) -> None:
    app = create_app(world.store)
    before = connect_apps.fetch(world.store, world.owner.sid, world.app.sid)
    answer = call(app, "POST", world.path(world.owner, world.app), basic(world.owner.sid, world.owner.auth_token),
                  body=b"FriendlyName=Once")
    assert json.loads(answer.body)["friendly_name"] == "Once"
    assert connect_apps.fetch(world.store, world.owner.sid, world.app.sid).version == before.version + 1


def refused_updates(w: World) -> list[tuple[str, str | None, dict[str, Any], int]]:
    """(path, Authorization, what is sent, the ordinary path's status) of updates the lane leaves to it,
    with the body it read put back: an answer that depends on the body shows that it was."""
    own = basic(w.owner.sid, w.owner.auth_token)
    path = w.path(w.owner, w.app)
    return [
        (path, None, {"body": b"FriendlyName=x"}, 401),
        (path, basic(w.owner.sid, "wrong"), {"body": b"FriendlyName=x"}, 401),
        (w.path(w.user, w.own_app), own, {"body": b"FriendlyName=x"}, 401),  # another account
        # an app acting for the user may not change the user's Connect Apps
        (w.path(w.user, w.own_app), basic(w.connect_sid, w.owner.auth_token), {"body": b"FriendlyName=x"}, 403),
        (f"{API}/{w.owner.sid}/ConnectApps/CN{'0' * 32}.json", own, {"body": b"FriendlyName=x"}, 404),
        (path, own, {"body": b"HomepageUrl=not-a-url"}, 400),
        (path, own, {"body": b"Permissions=get-all&Permissions=all"}, 400),
        (path, own, {"body": b"DeauthorizeCallbackMethod=PUT"}, 400),
        (path, own, {"body": b"FriendlyName=" + b"x" * 300}, 400),
        (path, own, {"body": b"FriendlyName=%FF"}, 400),  # not UTF-8
        (path, own, {"body": b"FriendlyName=Chunked", "chunked": True}, 200),  # no Content-Length
        (path, own, {"body": b"FriendlyName=x", "content_length": "9" * 5000}, 400),  # not a length Falcon reads
        (path, own, {"body": b"FriendlyName=Long&Unknown=" + b"x" * 20_000}, 200),  # longer than the lane takes
    ]


def test_an_update_the_lane_refuses_reaches_the_ordinary_path_with_its_body(world: World) -> None:
    app = create_app(world.store)
    assert app.express is not None
    for path, authorization, sent, status in refused_updates(world):
        before = connect_apps.fetch(world.store, world.owner.sid, world.app.sid)
        environ = environ_of("POST", path, authorization, **sent)
        assert app.express(environ, lambda *args: None) is None, (path, sent)
        assert connect_apps.fetch(world.store, world.owner.sid, world.app.sid) == before  # nothing written
        assert environ["wsgi.input"].read() == sent["body"]  # there to be read again
        express = call(app, "POST", path, authorization, **sent)
        plain = call(ordinary(app), "POST", path, authorization, **sent)
        assert (express.status, express.headers) == (plain.status, plain.headers), (path, sent)
        assert int(express.status[:3]) == status, (path, sent, express.body)
        if status != 200:
            assert express.body == plain.body, (path, sent)
    assert connect_apps.fetch(world.store, world.owner.sid, world.app.sid).friendly_name == "Long"


class CountedReads(io.BytesIO):
    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(size)


def test_the_lane_reads_no_body_before_the_caller_is_authenticated(world: World) -> None:
    app = create_app(world.store)
    path = world.path(world.owner, world.app)
    for authorization in (None, basic(world.owner.sid, "wrong")):
        environ = environ_of("POST", path, authorization, body=b"FriendlyName=x")
        environ["wsgi.input"] = body = CountedReads(b"FriendlyName=x")
        assert express_lane(app)(environ, lambda *args: None) is None
        assert body.reads == 0
