"""Prometheus metrics of a real server with two workers: scraped after known traffic, every count exact.

The scrape is served by the main process, which handles no request itself: every count below was made
in a worker and summed through the multi-process directory.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from connectapps.domain import authorizations
from tests.conftest import Server, drop_database_url, fresh_database_url, start_server, stop_server
from tests.processes import free_port
from tests.receiver import Receiver, receiving
from tests.web.helpers import Browser, new_person

TOKEN = "scrape-token-0123456789"
CALLBACKS = {
    "CONNECTAPPS_CALLBACK_TIMEOUT": "1",
    "CONNECTAPPS_CALLBACK_LEASE": "7",
    "CONNECTAPPS_CALLBACK_BACKOFF_BASE": "3600",  # a failed callback stays pending for the scrape
    "CONNECTAPPS_CALLBACK_BACKOFF_MAX": "7200",
    "CONNECTAPPS_CALLBACK_POLL_INTERVAL": "0.05",
    "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "loopback",
}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def metered(backend: str, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    url = fresh_database_url(backend, tmp_path)
    port = free_port()
    server = start_server(url, tmp_path, "--workers", "2", "--metrics", str(port),
                          env=CALLBACKS | {"CONNECTAPPS_METRICS_TOKEN": TOKEN})
    yield server, f"http://127.0.0.1:{port}/metrics"
    stop_server(server)
    drop_database_url(backend, url)


def scrape(url: str) -> Samples:
    resp = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(resp.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counts_after_known_traffic(metered: tuple[Server, str]) -> None:
    server, metrics_url = metered
    person = new_person(server.store)
    account = person.account
    for _ in range(20):  # each on a new connection: both workers answer some
        assert requests.get(f"{server.url}/health/ready", timeout=5).status_code == 200
    path = f"/2010-04-01/Accounts/{account.sid}.json"
    for _ in range(3):
        assert server.get(path, account).status_code == 200
    for _ in range(2):
        assert server.get(path, auth=(account.sid, "wrong")).status_code == 401
    assert server.get("/no/such/thing").status_code == 404
    assert server.get("/metrics", account).status_code == 404  # never on the API port, whatever the credentials

    browser = Browser(server)
    statuses = [browser.sign_in(person, password=f"wrong-{n}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]

    with receiving() as receiver:
        _deauthorize(server, f"{receiver.url}/deauth")
        _deauthorize(server, "http://10.11.12.13/deauth")  # refused by the egress policy: given up at once
        _deauthorize(server, f"http://127.0.0.1:{free_port()}/deauth")  # nobody listens: retried in an hour
        samples = _settled(metrics_url, receiver)

    requests_total = "connectapps_http_requests_total"
    assert value(samples, requests_total, route="/health/ready", method="GET", status="200") == 20
    account_route = "/2010-04-01/Accounts/{account_sid}.json"
    assert value(samples, requests_total, route=account_route, method="GET", status="200") == 3
    assert value(samples, requests_total, route=account_route, method="GET", status="401") == 2
    assert value(samples, requests_total, route="(unmatched)", method="GET", status="404") == 2
    assert value(samples, requests_total, route="/signin", method="POST", status="429") == 1
    assert value(samples, "connectapps_http_request_duration_seconds_count", route=account_route, method="GET") == 5
    assert value(samples, "connectapps_http_request_duration_seconds_bucket", route=account_route, method="GET",
                 le="+Inf") == 5
    assert value(samples, "connectapps_signin_refused_total", reason="throttled") == 1
    assert value(samples, "connectapps_callback_attempts_total", outcome="delivered") == 1
    assert value(samples, "connectapps_callback_attempts_total", outcome="refused_by_policy") == 1
    assert value(samples, "connectapps_callback_attempts_total", outcome="connection_failed") == 1
    assert value(samples, "connectapps_callback_deliveries_total") == 1
    assert value(samples, "connectapps_callback_give_ups_total") == 1
    assert value(samples, "connectapps_callbacks_pending") == 1
    assert value(samples, "connectapps_callback_oldest_pending_age_seconds") > 0
    assert value(samples, "connectapps_db_round_trips_total") > 20
    assert value(samples, "connectapps_cache_lookups_total", result="hit") > 0
    assert value(samples, "connectapps_concurrency_limited_total") == 0


def _deauthorize(server: Server, callback_url: str) -> None:
    owner, user = server.account("Owner"), server.account("User")
    app = server.app(owner, friendly_name="Metered", deauthorize_callback_url=callback_url,
                     deauthorize_callback_method="POST")
    authorizations.authorize(server.store, app, user)
    authorizations.revoke(server.store, user.sid, app.sid)


def _settled(metrics_url: str, receiver: Receiver) -> Samples:
    """A scrape once the three callbacks have had their first attempt, the failed one was given up and
    at most one is still in the outbox. The counters move when an attempt ends, before its result is
    committed: waiting for the attempts alone raced the give-up, and waiting for the counters alone
    raced the delivered one's commit (the outbox, read from the database, still held it)."""
    receiver.wait_for(lambda received: len(received) == 1)
    deadline = time.monotonic() + 20
    while True:
        samples = scrape(metrics_url)
        attempts = sum(v for (name, _), v in samples.items() if name == "connectapps_callback_attempts_total")
        given_up = samples.get(("connectapps_callback_give_ups_total", ()), 0)
        pending = samples.get(("connectapps_callbacks_pending", ()), 3)
        if (attempts >= 3 and given_up >= 1 and pending <= 1) or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


def test_the_scrape_wants_the_bearer_token(metered: tuple[Server, str]) -> None:
    server, metrics_url = metered
    account = server.account("Scraper")
    assert requests.get(metrics_url, timeout=5).status_code == 401
    assert requests.get(metrics_url, auth=(account.sid, account.auth_token), timeout=5).status_code == 401
    assert requests.get(metrics_url, headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401
    assert requests.get(metrics_url.replace("/metrics", "/other"), timeout=5).status_code == 404
    assert "connectapps_http_requests_total" in {name for name, _ in scrape(metrics_url)}


def test_off_by_default(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'off.db'}", tmp_path)
    try:
        assert server.get("/metrics").status_code == 404
        assert "metrics at" not in server.log.read_text()
    finally:
        stop_server(server)
