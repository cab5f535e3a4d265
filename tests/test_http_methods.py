"""HEAD and OPTIONS on every route the application has (found by inspecting it, not listed by hand),
and unknown addresses: the API keeps Twilio's envelope, the web pages' paths get the HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import falcon.inspect
import pytest
import requests

from connectapps.app import create_app
from tests.conftest import Server
from tests.envelope import assert_error
from tests.web.consent_helpers import assert_page_headers
from tests.web.console_helpers import HTML, World, make_world

# Every method is tried on every route: the standard ones, and a WebDAV one Falcon also routes.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND", "OPTIONS")


def routes(server: Server) -> list[str]:
    return [route.path for route in falcon.inspect.inspect_routes(create_app(server.store))]


def concrete(template: str, world: World) -> str:
    """The route with real values: the owner's account, app, and the app they authorized; any
    other parameter (the spec-driven resources' parents and SIDs) a SID-shaped one nobody has."""
    values = {
        "account_sid": world.owner.account.sid, "sid": world.app.sid, "app_sid": world.app.sid,
        "connect_app_sid": world.granted.sid, "name": "style.css",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "XX" + "0" * 32), template)


def send(world: World, method: str, path: str) -> requests.Response:
    """As the signed-in owner (session cookie) with the owner's API credentials; no CSRF token, so
    no form does anything."""
    account = world.owner.account
    return world.owner_browser.http.request(
        method, world.server.url + path, auth=(account.sid, account.auth_token), allow_redirects=False, timeout=10,
    )


def allow(resp: requests.Response) -> list[str]:
    return [m.strip() for m in resp.headers["Allow"].split(",")]


def test_every_route_answers_head_and_options_and_allow_lists_exactly_what_works(server: Server) -> None:
    world = make_world(server)
    templates = routes(server)
    assert len(templates) >= 19  # the API, health and every web page
    for template in templates:
        path = concrete(template, world)
        answers = {method: send(world, method, path) for method in METHODS}
        options = answers["OPTIONS"]
        assert options.status_code == 200, (path, options.status_code)
        assert options.content == b"" and "Content-Type" not in options.headers, path
        listed = allow(options)
        works = [m for m in METHODS if answers[m].status_code != 405]
        assert sorted(listed) == sorted(works), (path, listed, works)
        assert listed[-1] == "OPTIONS" and len(set(listed)) == len(listed), path
        for method in set(METHODS) - set(works):
            assert allow(answers[method]) == listed, (path, method)
        get, head = answers["GET"], answers["HEAD"]
        if "GET" in works:
            assert "HEAD" in works, path
            assert head.status_code == get.status_code, path
            assert head.content == b"", path
            assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), path
            # the length of what GET sends: gzipped, where the client takes it (/openapi.json)
            assert head.headers.get("Content-Encoding") == get.headers.get("Content-Encoding"), path
            sent = get.headers.get("Content-Length")
            assert head.headers.get("Content-Length") == sent or get.status_code == 303, path
            assert "Content-Encoding" in get.headers or sent == str(len(get.content)) or get.status_code == 303, path
        else:
            assert "HEAD" not in works, path


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
def test_load_balancers_can_probe_with_head(server: Server, path: str) -> None:
    resp = requests.head(server.url + path, timeout=10)
    assert (resp.status_code, resp.content, resp.headers["Content-Length"]) == (200, b"", "15")
    assert allow(requests.options(server.url + path, timeout=10)) == ["GET", "HEAD", "OPTIONS"]


def test_head_on_the_api_needs_credentials_like_get(server: Server) -> None:
    account = server.account()
    path = f"/2010-04-01/Accounts/{account.sid}.json"
    unauthenticated = requests.head(server.url + path, timeout=10)
    assert (unauthenticated.status_code, unauthenticated.content) == (401, b"")
    ok = requests.head(server.url + path, auth=(account.sid, account.auth_token), timeout=10)
    assert (ok.status_code, ok.content) == (200, b"")


def test_a_redirect_has_no_content_type(server: Server) -> None:
    resp = requests.get(server.url + "/", allow_redirects=False, timeout=10)
    assert resp.status_code == 303 and resp.content == b"" and "Content-Type" not in resp.headers


# --- unknown addresses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/console/nope", "/console/apps/CN" + "0" * 32 + "/nope", "/signin/x", "/signout/x",
    "/authorize/CN" + "0" * 32 + "/x", "/authorize", "/static", "/static/a/b",
])
def test_unknown_web_paths_get_the_html_page_with_its_headers(server: Server, path: str) -> None:
    resp = requests.get(server.url + path, allow_redirects=False, timeout=10)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == HTML
    assert "Page not found" in resp.text and "<script" not in resp.text
    assert_page_headers(resp)


@pytest.mark.parametrize("path", ["/2010-04-01/Nope.json", "/2010-04-01/Accounts/AC1/Nope.json", "/health/x", "/x"])
def test_unknown_api_paths_keep_twilios_envelope(server: Server, path: str) -> None:
    resp = requests.get(server.url + path, timeout=10)
    assert_error(resp, 404, 20404, f"The requested resource {path} was not found")


# --- refused methods on the API: 401 before 405 ------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "compatibility.md"


def test_refused_methods_on_the_api_answer_401_before_405(server: Server) -> None:
    """PUT, PATCH (and any method a route does not answer) say nothing about an API resource to a caller
    without credentials: 401 / 20003 first, the 405 only once authenticated. docs/compatibility.md says so."""
    world = make_world(server)
    account = world.owner.account
    api = [t for t in routes(server) if t.startswith("/2010-04-01/")]
    assert len(api) > 100  # the hand-written resources and the spec's
    for template in api:
        path = concrete(template, world)
        for method in ("PUT", "PATCH"):
            anonymous = requests.request(method, server.url + path, timeout=10)
            assert_error(anonymous, 401, 20003, "Authentication Error - No credentials provided")
            assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
            assert "Allow" not in anonymous.headers, path
            wrong = requests.request(method, server.url + path, auth=(account.sid, "0" * 32), timeout=10)
            assert_error(wrong, 401, 20003, "Authenticate")
        refused = requests.put(server.url + path, auth=(account.sid, account.auth_token), timeout=10)
        assert refused.status_code == 405 and "PUT" not in allow(refused), path
    row = next(line for line in DOC.read_text(encoding="utf-8").splitlines() if "PUT, PATCH" in line)
    assert "401" in row and row.index("401") < row.index("405"), row
