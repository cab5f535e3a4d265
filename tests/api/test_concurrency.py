"""Several server processes on one database: no stale reads, no lost updates, no 5xx, no logged error.

Servers A and B run two worker processes each (``--workers 2``) and share one database — on the
``pgbouncer`` configuration through one PgBouncer in transaction mode with a pool of 3. The per-thread
caches (validated by SQLite's data_version, PostgreSQL's WAL position) are what the first test exists
to catch: through the pooler, the WAL check of one process must still see a commit made through
another process's pooled connection.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from connectapps.domain.models import Account, ConnectApp
from tests.conftest import Pair, log_problems

CLIENTS = 16
UPDATES_PER_CLIENT = 200


def app_path(app: ConnectApp) -> str:
    return f"/2010-04-01/Accounts/{app.account_sid}/ConnectApps/{app.sid}.json"


def fetch(session: requests.Session, base: str, owner: Account, app: ConnectApp) -> dict[str, object]:
    response = session.get(base + app_path(app), auth=(owner.sid, owner.auth_token), timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def update(session: requests.Session, base: str, owner: Account, app: ConnectApp, **form: str) -> None:
    response = session.post(base + app_path(app), data=form, auth=(owner.sid, owner.auth_token), timeout=30)
    assert response.status_code == 200, response.text


def test_an_update_through_one_process_is_seen_by_the_other_on_the_next_request(pair: Pair) -> None:
    owner = pair.a.account()
    app = pair.a.app(owner, friendly_name="v0")
    with requests.Session() as session:
        for n in range(1, 60):
            writer, reader = pair.url(n), pair.url(n + 1)
            fetch(session, reader, owner, app)  # warm the reader's cache with the old value
            update(session, writer, owner, app, FriendlyName=f"v{n}")
            assert fetch(session, reader, owner, app)["friendly_name"] == f"v{n}"


def test_an_update_through_one_process_is_in_the_others_next_list_page(pair: Pair) -> None:
    """List pages join cached JSON per (sid, version): a change made elsewhere must show at once."""
    owner = pair.a.account()
    app = pair.a.app(owner, friendly_name="v0")
    path = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.json"
    with requests.Session() as session:
        for n in range(1, 30):
            writer, reader = pair.url(n), pair.url(n + 1)
            session.get(reader + path, auth=(owner.sid, owner.auth_token), timeout=30)  # cache the old item
            update(session, writer, owner, app, FriendlyName=f"v{n}")
            page = session.get(reader + path, auth=(owner.sid, owner.auth_token), timeout=30).json()
            assert [item["friendly_name"] for item in page["connect_apps"]] == [f"v{n}"]


def test_a_suspended_account_is_refused_by_every_process_at_once(pair: Pair) -> None:
    """Account records are cached too: a suspension must take effect everywhere immediately."""
    owner = pair.a.account()
    app = pair.a.app(owner)
    with requests.Session() as session:
        fetch(session, pair.b.url, owner, app)  # B has the active account cached
        pair.a.store.update_account(owner.sid, {"status": "suspended"}, datetime.now(UTC))
        response = session.get(pair.b.url + app_path(app), auth=(owner.sid, owner.auth_token), timeout=30)
    assert response.status_code == 401
    assert response.json()["code"] == 20003


def test_concurrent_updates_of_different_fields_lose_nothing(pair: Pair) -> None:
    owner = pair.a.account()
    app = pair.a.app(owner)
    fields = {
        "FriendlyName": "friendly_name",
        "CompanyName": "company_name",
        "Description": "description",
        "HomepageUrl": "homepage_url",
        "AuthorizeRedirectUrl": "authorize_redirect_url",
        "DeauthorizeCallbackUrl": "deauthorize_callback_url",
    }
    rounds = 40

    def value(param: str, n: int) -> str:
        return f"https://example.com/{n}" if param.endswith("Url") else f"{param}-{n}"

    def writer(index_param: tuple[int, str]) -> None:
        index, param = index_param
        with requests.Session() as session:
            for n in range(rounds):
                update(session, pair.url(index + n), owner, app, **{param: value(param, n)})

    with ThreadPoolExecutor(len(fields)) as pool:
        list(pool.map(writer, enumerate(fields)))
    with requests.Session() as session:
        final = fetch(session, pair.b.url, owner, app)
    assert {field: final[field] for field in fields.values()} == {
        field: value(param, rounds - 1) for param, field in fields.items()
    }


def test_many_clients_many_updates_all_acknowledged_updates_survive(pair: Pair) -> None:
    owner = pair.a.account()
    apps = [pair.a.app(owner, friendly_name="start") for _ in range(CLIENTS)]
    statuses: list[int] = []

    def client(index: int) -> list[int]:
        seen = []
        with requests.Session() as session:
            for n in range(UPDATES_PER_CLIENT):
                response = session.post(
                    pair.url(index + n) + app_path(apps[index]),
                    data={"FriendlyName": f"client{index}-{n}"},
                    auth=(owner.sid, owner.auth_token),
                    timeout=60,
                )
                seen.append(response.status_code)
                assert response.status_code == 200, response.text
        return seen

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(itertools.chain.from_iterable(pool.map(client, range(CLIENTS))))
    assert statuses == [200] * CLIENTS * UPDATES_PER_CLIENT
    with requests.Session() as session:
        finals = [fetch(session, pair.url(i), owner, app)["friendly_name"] for i, app in enumerate(apps)]
    assert finals == [f"client{i}-{UPDATES_PER_CLIENT - 1}" for i in range(CLIENTS)]
    for server in (pair.a, pair.b):
        assert "database is locked" not in server.log.read_text()


def test_no_process_logged_an_error(pair: Pair) -> None:
    """Last in this module: what the tests above left in both servers' logs. Through PgBouncer with
    server-side prepared statements, these filled with DuplicatePreparedStatement tracebacks."""
    with requests.Session() as session:  # this test alone (-k) still makes both servers work
        owner = pair.a.account()
        app = pair.a.app(owner)
        for n in range(20):
            update(session, pair.url(n), owner, app, FriendlyName=f"n{n}")
            fetch(session, pair.url(n + 1), owner, app)
    assert log_problems(pair.a) == [] and log_problems(pair.b) == []
