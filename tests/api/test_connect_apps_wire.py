"""The ConnectApps API over plain HTTP: response headers, connections and the list envelope."""

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from falcon import testing

from connectapps.app import create_app
from connectapps.domain.models import Account, ConnectApp
from connectapps.store import open_store
from tests.api.connect_apps_helpers import (
    ENVELOPE_KEYS,
    JSON,
    REQUEST_ID,
    app_path,
    apps_of,
    basic,
    follow,
    list_page,
    list_path,
    sids_of,
)
from tests.conftest import Server

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


def test_request_ids_differ_between_workers(tmp_path: Path) -> None:
    """Each worker builds its own app: their ids share no prefix, so no two answers share an id."""
    store = open_store(f"sqlite:///{tmp_path / 'ids.db'}", create=True)
    store.migrate()
    try:
        workers = [testing.TestClient(create_app(store)) for _ in range(2)]
        ids = [worker.simulate_get("/health").headers["Twilio-Request-Id"] for worker in workers for _ in range(3)]
    finally:
        store.close()
    assert all(REQUEST_ID.match(i) for i in ids)
    assert len(set(ids)) == 6
    assert ids[0][:18] != ids[3][:18]
