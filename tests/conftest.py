"""Shared fixtures: a real server over HTTP on a free loopback port, per database backend.

Every test that takes ``backend`` runs once on SQLite and, when
``CONNECTAPPS_TEST_POSTGRES_URL`` is set, once more on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from twilio.rest import Client

from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import Account, ConnectApp
from connectapps.store import open_store
from connectapps.store.interface import Store

POSTGRES_ENV = "CONNECTAPPS_TEST_POSTGRES_URL"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get(POSTGRES_ENV):
        names.append("postgres")
    return names


def fresh_database_url(backend: str, tmp: Path) -> str:
    """A new, empty database for one server: a file on SQLite, a database on PostgreSQL."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'connectapps.db'}"
    from tests.pg import create_database

    return create_database(os.environ[POSTGRES_ENV], f"connectapps_test_{uuid.uuid4().hex[:12]}")


def start_server(database_url: str, tmp: Path, *extra: str, env: dict[str, str] | None = None) -> Server:
    """``connectapps serve`` on a free port; ``env`` adds to (or overrides) the environment."""
    port = free_port()
    log = tmp / f"server-{port}-{uuid.uuid4().hex[:6]}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")} | (env or {})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "connectapps", "serve", "--port", str(port), "--database", database_url, *extra],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(log.read_text()) from None
    store = open_store(database_url)
    return Server(url, database_url, store, proc, log)


def terminate(proc: subprocess.Popen[Any]) -> None:
    """Stop a server process: politely, then firmly after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_server(server: Server) -> None:
    terminate(server.proc)
    server.store.close()


@pytest.fixture(scope="session", params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def drop_database_url(backend: str, database_url: str) -> None:
    if backend == "postgres":
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
    srv = start_server(database_url, tmp)
    yield srv
    stop_server(srv)
    drop_database_url(backend, database_url)
