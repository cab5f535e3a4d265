"""CORS as Twilio's API answers carry it: on every API answer (errors too), a preflight answered 200 without
credentials with the route's exact ``Allow``, and nothing of it on the web pages."""

from __future__ import annotations

import falcon.inspect
import pytest
import requests

from connectapps.app import create_app
from connectapps.wire import cors
from tests.conftest import Server
from tests.envelope import assert_error

ORIGIN = "https://dashboard.example"
TWILIO = {  # what a real Twilio answer carries (docs/compatibility.md), but Allow-Methods
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers":
        "Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since",
    "Access-Control-Expose-Headers": "ETag",
    "Access-Control-Allow-Credentials": "true",
}


def assert_cors(resp: requests.Response, methods: str) -> None:
    for name, value in TWILIO.items():
        assert resp.headers.get(name) == value, (resp.url, name)
    assert resp.headers["Access-Control-Allow-Methods"] == methods, resp.url


def preflight(server: Server, path: str, method: str = "GET") -> requests.Response:
    return requests.options(server.url + path, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type",
    }, timeout=10)


def test_every_api_route_answers_a_preflight_without_credentials(server: Server) -> None:
    account = server.account()
    templates = [route.path for route in falcon.inspect.inspect_routes(create_app(server.store))]
    api = [t for t in templates if cors.applies(t)]
    assert len(api) > 100 and "/openapi.json" in api
    for template in api:
        path = template.replace("{account_sid}", account.sid)
        for name in ("sid", "connect_app_sid", "p1", "p2", "p3", "p4"):
            path = path.replace("{" + name + "}", "XX" + "0" * 32)
        resp = preflight(server, path, "POST")
        assert resp.status_code == 200 and resp.content == b"", (path, resp.status_code)
        assert_cors(resp, resp.headers["Allow"])  # the route's exact Allow, OPTIONS last


def test_answers_errors_included_carry_the_headers(server: Server) -> None:
    account = server.account()
    app = server.app(account)
    path = f"/2010-04-01/Accounts/{account.sid}/ConnectApps/{app.sid}.json"
    allowed = "GET, HEAD, POST, OPTIONS"
    ok = server.get(path, account, headers={"Origin": ORIGIN})
    assert ok.status_code == 200
    assert_cors(ok, allowed)
    anonymous = requests.get(server.url + path, headers={"Origin": ORIGIN}, timeout=10)
    assert_error(anonymous, 401, 20003)
    assert_cors(anonymous, allowed)  # a page can read why it was refused
    refused = server.request("DELETE", path, account)
    assert_error(refused, 405, 20004)
    assert_cors(refused, allowed)
    unknown = requests.get(server.url + "/2010-04-01/Nope.json", timeout=10)
    assert_error(unknown, 404, 20404)
    assert_cors(unknown, cors.TWILIO_METHODS)  # no route: Twilio's own list
    assert_cors(requests.get(server.url + "/openapi.json", timeout=10), "GET, HEAD, OPTIONS")


def test_an_unknown_preflight_method_still_gets_the_exact_allow(server: Server) -> None:
    """The browser compares: a DELETE on a Connect App is not in Allow-Methods, so it never sends it."""
    account = server.account()
    app = server.app(account)
    resp = preflight(server, f"/2010-04-01/Accounts/{account.sid}/ConnectApps/{app.sid}.json", "DELETE")
    assert resp.status_code == 200
    assert "DELETE" not in resp.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["/console", "/signin", "/health", "/health/ready", "/authorize/CN" + "0" * 32])
def test_the_web_pages_and_probes_carry_none(server: Server, path: str) -> None:
    for resp in (requests.get(server.url + path, headers={"Origin": ORIGIN}, allow_redirects=False, timeout=10),
                 preflight(server, path)):
        assert not [h for h in resp.headers if h.lower().startswith("access-control-")], (path, resp.headers)
