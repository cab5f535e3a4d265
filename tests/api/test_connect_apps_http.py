"""The ConnectApps API over plain HTTP: what the SDK cannot send, and the wire details it relies on.

Every error asserts the whole Twilio envelope (status, code, message, more_info).
"""

import base64
from collections.abc import Callable
from typing import Any

import pytest
import requests

from connectapps.domain.models import Account, ConnectApp
from tests.api.connect_apps_helpers import (
    FORM,
    FULL,
    NO_CREDENTIALS,
    app_path,
    basic,
    fetch,
    list_page,
    list_path,
    not_found,
    sids_of,
)
from tests.conftest import Server
from tests.envelope import assert_error

# --- not found ---------------------------------------------------------------------------------------------------

MALFORMED_APP_SIDS = ["CN123", "CN" + "g" * 32, "CN" + "0" * 33, "cn" + "0" * 32, "AC" + "0" * 32, "x"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("sid", MALFORMED_APP_SIDS)
def test_malformed_connect_app_sid_is_404(server: Server, owner: Account, method: str, sid: str) -> None:
    path = app_path(owner.sid, sid)
    assert_error(server.request(method, path, owner, data={"FriendlyName": "x"}), 404, 20404, not_found(path))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_connect_app_sid_is_404(server: Server, owner: Account, method: str) -> None:
    path = app_path(owner.sid, "CN" + "0" * 32)
    assert_error(server.request(method, path, owner, data={"FriendlyName": "x"}), 404, 20404, not_found(path))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_accounts_app_on_your_path_is_404_and_untouched(
    server: Server, owner: Account, method: str,
) -> None:
    other = server.account()
    theirs = server.app(other, **FULL)
    path = app_path(owner.sid, theirs.sid)
    assert_error(server.request(method, path, owner, data={"FriendlyName": "mine"}), 404, 20404, not_found(path))
    assert fetch(server, other, theirs.sid)["friendly_name"] == FULL["friendly_name"]


@pytest.mark.parametrize("account_sid", ["ACnope", "AC" + "g" * 32, "XX" + "0" * 32, "AC" + "0" * 31])
@pytest.mark.parametrize("make_path", [list_path, lambda a: app_path(a, "CN" + "0" * 32)], ids=["list", "instance"])
def test_malformed_account_sid_is_404(
    server: Server, owner: Account, account_sid: str, make_path: Callable[[str], str],
) -> None:
    path = make_path(account_sid)
    assert_error(server.get(path, owner), 404, 20404, not_found(path))


UNKNOWN_ROUTES: list[Callable[[str, str], str]] = [
    # Without an extension, or with .xml / .csv, a path is Twilio's XML / CSV (test_representations_xml.py);
    # any other extension is no representation.
    lambda account, sid: f"/2010-04-01/Accounts/{account}/ConnectApps/{sid}.html",
    lambda account, sid: f"/2010-04-01/Accounts/{account}/ConnectApps.txt",
    lambda account, sid: f"/2010-04-01/Accounts/{account}/ConnectApps/{sid}.json/extra.json",
    lambda account, sid: f"/2010-04-01/Accounts/{account}/Faxes.json",  # Calls.json is served (spec-driven)
    lambda account, sid: f"/2010-04-02/Accounts/{account}/ConnectApps.json",
    lambda account, sid: "/nope",
]


@pytest.mark.parametrize(
    "route", UNKNOWN_ROUTES, ids=["other-suffix", "list-other-suffix", "extra", "not-in-the-spec", "version", "nope"],
)
@pytest.mark.parametrize("authenticated", [True, False], ids=["auth", "no-auth"])
def test_unknown_routes_are_twilio_404(
    server: Server, owner: Account, app: ConnectApp, route: Callable[[str, str], str], authenticated: bool,
) -> None:
    path = route(owner.sid, app.sid)
    assert_error(server.get(path, owner if authenticated else None), 404, 20404, not_found(path))


# --- authentication ----------------------------------------------------------------------------------------------


def assert_unauthenticated(resp: requests.Response, message: str = "Authenticate") -> None:
    assert_error(resp, 401, 20003, message)
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


ENDPOINTS: list[tuple[str, Callable[[str, str], str]]] = [
    ("GET", lambda account, sid: list_path(account)),
    ("GET", lambda account, sid: app_path(account, sid)),
    ("POST", lambda account, sid: app_path(account, sid)),
    ("POST", lambda account, sid: list_path(account)),
    ("DELETE", lambda account, sid: app_path(account, sid)),
]
ENDPOINT_IDS = ["list", "fetch", "update", "create", "delete"]


@pytest.mark.parametrize(("method", "route"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_no_credentials_is_401(server: Server, owner: Account, app: ConnectApp, method: str, route: Any) -> None:
    resp = server.request(method, route(owner.sid, app.sid), data={"FriendlyName": "hijacked"}, headers=FORM)
    assert_unauthenticated(resp, NO_CREDENTIALS)
    assert fetch(server, owner, app.sid)["friendly_name"] == FULL["friendly_name"]


BAD_AUTHORIZATIONS: list[tuple[Callable[[Account], str], str]] = [
    (lambda a: basic(a.sid, "0" * 32), "Authenticate"),
    (lambda a: basic(a.sid, a.auth_token.upper()), "Authenticate"),
    (lambda a: basic(a.sid, ""), "Authenticate"),
    (lambda a: basic(a.sid, a.auth_token + "x"), "Authenticate"),
    (lambda a: basic("AC" + "0" * 32, a.auth_token), "Authenticate"),
    (lambda a: basic("not-a-sid", a.auth_token), "Authenticate"),
    (lambda a: basic("", a.auth_token), "Authenticate"),
    (lambda a: "Basic !!!not-base64!!!", NO_CREDENTIALS),
    (lambda a: "Basic " + base64.b64encode(a.sid.encode()).decode(), NO_CREDENTIALS),
    (lambda a: "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(), NO_CREDENTIALS),
    (lambda a: "Basic", NO_CREDENTIALS),
    (lambda a: "Bearer " + a.auth_token, NO_CREDENTIALS),
    (lambda a: "", NO_CREDENTIALS),
]
BAD_AUTHORIZATION_IDS = [
    "wrong-token", "token-case", "empty-token", "token-suffix", "unknown-account", "username-not-a-sid",
    "empty-username", "not-base64", "no-colon", "not-utf8", "no-payload", "bearer", "empty-header",
]


@pytest.mark.parametrize(("authorization", "message"), BAD_AUTHORIZATIONS, ids=BAD_AUTHORIZATION_IDS)
@pytest.mark.parametrize(("method", "route"), ENDPOINTS[:3], ids=ENDPOINT_IDS[:3])
def test_bad_credentials_are_401(
    server: Server, owner: Account, app: ConnectApp, method: str, route: Any,
    authorization: Callable[[Account], str], message: str,
) -> None:
    headers = FORM | {"Authorization": authorization(owner)}
    resp = server.request(method, route(owner.sid, app.sid), data={"FriendlyName": "hijacked"}, headers=headers)
    assert_unauthenticated(resp, message)
    assert fetch(server, owner, app.sid)["friendly_name"] == FULL["friendly_name"]


@pytest.mark.parametrize(("method", "route"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_credentials_of_one_account_on_anothers_path_are_401(
    server: Server, app: ConnectApp, method: str, route: Any,
) -> None:
    """A valid login never reaches another main account, and never learns anything about it."""
    intruder = server.account("Intruder")
    victim = server.account("Victim")
    theirs = server.app(victim, **FULL)
    resp = server.request(method, route(victim.sid, theirs.sid), intruder, data={"FriendlyName": "hijacked"})
    assert_unauthenticated(resp)
    assert theirs.sid not in resp.text
    assert fetch(server, victim, theirs.sid)["friendly_name"] == FULL["friendly_name"]


def test_main_account_reaches_its_subaccounts_apps(server: Server, owner: Account) -> None:
    """Main-account credentials reach every v2010 resource of its subaccounts, as on Twilio."""
    sub = server.account("Sub", owner=owner)
    app = server.app(sub, friendly_name="sub app")
    assert sids_of(list_page(server, owner)) == []  # the main account's own list is its own apps only
    resp = server.get(list_path(sub.sid), owner)
    assert resp.status_code == 200 and sids_of(resp.json()) == [app.sid]
    resp = server.post(app_path(sub.sid, app.sid), owner, data={"FriendlyName": "renamed by parent"})
    assert resp.status_code == 200 and resp.json()["friendly_name"] == "renamed by parent"
    assert resp.json()["account_sid"] == sub.sid


@pytest.mark.parametrize("target", ["parent", "sibling"])
def test_subaccount_credentials_reach_only_the_subaccount(server: Server, owner: Account, target: str) -> None:
    sub = server.account("Sub", owner=owner)
    sibling = server.account("Sibling", owner=owner)
    victim = owner if target == "parent" else sibling
    theirs = server.app(victim, **FULL)
    assert_unauthenticated(server.get(list_path(victim.sid), sub))
    assert_unauthenticated(server.get(app_path(victim.sid, theirs.sid), sub))


# --- methods -----------------------------------------------------------------------------------------------------


def method_not_allowed(method: str, path: str) -> str:
    return f"Method not allowed: {method} is not supported on {path}"


def allowed(resp: requests.Response) -> set[str]:
    """The Allow header as a set."""
    return {m.strip() for m in resp.headers["Allow"].split(",")}


def test_create_is_405(server: Server, owner: Account) -> None:
    path = list_path(owner.sid)
    resp = server.post(path, owner, data={"FriendlyName": "new"})
    assert_error(resp, 405, 20004, method_not_allowed("POST", path))
    assert allowed(resp) == {"GET", "HEAD", "OPTIONS"}
    assert list_page(server, owner)["connect_apps"] == []


def test_delete_is_405(server: Server, owner: Account, app: ConnectApp) -> None:
    path = app_path(owner.sid, app.sid)
    resp = server.request("DELETE", path, owner)
    assert_error(resp, 405, 20004, method_not_allowed("DELETE", path))
    assert allowed(resp) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert fetch(server, owner, app.sid)["friendly_name"] == FULL["friendly_name"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize(
    ("target", "methods"), [("list", {"GET", "HEAD", "OPTIONS"}), ("app", {"GET", "HEAD", "POST", "OPTIONS"})],
    ids=["list", "app"],
)
def test_other_methods_are_405_with_the_same_allow(
    server: Server, owner: Account, app: ConnectApp, method: str, target: str, methods: set[str],
) -> None:
    """Allow must list what works, as on the DELETE/create answers: never DELETE (itself a 405) nor POST on the list."""
    path = list_path(owner.sid) if target == "list" else app_path(owner.sid, app.sid)
    resp = server.request(method, path, owner, data={"FriendlyName": "x"})
    assert_error(resp, 405, 20004, method_not_allowed(method, path))
    assert allowed(resp) == methods
