"""The console's walls: every route tried by its owner, another signed-in user and a signed-out
browser; every form without its CSRF token; script in every Connect App field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
import requests

from connectapps.domain.models import ConnectAppChanges, PageRequest
from tests.conftest import Server
from tests.web.consent_helpers import assert_page_headers
from tests.web.console_helpers import (
    APP_FIELDS,
    HTML,
    World,
    app_form,
    authorize,
    create,
    created_app,
    make_world,
    signed_in,
    token,
)
from tests.web.helpers import Browser, location_path


@dataclass(frozen=True)
class Route:
    """One console route and method; ``personal`` routes name something that must be the user's.

    ``shows`` is what a GET must show the user asking (``mine`` True: the owner, False: the other
    user, on routes that are not personal), or None.
    """

    method: str
    path: Callable[[World], str]
    owner_status: int
    personal: bool = True
    form: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    shows: Callable[[World, bool], str | None] = field(default=lambda world, mine: world.app.sid)


def _revoke(w: World) -> str:
    return f"/console/authorizations/{w.owner.account.sid}/{w.granted.sid}/revoke"


ROUTES = {
    "GET console": Route("GET", lambda w: "/console", 200, personal=False,
                         shows=lambda w, mine: (w.owner if mine else w.other).account.sid),
    "GET apps": Route("GET", lambda w: "/console/apps", 200, personal=False,
                      shows=lambda w, mine: w.app.sid if mine else w.other_app.sid),
    "GET authorized": Route("GET", lambda w: "/console/authorized", 200, personal=False,
                            shows=lambda w, mine: w.subaccount_sid if mine else "No apps are authorized"),
    "GET deliveries": Route("GET", lambda w: "/console/deliveries", 200, personal=False,
                            shows=lambda w, mine: "No deauthorize callbacks yet"),
    "GET new": Route("GET", lambda w: "/console/apps/new", 200, personal=False,
                     shows=lambda w, mine: (w.owner if mine else w.other).account.sid),
    "POST new": Route("POST", lambda w: "/console/apps/new", 303,
                      form=lambda w: {**APP_FIELDS, "account": w.owner.account.sid}),
    "GET app": Route("GET", lambda w: f"/console/apps/{w.app.sid}", 200),
    "GET edit": Route("GET", lambda w: f"/console/apps/{w.app.sid}/edit", 200),
    "POST edit": Route("POST", lambda w: f"/console/apps/{w.app.sid}/edit", 303,
                       form=lambda w: {**APP_FIELDS, "friendly_name": "Changed"}),
    "GET delete": Route("GET", lambda w: f"/console/apps/{w.app.sid}/delete", 200),
    "POST delete": Route("POST", lambda w: f"/console/apps/{w.app.sid}/delete", 303),
    "GET revoke": Route("GET", _revoke, 200, shows=lambda w, mine: w.subaccount_sid),
    "POST revoke": Route("POST", _revoke, 303),
}
FORM_TYPE = "application/x-www-form-urlencoded"
FORMS = [name for name, route in ROUTES.items() if route.method == "POST"]


def call(route: Route, world: World, browser: Browser, csrf: str | None) -> requests.Response:
    path = route.path(world)
    if route.method == "GET":
        return browser.get(path)
    form = route.form(world)
    if csrf is not None:
        form["csrf"] = csrf
    # As a browser sends a form, even an empty one (requests sends no Content-Type without a body).
    return browser.post(path, form, headers={"Content-Type": FORM_TYPE})


def owners_secrets(world: World) -> list[str]:
    return [world.owner.account.sid, world.owner.account.auth_token, world.owner.email, world.app.sid,
            world.subaccount_sid]


@pytest.mark.parametrize("name", ROUTES)
def test_the_owner_may(server: Server, name: str) -> None:
    world, route = make_world(server), ROUTES[name]
    before = world.snapshot()
    resp = call(route, world, world.owner_browser, token(world.owner_browser))
    assert resp.status_code == route.owner_status, resp.text
    assert_page_headers(resp)
    if route.method == "POST":
        assert world.snapshot() != before
    else:
        assert route.shows(world, True) in resp.text  # type: ignore[operator]


@pytest.mark.parametrize("name", ROUTES)
def test_another_user_gets_a_404_and_changes_nothing(server: Server, name: str) -> None:
    world, route = make_world(server), ROUTES[name]
    before = world.snapshot()
    resp = call(route, world, world.other_browser, token(world.other_browser))
    assert resp.headers["Content-Type"] == HTML
    assert_page_headers(resp)
    if route.personal:
        assert resp.status_code == 404, resp.text
        assert "not found" in resp.text
    else:
        assert resp.status_code == 200  # their own console: nothing of the owner's in it
        assert route.shows(world, False) in resp.text  # type: ignore[operator]
    for secret in owners_secrets(world):
        assert secret not in resp.text
    assert world.snapshot() == before


@pytest.mark.parametrize("name", ROUTES)
def test_signed_out_goes_to_sign_in_and_changes_nothing(server: Server, name: str) -> None:
    world, route = make_world(server), ROUTES[name]
    before = world.snapshot()
    browser = Browser(server)
    resp = call(route, world, browser, browser.csrf())  # a signed-out session's own, valid token
    assert resp.status_code == 303
    target = route.path(world) if route.method == "GET" else "/console"
    assert location_path(resp) == f"/signin?next={quote(target, safe='')}"
    assert_page_headers(resp)
    if route.method == "POST":
        no_session = call(route, world, Browser(server), "0" * 64)
        assert no_session.status_code == 403
    assert world.snapshot() == before


@pytest.mark.parametrize("csrf", ["missing", "wrong", "another session's"])
@pytest.mark.parametrize("name", FORMS)
def test_every_form_refuses_a_bad_csrf_token_and_changes_nothing(server: Server, name: str, csrf: str) -> None:
    world = make_world(server)
    before = world.snapshot()
    given = {"missing": None, "wrong": "f" * 64, "another session's": token(world.other_browser)}[csrf]
    resp = call(ROUTES[name], world, world.owner_browser, given)
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == HTML
    assert "This form has expired" in resp.text
    assert world.snapshot() == before


@pytest.mark.parametrize("path", [
    "/console/apps/CN00000000000000000000000000000000",
    "/console/apps/CN123",
    "/console/apps/%3Cscript%3E",
    "/console/apps/AC00000000000000000000000000000000/edit",
    "/console/apps/CN00000000000000000000000000000000/delete",
])
def test_an_unknown_app_is_the_same_404(server: Server, path: str) -> None:
    browser, _ = signed_in(server)
    resp = browser.get(path)
    assert resp.status_code == 404
    assert "Connect App not found" in resp.text and "<script>" not in resp.text
    if not path.endswith("/edit"):
        post = browser.post(path.removesuffix("/delete") + "/delete", {"csrf": token(browser)})
        assert post.status_code == 404


def test_revoking_what_is_not_yours_is_a_404(server: Server) -> None:
    world = make_world(server)
    attempts = [
        (world.other_browser, world.owner.account.sid, world.granted.sid),  # the owner's authorization
        (world.other_browser, world.other.account.sid, world.granted.sid),  # never authorized
        (world.owner_browser, world.owner.account.sid, world.app.sid),  # never authorized
        (world.owner_browser, world.owner.account.sid, "CN123"),
        (world.owner_browser, "AC123", world.granted.sid),
        (world.owner_browser, world.granted.account_sid, world.granted.sid),  # the developer's account
    ]
    before = world.snapshot()
    for browser, account_sid, app_sid in attempts:
        resp = browser.post(f"/console/authorizations/{account_sid}/{app_sid}/revoke", {"csrf": token(browser)})
        assert resp.status_code == 404, (account_sid, app_sid)
        assert "Authorization not found" in resp.text
    assert world.snapshot() == before


def test_a_users_connect_subaccount_and_its_apps_are_theirs(server: Server) -> None:
    world = make_world(server)
    app = created_app(server, create(world.owner_browser, world.subaccount_sid))
    assert world.owner_browser.get(f"/console/apps/{app.sid}").status_code == 200
    assert world.other_browser.get(f"/console/apps/{app.sid}").status_code == 404
    assert create(world.other_browser, world.subaccount_sid).status_code == 404


# -- script in every field -------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
XSS_FIELDS = {
    "friendly_name": SCRIPT,
    "company_name": IMG,
    "description": SCRIPT + "\n" + IMG,
    "homepage_url": 'https://example.com/"><img/src=x/onerror=alert(1)>',
    "authorize_redirect_url": "https://example.com/" + SCRIPT,
    "deauthorize_callback_url": 'http://127.0.0.1:9/cb?x="><img/src=x/onerror=alert(1)>',
}
ESCAPED = ["&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"]
RAW = re.compile(r"<script|<img", re.IGNORECASE)  # the pages have neither, but for our own script
OUR_SCRIPT = re.compile(r'<script src="/static/console\.js\?v=[0-9a-f]{12}" defer></script>')


def assert_escaped(text: str, where: str, shown: list[str] = ESCAPED) -> None:
    text = OUR_SCRIPT.sub("", text, count=1)
    assert not RAW.search(text), (where, RAW.search(text))
    for escaped in shown:
        assert escaped in text, (where, escaped)


def test_script_in_every_app_field_is_shown_escaped_everywhere(server: Server) -> None:
    owner_browser, owner = signed_in(server)
    text = {name: value for name, value in XSS_FIELDS.items() if not name.endswith("_url")}
    app = created_app(server, create(owner_browser, owner.account.sid, **text))
    # URLs with quotes and angle brackets are refused (21502); stored anyway, as by an older version,
    # the pages must still escape them.
    urls = ConnectAppChanges(homepage_url=XSS_FIELDS["homepage_url"],
                             authorize_redirect_url=XSS_FIELDS["authorize_redirect_url"],
                             deauthorize_callback_url=XSS_FIELDS["deauthorize_callback_url"])
    stored = server.store.update_connect_app(app.account_sid, app.sid, urls, datetime.now(UTC))
    assert stored is not None
    app = stored
    for name, value in XSS_FIELDS.items():
        assert getattr(app, name) == value
    user_browser, user = signed_in(server)
    authorize(user_browser, app, user.account.sid)
    revoke = f"/console/authorizations/{user.account.sid}/{app.sid}/revoke"
    pages = {
        "apps": owner_browser.get("/console/apps"),
        "app": owner_browser.get(f"/console/apps/{app.sid}"),
        "edit": owner_browser.get(f"/console/apps/{app.sid}/edit"),
        "delete": owner_browser.get(f"/console/apps/{app.sid}/delete"),
        "form again": owner_browser.post(f"/console/apps/{app.sid}/edit",
                                         app_form(owner_browser, **XSS_FIELDS, deauthorize_callback_method=IMG)),
        "authorizer's list": user_browser.get("/console/authorized"),
        "revoke, are you sure": user_browser.get(revoke),
    }
    for where, resp in pages.items():
        assert_escaped(resp.text, where, ESCAPED[:1] if where == "delete" else ESCAPED)
    assert "<a href=\"https://example.com/&#34;&gt;&lt;img/src=x/onerror=alert(1)&gt;\"" in pages["app"].text
    assert user_browser.post(revoke, {"csrf": token(user_browser)}).status_code == 303
    for where in (f"/console/apps/{app.sid}", "/console/deliveries"):
        log = owner_browser.get(where).text
        assert_escaped(log, where, ESCAPED if "/apps/" in where else ESCAPED[:1])  # the log names no company
        assert "http://127.0.0.1:9/cb?x=&#34;&gt;&lt;img/src=x/onerror=alert(1)&gt;" in log  # the callback's URL
    assert server.store.list_connect_apps(owner.account.sid, PageRequest(size=1000)).items == [app]
