"""Sign-in throttling over HTTP: counted atomically across server processes, backoff per email and
address instead of lockouts, and a bound on concurrent password checks that answers 503 at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from falcon import testing

from connectapps import config
from connectapps.app import create_app
from connectapps.domain import passwords, throttle
from connectapps.domain.store import Store
from tests.conftest import Server, drop_database_url, fresh_database_url, start_server, stop_server
from tests.web.conftest import OwnServer
from tests.web.helpers import Browser, hidden_fields, new_person

GENERIC_ERROR = "Incorrect email or password."
GUESSES = 16


@pytest.fixture
def two_servers(backend: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two server processes on one database, each checking up to 16 passwords at once on 8 threads,
    so that only the throttle can keep simultaneous guesses from being checked."""
    database_url = fresh_database_url(backend, tmp_path)
    env = {config.SIGNIN_CONCURRENCY_ENV: str(GUESSES)}
    started = [start_server(database_url, tmp_path, "--blocking-threads", "8", env=env) for _ in range(2)]
    yield started[0], started[1]
    for server in started:
        stop_server(server)
    drop_database_url(backend, database_url)


def test_simultaneous_guesses_through_two_processes_are_checked_at_most_the_allowance(
    two_servers: tuple[Server, Server],
) -> None:
    person = new_person(two_servers[0].store)
    browsers = [Browser(two_servers[n % 2]) for n in range(GUESSES)]
    forms = [{"csrf": b.csrf(), "email": person.email, "password": "wrong password"} for b in browsers]
    start = threading.Barrier(GUESSES)

    def guess(n: int) -> requests.Response:
        start.wait()
        return browsers[n].post("/signin", forms[n])

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    checked = [r for r in answers if r.status_code == 200]
    assert all(GENERIC_ERROR in r.text for r in checked)
    assert sorted(r.status_code for r in answers) == [200] * throttle.FREE_ATTEMPTS + [429] * (
        GUESSES - throttle.FREE_ATTEMPTS)


def guess(browser: Browser, email: str, **headers: str) -> requests.Response:
    form = {"csrf": browser.csrf(), "email": email, "password": "wrong password"}
    return browser.post("/signin", form, headers=headers)


def test_backoff_per_email_and_address_where_forwarded_headers_are_not_trusted(own_server: OwnServer) -> None:
    server = own_server()
    person, other = new_person(server.store), new_person(server.store)
    browser = Browser(server)
    for n in range(throttle.FREE_ATTEMPTS):  # forged X-Forwarded-For: the same peer address, counted as one
        assert GENERIC_ERROR in guess(browser, person.email, **{"X-Forwarded-For": f"198.51.100.{n}"}).text
    resp = browser.sign_in(person)  # even the right password, during the backoff
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == str(int(throttle.FIRST_DELAY.total_seconds()))
    assert "Too many failed sign-in attempts. Try again in a minute." in resp.text
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert not browser.signed_in()
    assert Browser(server).sign_in(other).status_code == 303  # another email, same address: fine


def test_a_flood_from_one_address_locks_out_neither_the_owner_elsewhere_nor_its_neighbours(
    own_server: OwnServer,
) -> None:
    server = own_server(proxy_hops=1)
    owner, neighbour = new_person(server.store), new_person(server.store)
    attacker = Browser(server, **{"X-Forwarded-For": "198.51.100.7"})
    for n in range(20):  # spraying passwords at many accounts from one address (or one shared proxy)
        assert guess(attacker, f"guess{n}@example.com").status_code == 200
    answers = [guess(attacker, owner.email).status_code for _ in range(2 * throttle.FREE_ATTEMPTS)]
    assert answers == [200] * throttle.FREE_ATTEMPTS + [429] * throttle.FREE_ATTEMPTS
    assert Browser(server, **{"X-Forwarded-For": "203.0.113.9"}).sign_in(owner).status_code == 303
    assert Browser(server, **{"X-Forwarded-For": "198.51.100.7"}).sign_in(neighbour).status_code == 303
    assert Browser(server, **{"X-Forwarded-For": "198.51.100.7"}).sign_in(owner).status_code == 429
    # Over https (as the proxy says), the cookie is Secure and __Host- prefixed.
    https = Browser(server, **{"X-Forwarded-Proto": "https"}).get("/signin")
    cookie = https.headers["Set-Cookie"]
    assert cookie.startswith("__Host-connectapps_session=")
    assert "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_beyond_the_concurrent_password_checks_sign_in_answers_503_at_once(store: Store) -> None:
    person = new_person(store)
    client = testing.TestClient(create_app(store))
    page = client.simulate_get("/signin")
    cookie = page.headers["Set-Cookie"].split(";")[0]
    form = {"csrf": hidden_fields(page.text)["csrf"], "email": person.email, "password": person.password}
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    passwords.limit_checks(1)
    assert passwords._checks.slots.acquire(blocking=False)  # a sign-in being checked right now
    try:
        busy = client.simulate_post("/signin", body=urlencode(form), headers=headers)
    finally:
        passwords._checks.slots.release()
        passwords.limit_checks(config.sign_in_concurrency())
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "1"
    assert busy.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Try again in a moment." in busy.text
    # The attempt refused as busy was not counted against anyone: no counter exists for the pair or email.
    assert [store.get_sign_in_throttle(key) for key in (f"pair 127.0.0.1 {person.email}", f"email {person.email}")] \
        == [None, None]
    counted = throttle.attempt(store, person.email, "127.0.0.1", datetime.now(UTC))  # the same keys, when counted
    assert store.get_sign_in_throttle(counted.pair) is not None and counted.pair == f"pair 127.0.0.1 {person.email}"
