"""``python -m bench floor`` (bench/floor.py, bench/floor_app.py): the ceiling's hello plus the store's work
for one request of a path, and nothing else; on every backend, called in-process and served by Granian."""

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import falcon.testing
import orjson
import pytest
from bench import endpoints, floor, floor_app, servers
from bench.ceiling import BODY
from bench.endpoints import Endpoint
from bench.report import Row
from bench.wrk import WrkResult

from connectapps import config, serving
from connectapps.cli_serve import default_blocking_threads
from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import Account, ConnectApp, PageRequest
from connectapps.domain.store import Store
from connectapps.store import open_store
from tests.eventually import eventually


@pytest.fixture
def app_of(store: Store) -> tuple[Account, ConnectApp]:
    account = accounts.create(store, "floor", None)
    return account, connect_apps.create(store, account.sid, {"friendly_name": "before"})


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[falcon.testing.TestClient]:
    monkeypatch.setenv(floor_app.DATABASE_ENV, database_url)
    monkeypatch.setattr(floor_app, "_opened", [])  # this test's own store, opened by its first request
    yield falcon.testing.TestClient(floor_app.app)
    for opened in floor_app._opened:
        opened.close()


def path(account_sid: str, sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/ConnectApps/{sid}.json"


def test_a_post_writes_the_update_and_answers_the_ceilings_body(
    client: falcon.testing.TestClient, store: Store, app_of: tuple[Account, ConnectApp],
) -> None:
    account, app = app_of
    answer = client.simulate_post(path(account.sid, app.sid), body="FriendlyName=ignored")
    assert (answer.status_code, answer.content) == (200, BODY)
    written = store.get_connect_app(account.sid, app.sid)
    assert written is not None
    assert (written.friendly_name, written.version) == ("bench", app.version + 1)
    assert written.date_updated >= app.date_updated


def test_a_get_reads_nothing_into_the_answer_and_changes_nothing(
    client: falcon.testing.TestClient, store: Store, app_of: tuple[Account, ConnectApp],
) -> None:
    account, app = app_of
    answer = client.simulate_get(path(account.sid, app.sid))
    assert (answer.status_code, answer.content) == (200, BODY)
    assert store.get_connect_app(account.sid, app.sid) == app


def test_a_list_reads_the_first_pages_sids_and_versions_and_answers_as_many_bytes_as_the_page(
    client: falcon.testing.TestClient, store: Store, app_of: tuple[Account, ConnectApp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account, _ = app_of
    listing = f"/2010-04-01/Accounts/{account.sid}/ConnectApps.json"
    answer = client.simulate_get(listing)  # opens the floor's store
    assert (answer.status_code, answer.content) == (200, BODY)  # no page length given: the ceiling's body
    monkeypatch.setattr(floor_app, "LIST_BODY", floor_app.padded(25_431))
    answer = client.simulate_get(listing)
    assert (answer.status_code, len(answer.content)) == (200, 25_431)
    assert client.simulate_get(path(account.sid, "CN" + "0" * 32)).content == BODY  # the list's alone
    opened, asked = floor_app._opened[0], []
    reads = opened.list_connect_app_versions

    def recorded(account_sid: str, request: PageRequest) -> Any:
        asked.append(request)
        return reads(account_sid, request)

    monkeypatch.setattr(opened, "list_connect_app_versions", recorded)
    assert client.simulate_get(listing, query_string="PageSize=5").status_code == 200
    assert asked == [PageRequest(endpoints.PAGE_SIZE)]  # the first page of 50, whatever the query
    other = accounts.create(store, "no apps", None)
    assert client.simulate_get(f"/2010-04-01/Accounts/{other.sid}/ConnectApps.json").status_code == 404


@pytest.mark.parametrize("length", [0, 5, len(BODY), 16, 17, 25_000])
def test_padding_is_json_of_exactly_the_length_asked_or_the_ceilings_body(length: int) -> None:
    body = floor_app.padded(length)
    assert orjson.loads(body) is not None
    assert len(body) == length if length > len(BODY) else body == BODY


def test_the_lists_floor_answers_as_many_bytes_as_the_servers_first_page(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str, dict[str, str] | None]] = []

    def answer(base_url: str, path: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        asked.append((base_url, path, headers))
        return status, b"{" + b" " * 1_000 + b"}"

    monkeypatch.setattr(floor, "request", answer)
    server = servers.Server("sqlite:///unused.db", 1, Path("unused.log"))
    fetch = Endpoint("fetch", ("/a",))
    page = Endpoint("list-first", ("/c?PageSize=50",), headers=(("Authorization", "Basic x"),), expect_items=50)
    status = 200
    assert floor.first_page_bytes(server, [fetch, page]) == 1_002
    assert asked == [(server.base_url, "/c?PageSize=50", {"Authorization": "Basic x"})]
    assert floor.first_page_bytes(server, [fetch]) == 0 and len(asked) == 1  # no list measured: nothing asked
    status = 401
    with pytest.raises(RuntimeError, match="401"):
        floor.first_page_bytes(server, [page])


def test_an_unknown_app_is_404_and_other_paths_are_the_ceilings_hello(
    client: falcon.testing.TestClient, store: Store, app_of: tuple[Account, ConnectApp],
) -> None:
    account, app = app_of
    assert client.simulate_post(path(account.sid, "CN" + "0" * 32)).status_code == 404
    assert client.simulate_post(path("AC" + "0" * 32, app.sid)).status_code == 404  # another account's app
    assert store.get_connect_app(account.sid, app.sid) == app
    assert (client.simulate_get("/health").content, client.simulate_get("/anything").status_code) == (BODY, 200)


def test_without_a_database_the_floor_opens_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(floor_app.DATABASE_ENV, raising=False)
    monkeypatch.setattr(floor_app, "_opened", [])
    with pytest.raises(RuntimeError, match=floor_app.DATABASE_ENV):
        floor_app._store()


@pytest.mark.parametrize(("policy", "scheduler"), [("batch", os.SCHED_BATCH), ("normal", os.SCHED_OTHER)])
def test_served_by_granian_under_serves_cpu_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str, scheduler: int,
) -> None:
    monkeypatch.setenv(serving.CPU_POLICY_ENV, "normal" if policy == "batch" else "batch")  # the floor's own wins
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    seed = servers.seed(url, 3)
    store = open_store(url)
    try:
        app = store.list_connect_apps(seed.account_sid, PageRequest(3)).items[0]
        with servers.FloorServer(url, tmp_path / "floor.log", threads=2, list_bytes=3_000,
                                 cpu_policy=policy) as served:
            status, body = servers.request(served.base_url, path(seed.account_sid, app.sid), method="POST")
            assert (status, body) == (200, BODY)
            listing = f"/2010-04-01/Accounts/{seed.account_sid}/ConnectApps.json"
            status, body = servers.request(served.base_url, listing)
            assert (status, len(body)) == (200, 3_000)
            processes = [int(proc.name) for proc, _ in served._processes()]
            assert len(processes) >= 2  # Granian's main process and its worker
            assert {os.sched_getscheduler(pid) for pid in processes} == {scheduler}
        written = store.get_connect_app(seed.account_sid, app.sid)
    finally:
        store.close()
    assert written is not None and (written.friendly_name, written.version) == ("bench", app.version + 1)
    assert not access_lines(tmp_path / "floor.log")  # no line unless asked for


def access_lines(log: Path) -> list[dict[str, Any]]:
    """The access lines in a served process's log (Granian's own lines are not JSON objects of ours)."""
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [entry for entry in entries if entry.get("event") == "request"]


# What differs between two lines of the same request: when, for how long, and which request it was.
PER_REQUEST = {"time", "duration_ms", "request_id"}


def test_with_the_access_line_each_path_writes_the_line_serve_writes_for_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    seed = servers.seed(url, 3)
    auth = {"Authorization": endpoints.basic_auth(seed)}
    store = open_store(url)
    try:
        sid = store.list_connect_apps(seed.account_sid, PageRequest(3)).items[0].sid
    finally:
        store.close()
    asked = [("GET", path(seed.account_sid, sid), None), ("POST", path(seed.account_sid, sid), "FriendlyName=bench"),
             ("GET", f"/2010-04-01/Accounts/{seed.account_sid}/ConnectApps.json", None)]
    logs = {"floor": tmp_path / "floor.log", "serve": tmp_path / "serve.log"}
    with (servers.FloorServer(url, logs["floor"], threads=2, cpu_policy="normal", access_line=True) as served_floor,
          servers.Server(url, 1, logs["serve"]) as server):
        for served in (served_floor, server):
            for method, target, body in asked:
                assert servers.request(served.base_url, target, method=method, headers=auth, body=body)[0] == 200

        def written(name: str) -> list[dict[str, Any]] | None:
            lines = [line for line in access_lines(logs[name]) if line["path"] != "/health"]
            return lines if len(lines) == len(asked) else None

        lines = {name: eventually(lambda name=name: written(name), f"{name}: {len(asked)} access lines")  # type: ignore[misc]
                 for name in logs}
    for floor_line, serve_line, (method, target, _) in zip(lines["floor"], lines["serve"], asked, strict=True):
        assert (floor_line["method"], floor_line["path"], floor_line["status"]) == (method, target, 200)
        assert floor_line.keys() == serve_line.keys()
        assert {k: v for k, v in floor_line.items() if k not in PER_REQUEST} == \
            {k: v for k, v in serve_line.items() if k not in PER_REQUEST}
        assert re.fullmatch(r"RQ[0-9a-f]{32}", floor_line["request_id"])


def test_the_floor_runs_with_the_threads_and_cpu_policy_the_serve_flags_give_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(serving.CPU_POLICY_ENV, raising=False)
    monkeypatch.delenv(config.SIGNIN_CONCURRENCY_ENV, raising=False)
    sqlite, postgres = "sqlite:///x.db", "postgresql://u@h/d"
    assert floor.serve_settings([], sqlite) == (default_blocking_threads(sqlite, config.sign_in_concurrency()), "batch")
    assert floor.serve_settings([], postgres)[0] == default_blocking_threads(postgres, config.sign_in_concurrency())
    given = ["--blocking-threads=6", "--cpu-policy=normal", "--log-level=warning"]
    assert floor.serve_settings(given, sqlite) == (6, "normal")
    monkeypatch.setenv(serving.CPU_POLICY_ENV, "normal")  # as serve reads it when no flag says
    assert floor.serve_settings(["--blocking-threads", "3"], sqlite) == (3, "normal")


def test_each_path_is_measured_beside_its_floor() -> None:
    fetch, update = Endpoint("fetch", ("/a",)), Endpoint("update", ("/b",), method="POST")
    page = Endpoint("list-first", ("/c",), expect_items=50)
    # stand-ins: only which one each run is served by is looked at
    the_floor, with_line, the_server = (cast(servers.Server, object()) for _ in range(3))
    pairs = floor.order([fetch, page, update], [(floor.FLOOR, the_floor)], the_server)
    assert [(e.name, e.paths, e.method, e.expect_items, s) for e, s in pairs] == [
        ("floor-fetch", ("/a",), "GET", None, the_floor), ("fetch", ("/a",), "GET", None, the_server),
        ("floor-list-first", ("/c",), "GET", None, the_floor), ("list-first", ("/c",), "GET", 50, the_server),
        ("floor-update", ("/b",), "POST", None, the_floor), ("update", ("/b",), "POST", None, the_server),
    ]
    pairs = floor.order([page], [(floor.FLOOR, the_floor), (floor.FLOOR_LINE, with_line)], the_server)
    assert [(e.name, e.expect_items, s) for e, s in pairs] == [
        ("floor-list-first", None, the_floor), ("floor+line-list-first", None, with_line),
        ("list-first", 50, the_server),
    ]


def row(name: str, rps: float) -> Row:
    result = WrkResult(requests=1, duration_s=1.0, rps=rps, p50_ms=1, p75_ms=1, p90_ms=1, p99_ms=1)
    return Row.of("sqlite", 1_000, 1, name, result, 40_000)


def test_shares_are_each_paths_rate_over_its_floors() -> None:
    rows = [row("ceiling", 40_000), row("floor-fetch", 30_000), row("fetch", 24_000), row("update", 1_000)]
    assert floor.shares(rows) == {"fetch": pytest.approx(0.8)}  # update has no floor in these rows
    rows += [row("floor+line-fetch", 25_000)]
    assert floor.shares(rows) == {"fetch": pytest.approx(0.8)}  # a floor's row is never a path's
    assert floor.shares(rows, floor.FLOOR_LINE) == {"fetch": pytest.approx(0.96)}


def test_only_the_paths_the_floor_knows_are_accepted() -> None:
    assert floor.parse_args(["--endpoints", "update"]).endpoint_names == ("update",)
    assert floor.parse_args([]).endpoint_names == ("fetch", "list-first", "update")
    with pytest.raises(SystemExit):
        floor.parse_args(["--endpoints", "list-deep-90"])
