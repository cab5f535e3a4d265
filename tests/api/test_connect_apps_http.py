"""The ConnectApps API over plain HTTP: what the SDK cannot send, and the wire details it relies on.

Every error asserts the whole Twilio envelope (status, code, message, more_info).
"""

import base64
import http.client
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from connectapps.domain.models import Account, ConnectApp
from tests.conftest import Server
from tests.envelope import assert_error

JSON = "application/json; charset=utf-8"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REQUEST_ID = re.compile(r"^RQ[0-9a-f]{32}\Z")
NO_CREDENTIALS = "Authentication Error - No credentials provided"
ENVELOPE_KEYS = {
    "connect_apps", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri",
}
FULL = {
    "friendly_name": "Full app",
    "company_name": "Example Co",
    "description": "Reads your call logs",
    "homepage_url": "https://example.com/",
    "authorize_redirect_url": "https://example.com/authorize",
    "deauthorize_callback_url": "https://example.com/deauthorize",
    "deauthorize_callback_method": "POST",
    "permissions": ["get-all", "post-all"],
}


def list_path(account_sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/ConnectApps.json"


def app_path(account_sid: str, sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/ConnectApps/{sid}.json"


def not_found(path: str) -> str:
    return f"The requested resource {path} was not found"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def fetch(server: Server, owner: Account, sid: str) -> dict[str, Any]:
    resp = server.get(app_path(owner.sid, sid), owner)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def update(server: Server, owner: Account, sid: str, data: Any, **kwargs: Any) -> requests.Response:
    return server.post(app_path(owner.sid, sid), owner, data=data, headers=FORM | kwargs.pop("headers", {}), **kwargs)


def list_page(server: Server, owner: Account, query: str = "") -> dict[str, Any]:
    resp = server.get(list_path(owner.sid) + query, owner)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def follow(server: Server, owner: Account, uri: str) -> dict[str, Any]:
    """A page URI as the SDKs use it: appended to the base URL verbatim."""
    resp = server.get(uri, owner)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def sids_of(page: dict[str, Any]) -> list[str]:
    return [app["sid"] for app in page["connect_apps"]]


@pytest.fixture
def owner(server: Server) -> Account:
    return server.account("Owner")


@pytest.fixture
def app(server: Server, owner: Account) -> ConnectApp:
    return server.app(owner, **FULL)


def apps_of(server: Server, owner: Account, count: int) -> list[str]:
    return sorted(server.app(owner, friendly_name=f"app {i}").sid for i in range(count))


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
    lambda account, sid: f"/2010-04-01/Accounts/{account}/ConnectApps/{sid}",
    lambda account, sid: f"/2010-04-01/Accounts/{account}/ConnectApps",
    lambda account, sid: f"/2010-04-01/Accounts/{account}/ConnectApps/{sid}.json/extra",
    lambda account, sid: f"/2010-04-01/Accounts/{account}/Calls.json",
    lambda account, sid: f"/2010-04-02/Accounts/{account}/ConnectApps.json",
    lambda account, sid: "/nope",
]


@pytest.mark.parametrize(
    "route", UNKNOWN_ROUTES, ids=["no-suffix", "list-no-suffix", "extra", "calls", "version", "nope"],
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
    """The Allow header as a set; OPTIONS is answered by the framework, so it may be listed."""
    return {m.strip() for m in resp.headers["Allow"].split(",")} - {"OPTIONS"}


def test_create_is_405(server: Server, owner: Account) -> None:
    path = list_path(owner.sid)
    resp = server.post(path, owner, data={"FriendlyName": "new"})
    assert_error(resp, 405, 20004, method_not_allowed("POST", path))
    assert allowed(resp) == {"GET"}
    assert list_page(server, owner)["connect_apps"] == []


def test_delete_is_405(server: Server, owner: Account, app: ConnectApp) -> None:
    path = app_path(owner.sid, app.sid)
    resp = server.request("DELETE", path, owner)
    assert_error(resp, 405, 20004, method_not_allowed("DELETE", path))
    assert allowed(resp) == {"GET", "POST"}
    assert fetch(server, owner, app.sid)["friendly_name"] == FULL["friendly_name"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize(("target", "methods"), [("list", {"GET"}), ("app", {"GET", "POST"})], ids=["list", "app"])
def test_other_methods_are_405_with_the_same_allow(
    server: Server, owner: Account, app: ConnectApp, method: str, target: str, methods: set[str],
) -> None:
    """Allow must list what works, as on the DELETE/create answers: never DELETE (itself a 405) nor POST on the list."""
    path = list_path(owner.sid) if target == "list" else app_path(owner.sid, app.sid)
    resp = server.request(method, path, owner, data={"FriendlyName": "x"})
    assert_error(resp, 405, 20004, method_not_allowed(method, path))
    assert allowed(resp) == methods


# --- paging parameters -------------------------------------------------------------------------------------------

PAGING_ERRORS = [
    ("PageSize=0", 20001, "PageSize must be an integer from 1 to 1000, not '0'"),
    ("PageSize=-5", 20001, "PageSize must be an integer from 1 to 1000, not '-5'"),
    ("PageSize=abc", 20001, "PageSize must be an integer from 1 to 1000, not 'abc'"),
    ("PageSize=2.5", 20001, "PageSize must be an integer from 1 to 1000, not '2.5'"),
    ("PageSize=--1", 20001, "PageSize must be an integer from 1 to 1000, not '--1'"),
    ("PageSize=1001", 20007, "The maximum page size is 1000"),
    ("PageSize=50&PageSize=5000", 20007, "The maximum page size is 1000"),
    ("Page=-1", 20001, "Page must be a non-negative integer, not '-1'"),
    ("Page=one", 20001, "Page must be a non-negative integer, not 'one'"),
    ("Page=--1", 20001, "Page must be a non-negative integer, not '--1'"),
    ("PageToken=garbage", 21481, "Invalid PageToken: 'garbage'"),
    ("PageToken=PA", 21481, "Invalid PageToken: 'PA'"),
    ("PageToken=PAAC" + "0" * 32, 21481, "Invalid PageToken: 'PAAC" + "0" * 32 + "'"),
    ("PageToken=PXCN" + "0" * 32, 21481, "Invalid PageToken: 'PXCN" + "0" * 32 + "'"),
]


@pytest.mark.parametrize(("query", "code", "message"), PAGING_ERRORS, ids=[e[0][:24] for e in PAGING_ERRORS])
def test_bad_paging_parameters_are_400(server: Server, owner: Account, query: str, code: int, message: str) -> None:
    assert_error(server.get(f"{list_path(owner.sid)}?{query}", owner), 400, code, message)


@pytest.mark.parametrize("size", [1, 1000])
def test_page_size_limits_are_accepted(server: Server, owner: Account, size: int) -> None:
    sids = apps_of(server, owner, 2)
    page = list_page(server, owner, f"?PageSize={size}")
    assert (page["page_size"], sids_of(page)) == (size, sids[:size])


# --- update bodies -----------------------------------------------------------------------------------------------


def chunks(*parts: bytes) -> Iterator[bytes]:
    """A generator body: requests sends it with Transfer-Encoding: chunked and no Content-Length."""
    yield from parts


def test_chunked_body_updates(server: Server, owner: Account, app: ConnectApp) -> None:
    resp = update(server, owner, app.sid, chunks(b"FriendlyName=chun", b"ked&Permissions=get", b"-all"))
    assert resp.request.headers["Transfer-Encoding"] == "chunked"
    assert resp.status_code == 200, resp.text
    assert fetch(server, owner, app.sid) == resp.json()
    assert (resp.json()["friendly_name"], resp.json()["permissions"]) == ("chunked", ["get-all"])


def test_chunked_body_keeps_the_connection_in_step(server: Server, owner: Account, app: ConnectApp) -> None:
    """A chunked POST and then a GET on the same keep-alive connection (twilio-python does this)."""
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    headers = FORM | {"Authorization": basic(owner.sid, owner.auth_token)}
    try:
        path = app_path(owner.sid, app.sid)
        conn.request("POST", path, body=iter([b"Description=", b"over+", b"chunks"]), headers=headers,
                     encode_chunked=True)
        first = conn.getresponse()
        assert (first.status, first.read().count(b"over chunks")) == (200, 1)
        conn.request("POST", path, body=iter([b""]), headers=headers, encode_chunked=True)
        second = conn.getresponse()
        assert (second.status, second.read().count(b"over chunks")) == (200, 1)
        conn.request("GET", path, headers=headers)
        third = conn.getresponse()
        assert third.status == 200
        assert b'"description":"over chunks"' in third.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("body", "headers"),
    [(b"", FORM), (b"", {}), (chunks(), FORM), (b"", {"Content-Type": "text/plain"})],
    ids=["empty-form", "no-content-type", "empty-chunked", "other-content-type"],
)
def test_empty_update_changes_nothing(
    server: Server, owner: Account, app: ConnectApp, body: Any, headers: dict[str, str],
) -> None:
    before = fetch(server, owner, app.sid)
    resp = server.post(app_path(owner.sid, app.sid), owner, data=body, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == before
    assert fetch(server, owner, app.sid) == before


def test_empty_permissions_clears_them(server: Server, owner: Account, app: ConnectApp) -> None:
    before = fetch(server, owner, app.sid)
    resp = update(server, owner, app.sid, b"Permissions=")
    assert resp.status_code == 200 and resp.json()["permissions"] == []
    assert fetch(server, owner, app.sid) == before | {"permissions": []}


@pytest.mark.parametrize(
    ("body", "permissions"),
    [
        (b"Permissions=get-all&Permissions=post-all", ["get-all", "post-all"]),
        (b"Permissions=post-all%2Cget-all", ["post-all", "get-all"]),
        (b"Permissions=get-all&Permissions=get-all,post-all", ["get-all", "post-all"]),
        (b"Permissions=get-all", ["get-all"]),
    ],
    ids=["repeated", "comma", "mixed-dedupe", "one"],
)
def test_permissions_forms(server: Server, owner: Account, body: bytes, permissions: list[str]) -> None:
    app = server.app(owner)
    resp = update(server, owner, app.sid, body)
    assert resp.status_code == 200 and resp.json()["permissions"] == permissions
    assert fetch(server, owner, app.sid)["permissions"] == permissions


def test_unknown_parameters_are_ignored(server: Server, owner: Account, app: ConnectApp) -> None:
    """Including read-only properties and wrongly cased names: only the known PascalCase ones count."""
    before = fetch(server, owner, app.sid)
    body = {
        "Foo": "bar", "friendlyName": "lower", "friendly_name": "snake", "Sid": "CN" + "0" * 32,
        "AccountSid": "AC" + "0" * 32, "Uri": "/x", "Company_Name": "x", "FriendlyName": "Known",
    }
    resp = update(server, owner, app.sid, body)
    assert resp.status_code == 200, resp.text
    assert resp.json() == before | {"friendly_name": "Known"}
    assert fetch(server, owner, app.sid) == before | {"friendly_name": "Known"}


def test_repeated_scalar_takes_the_last_value(server: Server, owner: Account, app: ConnectApp) -> None:
    resp = update(server, owner, app.sid, b"FriendlyName=first&FriendlyName=last")
    assert resp.status_code == 200 and resp.json()["friendly_name"] == "last"


def test_update_answer_is_what_fetch_then_shows(server: Server, owner: Account, app: ConnectApp) -> None:
    resp = update(server, owner, app.sid, {"CompanyName": "Other", "DeauthorizeCallbackMethod": "get"})
    assert resp.status_code == 200
    assert resp.json() == fetch(server, owner, app.sid)
    assert resp.json()["deauthorize_callback_method"] == "GET"


BAD_MIXED_UPDATES: list[tuple[dict[str, Any], int, str]] = [
    ({"FriendlyName": "new", "HomepageUrl": "not a url"}, 21502, "HomepageUrl is not a valid URL: not a url"),
    ({"Description": "new", "DeauthorizeCallbackMethod": "PUT"}, 21403,
     "DeauthorizeCallbackMethod must be GET or POST, not 'PUT'"),
    ({"Permissions": ["get-all", "nope"], "CompanyName": "new"}, 20001,
     "Permissions has an unknown permission 'nope': use get-all or post-all"),
    ({"CompanyName": "new", "FriendlyName": "x" * 65}, 20002, "FriendlyName must be between 1 and 64 characters long"),
    ({"AuthorizeRedirectUrl": "https://ok.example.com", "DeauthorizeCallbackUrl": "mailto:a@b.c"}, 21502,
     "DeauthorizeCallbackUrl is not a valid URL: mailto:a@b.c"),
    ({"Permissions": "", "HomepageUrl": "http://"}, 21502, "HomepageUrl is not a valid URL: http://"),
]


@pytest.mark.parametrize(
    ("form", "code", "message"), BAD_MIXED_UPDATES, ids=[f"{i}-{e[1]}" for i, e in enumerate(BAD_MIXED_UPDATES)],
)
def test_bad_update_changes_nothing(
    server: Server, owner: Account, app: ConnectApp, form: dict[str, Any], code: int, message: str,
) -> None:
    """One valid and one invalid field: a 400, and the valid one is not written either."""
    before = fetch(server, owner, app.sid)
    assert_error(update(server, owner, app.sid, form), 400, code, message)
    assert fetch(server, owner, app.sid) == before


@pytest.mark.parametrize(
    "body",
    [b"FriendlyName=\xff\xfe", b"FriendlyName=%FF", b"Description=caf\xe9", b"FriendlyName=%ED%A0%80"],
    ids=["raw", "percent", "latin1", "surrogate"],
)
def test_non_utf8_body_is_400(server: Server, owner: Account, app: ConnectApp, body: bytes) -> None:
    before = fetch(server, owner, app.sid)
    assert_error(update(server, owner, app.sid, body), 400, 20001, "Unreadable request body: request body is not UTF-8")
    assert fetch(server, owner, app.sid) == before


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_400(server: Server, owner: Account, app: ConnectApp, chunked: bool) -> None:
    body = b"Description=" + b"a" * (1 << 20)
    resp = update(server, owner, app.sid, chunks(body) if chunked else body)
    assert_error(resp, 400, 20001, "Unreadable request body: request body over 1048576 bytes")
    assert fetch(server, owner, app.sid)["description"] == FULL["description"]


def test_unicode_round_trips(server: Server, owner: Account, app: ConnectApp) -> None:
    name = "\N{ROCKET}" * 64
    resp = update(server, owner, app.sid, {"FriendlyName": name, "Description": "caf\u00e9 \u4e2d\u6587"})
    assert resp.status_code == 200, resp.text
    assert fetch(server, owner, app.sid)["friendly_name"] == name


@pytest.mark.parametrize("param", ["FriendlyName", "CompanyName", "Description"])
def test_nul_character_in_text_is_a_400_on_every_backend(
    server: Server, owner: Account, app: ConnectApp, param: str,
) -> None:
    """PostgreSQL cannot store U+0000 in text; both backends must refuse it the same way, never with a 500."""
    before = fetch(server, owner, app.sid)
    resp = update(server, owner, app.sid, {param: "a\x00b"})
    assert_error(resp, 400, 20001, f"{param} must not contain NUL characters")
    assert fetch(server, owner, app.sid) == before


def test_nul_character_in_url_is_not_a_url(server: Server, owner: Account, app: ConnectApp) -> None:
    assert_error(
        update(server, owner, app.sid, {"HomepageUrl": "http://ex\x00ample.com/"}), 400, 21502,
        "HomepageUrl is not a valid URL: http://ex\x00ample.com/",
    )


# --- response headers --------------------------------------------------------------------------------------------

RESPONSES: list[tuple[str, Callable[[Server, Account, ConnectApp], requests.Response], int]] = [
    ("fetch", lambda s, a, app: s.get(app_path(a.sid, app.sid), a), 200),
    ("update", lambda s, a, app: s.post(app_path(a.sid, app.sid), a, data={"Description": "d"}), 200),
    ("list", lambda s, a, app: s.get(list_path(a.sid), a), 200),
    ("not-found", lambda s, a, app: s.get(app_path(a.sid, "CN" + "0" * 32), a), 404),
    ("no-route", lambda s, a, app: s.get("/nope"), 404),
    ("no-credentials", lambda s, a, app: s.get(list_path(a.sid)), 401),
    ("bad-update", lambda s, a, app: s.post(app_path(a.sid, app.sid), a, data={"HomepageUrl": "x"}), 400),
    ("bad-page", lambda s, a, app: s.get(list_path(a.sid) + "?PageSize=0", a), 400),
    ("delete", lambda s, a, app: s.request("DELETE", app_path(a.sid, app.sid), a), 405),
]


@pytest.mark.parametrize(("call", "status"), [r[1:] for r in RESPONSES], ids=[r[0] for r in RESPONSES])
def test_every_answer_has_twilio_headers(
    server: Server, owner: Account, app: ConnectApp, call: Any, status: int,
) -> None:
    resp = call(server, owner, app)
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == JSON
    assert REQUEST_ID.match(resp.headers["Twilio-Request-Id"])


def test_request_ids_are_unique(server: Server, owner: Account) -> None:
    ids = {server.get(list_path(owner.sid), owner).headers["Twilio-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_connection_close_is_honoured(server: Server, owner: Account, app: ConnectApp) -> None:
    """twilio-cli sends ``Connection: close``: answer, then close (Node's agent must not reuse the socket)."""
    url = urlsplit(server.url)
    request = (
        f"GET {app_path(owner.sid, app.sid)} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: {basic(owner.sid, owner.auth_token)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port or 80), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):  # b"" only when the server closes; a kept-open socket times out
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert app.sid.encode() in body


# --- list envelope -----------------------------------------------------------------------------------------------


def test_list_envelope_has_exactly_the_spec_keys(server: Server, owner: Account, app: ConnectApp) -> None:
    """twilio-python cannot read a page with any other top-level key."""
    for query in ("", "?PageSize=1", "?Page=0&PageSize=1&PageToken=PA" + "CN" + "0" * 32):
        assert set(list_page(server, owner, query)) == ENVELOPE_KEYS


def test_empty_account_gives_the_empty_envelope(server: Server, owner: Account) -> None:
    path = list_path(owner.sid)
    assert list_page(server, owner) == {
        "connect_apps": [],
        "end": 0,
        "first_page_uri": f"{path}?Page=0&PageSize=50",
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": path,
    }


def assert_page_arithmetic(page: dict[str, Any], number: int, size: int) -> None:
    """start = page*page_size, end = start+count-1 (0 when empty)."""
    count = len(page["connect_apps"])
    assert (page["page"], page["page_size"]) == (number, size)
    assert page["start"] == number * size
    assert page["end"] == (page["start"] + count - 1 if count else 0)


def assert_host_relative(uri: str | None, owner: Account) -> None:
    if uri is not None:
        assert uri.startswith(list_path(owner.sid) + "?"), uri
        assert "://" not in uri and "127.0.0.1" not in uri


def walk_forward(server: Server, owner: Account, size: int) -> list[dict[str, Any]]:
    pages = [list_page(server, owner, f"?PageSize={size}")]
    while pages[-1]["next_page_uri"] is not None:
        pages.append(follow(server, owner, pages[-1]["next_page_uri"]))
    return pages


@pytest.mark.parametrize(("count", "size", "shape"), [(5, 2, [2, 2, 1]), (4, 2, [2, 2]), (3, 3, [3]), (1, 50, [1])])
def test_walking_next_page_uri(server: Server, owner: Account, count: int, size: int, shape: list[int]) -> None:
    """Every app once, in SID order; the last page (even an exactly full one) has no next_page_uri."""
    sids = apps_of(server, owner, count)
    pages = walk_forward(server, owner, size)
    assert [len(page["connect_apps"]) for page in pages] == shape
    assert [sid for page in pages for sid in sids_of(page)] == sids
    for number, page in enumerate(pages):
        assert_page_arithmetic(page, number, size)
        for key in ("first_page_uri", "next_page_uri", "previous_page_uri", "uri"):
            assert_host_relative(page[key], owner)
        assert page["first_page_uri"] == f"{list_path(owner.sid)}?Page=0&PageSize={size}"
        assert (page["previous_page_uri"] is None) == (number == 0)


def test_walking_previous_page_uri_gives_the_same_pages(server: Server, owner: Account) -> None:
    apps_of(server, owner, 7)
    forward = walk_forward(server, owner, 2)
    backward = [forward[-1]]
    while backward[-1]["previous_page_uri"] is not None:
        backward.append(follow(server, owner, backward[-1]["previous_page_uri"]))
    assert [sids_of(p) for p in reversed(backward)] == [sids_of(p) for p in forward]
    assert [p["page"] for p in reversed(backward)] == [0, 1, 2, 3]
    for number, page in enumerate(reversed(backward)):
        assert_page_arithmetic(page, number, 2)


def test_first_page_uri_gives_the_first_page(server: Server, owner: Account) -> None:
    sids = apps_of(server, owner, 3)
    last = walk_forward(server, owner, 2)[-1]
    assert sids_of(follow(server, owner, last["first_page_uri"])) == sids[:2]


def test_uri_repeats_the_page_asked_for(server: Server, owner: Account) -> None:
    apps_of(server, owner, 3)
    first = list_page(server, owner, "?PageSize=2")
    assert first["uri"] == f"{list_path(owner.sid)}?PageSize=2&Page=0"
    second = follow(server, owner, first["next_page_uri"])
    assert second["uri"] == first["next_page_uri"]
    assert follow(server, owner, second["uri"]) == second


@pytest.mark.parametrize(("page", "expected"), [(0, slice(0, 2)), (1, slice(2, 4)), (2, slice(4, 5)), (3, slice(5, 5))])
def test_page_number_without_token_selects_by_offset(
    server: Server, owner: Account, page: int, expected: slice,
) -> None:
    sids = apps_of(server, owner, 5)
    body = list_page(server, owner, f"?Page={page}&PageSize=2")
    assert sids_of(body) == sids[expected]
    assert_page_arithmetic(body, page, 2)
    assert (body["next_page_uri"] is None) == (page >= 2)


def test_page_past_the_end_is_empty(server: Server, owner: Account) -> None:
    apps_of(server, owner, 2)
    body = list_page(server, owner, "?Page=7&PageSize=2")
    assert (body["connect_apps"], body["start"], body["end"]) == ([], 14, 0)
    assert (body["next_page_uri"], body["previous_page_uri"]) == (None, None)


def test_list_shows_only_the_callers_apps(server: Server, owner: Account) -> None:
    sids = apps_of(server, owner, 3)
    apps_of(server, server.account(), 3)
    assert sids_of(list_page(server, owner)) == sids


def test_token_from_another_account_does_not_leak(server: Server, owner: Account) -> None:
    """A token is only a position in SID order: with another account's SID it still lists only yours."""
    mine = apps_of(server, owner, 3)
    theirs = apps_of(server, server.account(), 1)
    body = list_page(server, owner, f"?PageSize=50&PageToken=PA{theirs[0]}")
    assert sids_of(body) == [sid for sid in mine if sid > theirs[0]]
