"""Shared fixtures: a real server over HTTP on a free loopback port, per database backend.

Every test that takes ``backend`` runs once on SQLite and, when
``CONNECTAPPS_TEST_POSTGRES_URL`` is set, once more on PostgreSQL and once more on PostgreSQL
through PgBouncer in transaction mode (tests/pgbouncer.py; whenever pgbouncer is installed, always
under CI).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from twilio.rest import Client

from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import Account, ConnectApp
from connectapps.domain.store import Store
from connectapps.store import open_store
from tests import pgbouncer
from tests.processes import free_port, stop_process

POSTGRES_ENV = "CONNECTAPPS_TEST_POSTGRES_URL"


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not come up in {timeout}s")


@dataclass
class Server:
    """A running ``connectapps serve`` process and the store it uses, for seeding data."""

    url: str
    database_url: str
    store: Store
    proc: subprocess.Popen[bytes]
    log: Path
    accounts: list[Account] = field(default_factory=list)

    def account(self, friendly_name: str | None = None, owner: Account | None = None) -> Account:
        return accounts.create(self.store, friendly_name, owner.sid if owner else None)

    def app(self, account: Account, **fields: Any) -> ConnectApp:
        return connect_apps.create(self.store, account.sid, fields)

    def client(self, account: Account, password: str | None = None) -> Client:
        """The official twilio client, unchanged but for its base URL."""
        client = Client(account.sid, password or account.auth_token, environment={"TWILIO_TEST": "1"})
        client.api.base_url = self.url
        return client

    def get(self, path: str, account: Account | None = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, account, **kwargs)

    def post(self, path: str, account: Account | None = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, account, **kwargs)

    def request(self, method: str, path: str, account: Account | None = None, **kwargs: Any) -> requests.Response:
        if account is not None:
            kwargs.setdefault("auth", (account.sid, account.auth_token))
        return requests.request(method, self.url + path, timeout=10, **kwargs)


LOG_PROBLEM = re.compile(r"traceback|error|exception|warning|critical|fatal|prepared statement", re.IGNORECASE)


# A deauthorize callback whose receiver failed is the receiver's problem, reported for the operator
# (delivery/worker.py); tests revoke apps whose callback URLs nobody listens on.
RECEIVER_FAILED = re.compile(r"^callback CB[0-9a-f]{32} attempt \d+ to \S+: ")


def log_problems(server: Server) -> list[str]:
    """The lines of a server's log that report a problem of its own: a healthy server logs only its start,
    its requests, its stop and the failures of callback receivers. A JSON line is a problem if its level
    is warning or above; another line if it reads like one."""
    return [line for line in server.log.read_text(errors="replace").splitlines() if _problem(line)]


def _problem(line: str) -> bool:
    if line.startswith("{"):
        try:
            entry = json.loads(line)
        except ValueError:
            return True
        return (entry.get("level") not in ("debug", "info")
                and not RECEIVER_FAILED.match(entry.get("message", "")))
    return bool(LOG_PROBLEM.search(line)) and not RECEIVER_FAILED.match(line)


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get(POSTGRES_ENV):
        names.append("postgres")
        if pgbouncer.wanted():
            names.append("pgbouncer")
    return names


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under CI the PostgreSQL half is never silently off: without its URL the run fails before any test."""
    if os.environ.get("CI") and not os.environ.get(POSTGRES_ENV):
        raise pytest.UsageError(f"CI is set but {POSTGRES_ENV} is not: the PostgreSQL half of the suite would not run")


def pytest_report_header() -> str:
    return (f"database backends: {', '.join(backends())}"
            f" (pgbouncer runs all but the browser and twilio-cli suites: {', '.join(POOLER_SKIPS)})")


