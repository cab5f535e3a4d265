"""A ``connectapps serve --seed … --admin-token …`` per backend for the admin API tests, reset to its
seed before each test."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.conftest import Server, drop_database_url, fresh_database_url, log_problems, start_server, stop_server
from tests.seeding.seeds import write

TOKEN = "admin-token-for-the-tests-0001"


@dataclass
class AdminServer:
    server: Server

    @property
    def url(self) -> str:
        return self.server.url

    def admin(self, method: str, path: str, token: str | None = TOKEN, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, f"{self.url}/__admin/{path}", headers=headers, timeout=30, **kwargs)

    def api(self, method: str, path: str, auth: tuple[str, str], **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.url}/2010-04-01/{path}", auth=auth, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def admin_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    tmp = tmp_path_factory.mktemp(f"admin-{backend}")
    database_url = fresh_database_url(backend, tmp)
    seed = write(tmp)
    srv = start_server(database_url, tmp, "--seed", str(seed), "--admin-token", TOKEN,
                       env={"CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "loopback"})
    yield AdminServer(srv)
    stop_server(srv)
    drop_database_url(backend, database_url)
    assert log_problems(srv) == [], srv.log.read_text()[-4000:]


@pytest.fixture
def admin(admin_server: AdminServer) -> AdminServer:
    answer = admin_server.admin("POST", "reset")
    assert answer.status_code == 200, answer.text
    return admin_server
