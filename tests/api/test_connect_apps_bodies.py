"""The ConnectApps API over plain HTTP: paging parameters and update bodies."""

import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from connectapps.domain.models import Account, ConnectApp
from tests.api.connect_apps_helpers import (
    FORM,
    FULL,
    app_path,
    apps_of,
    basic,
    fetch,
    list_page,
    list_path,
    sids_of,
    update,
)
from tests.conftest import Server
from tests.envelope import assert_error

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
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x85"])
def test_control_character_in_text_is_a_400_on_every_backend(
    server: Server, owner: Account, app: ConnectApp, param: str, control: str,
) -> None:
    """PostgreSQL cannot store U+0000 in text; no backend keeps an escape or C1 control either."""
    before = fetch(server, owner, app.sid)
    resp = update(server, owner, app.sid, {param: f"a{control}b"})
    assert_error(resp, 400, 20001, f"{param} must not contain control characters")
    assert fetch(server, owner, app.sid) == before


@pytest.mark.parametrize("url", ['https://example.com/"><script>', "https://example.com/a b", "https://ex.com/'"])
def test_characters_illegal_in_a_uri_are_a_21502(server: Server, owner: Account, app: ConnectApp, url: str) -> None:
    before = fetch(server, owner, app.sid)
    resp = update(server, owner, app.sid, {"DeauthorizeCallbackUrl": url})
    assert_error(resp, 400, 21502, f"DeauthorizeCallbackUrl is not a valid URL: {url}")
    assert fetch(server, owner, app.sid) == before


def test_a_unicode_look_alike_of_post_is_a_21403(server: Server, owner: Account, app: ConnectApp) -> None:
    """Only ASCII is compared without case: ``POﬅ`` upper-cases to POST in Unicode, but is not POST."""
    value = "PO\N{LATIN SMALL LIGATURE ST}"
    resp = update(server, owner, app.sid, {"DeauthorizeCallbackMethod": value})
    assert_error(resp, 400, 21403, f"DeauthorizeCallbackMethod must be GET or POST, not '{value}'")
    assert update(server, owner, app.sid, {"DeauthorizeCallbackMethod": "post"}).json()[
        "deauthorize_callback_method"] == "POST"


def test_nul_character_in_url_is_not_a_url(server: Server, owner: Account, app: ConnectApp) -> None:
    assert_error(
        update(server, owner, app.sid, {"HomepageUrl": "http://ex\x00ample.com/"}), 400, 21502,
        "HomepageUrl is not a valid URL: http://ex\x00ample.com/",
    )