# What the pooler can change is how statements and transactions reach PostgreSQL: the API, store,
# delivery and CLI suites prove that through PgBouncer. The browser suites drive the same handlers
# through Chromium, and the twilio-cli suite through a Node process per command (the requests
# twilio-python and twilio-node send through the pooler too); each costs seconds to minutes per
# backend and exercises nothing more of the pooler, so they run on SQLite and PostgreSQL only.
# Deselected (and counted as such), never skipped.
POOLER_SKIPS = ("tests/web/", "tests/e2e/", "tests/cli_twilio/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def through_pooler_in_browser(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        return (callspec is not None and callspec.params.get("backend") == "pgbouncer"
                and item.nodeid.startswith(POOLER_SKIPS))

    dropped = [item for item in items if through_pooler_in_browser(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not through_pooler_in_browser(item)]


def pytest_sessionfinish() -> None:
    pgbouncer.stop_shared()


def fresh_database_url(backend: str, tmp: Path) -> str:
    """A new, empty database for one server: a file on SQLite, a database on PostgreSQL (created
    directly; on ``pgbouncer`` the URL then goes through the pooler)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'connectapps.db'}"
    from tests.pg import create_database

    admin = os.environ[POSTGRES_ENV]
    bouncer = pgbouncer.shared(admin) if backend == "pgbouncer" else None
    url = create_database(admin, f"connectapps_test_{uuid.uuid4().hex[:12]}")
    return bouncer.pooled_url(url) if bouncer else url


def start_server(
    database_url: str, tmp: Path, *extra: str, env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Server:
    """``connectapps serve`` on a free port; ``env`` adds to (or overrides) the environment;
    ``preexec_fn`` runs in the child before it starts (e.g. to lower a resource limit)."""
    port = free_port()
    log = tmp / f"server-{port}-{uuid.uuid4().hex[:6]}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")} | (env or {})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "connectapps", "serve", "--port", str(port), "--database", database_url, *extra],
            stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=preexec_fn,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(log.read_text()) from None
    store = open_store(database_url)
    return Server(url, database_url, store, proc, log)


def stop_server(server: Server) -> None:
    stop_process(server.proc)
    server.store.close()


@contextmanager
def fresh_server(backend: str, tmp: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A server on a new, empty database of ``backend``, stopped and dropped afterwards."""
    url = fresh_database_url(backend, tmp)
    server = start_server(url, tmp, env=env)
    try:
        yield server
    finally:
        stop_server(server)
        drop_database_url(backend, url)


@pytest.fixture(scope="session", params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def drop_database_url(backend: str, database_url: str) -> None:
    if backend != "sqlite":
        from tests.pg import drop_database

        drop_database(os.environ[POSTGRES_ENV], database_url)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of this backend, dropped afterwards."""
    url = fresh_database_url(backend, tmp_path)
    yield url
    drop_database_url(backend, url)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on a fresh database of this backend, without a server."""
    opened = open_store(database_url)
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    database_url = fresh_database_url(backend, tmp)
    srv = start_server(database_url, tmp, env={"CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "loopback"})  # test receivers
    yield srv
    stop_server(srv)
    drop_database_url(backend, database_url)
    assert log_problems(srv) == [], f"the shared {backend} server logged problems:\n{srv.log.read_text()[-4000:]}"


@dataclass
class Pair:
    """Two ``connectapps serve --workers 2`` on one database: two machines, as far as anything shared goes."""

    a: Server
    b: Server

    def url(self, n: int) -> str:
        """Alternate between the servers: even n -> A, odd n -> B."""
        return (self.a if n % 2 == 0 else self.b).url


@pytest.fixture(scope="module")
def pair(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A fresh pair per test module; neither server may log a problem."""
    tmp = tmp_path_factory.mktemp(f"pair-{backend}")
    database_url = fresh_database_url(backend, tmp)
    a = start_server(database_url, tmp, "--workers", "2")
    b = start_server(database_url, tmp, "--workers", "2")
    yield Pair(a, b)
    stop_server(a)
    stop_server(b)
    drop_database_url(backend, database_url)
    assert log_problems(a) + log_problems(b) == [], (
        f"the {backend} pair logged problems:\n{a.log.read_text()[-3000:]}\n{b.log.read_text()[-3000:]}")
