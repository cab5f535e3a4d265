"""The demo path: the official client fetches an app from a running server."""

import sqlite3
from pathlib import Path

import falcon.testing

from connectapps.app import create_app
from connectapps.store.sqlite import SqliteStore
from tests.conftest import Server


def test_official_client_fetches_a_connect_app(server: Server) -> None:
    owner = server.account("Owner")
    app = server.app(owner, friendly_name="Smoke", permissions=["get-all"])
    fetched = server.client(owner).api.v2010.account.connect_apps(app.sid).fetch()
    assert fetched.sid == app.sid
    assert fetched.friendly_name == "Smoke"
    assert fetched.permissions == ["get-all"]


def test_readiness_probe_answers_when_the_database_does(server: Server) -> None:
    resp = server.get("/health/ready")
    assert (resp.status_code, resp.json()) == (200, {"status": "ok"})


class UnreachableStore(SqliteStore):
    def ping(self) -> None:
        raise sqlite3.OperationalError("unable to open database file")


def test_readiness_probe_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    store = UnreachableStore(str(tmp_path / "connectapps.db"))
    client = falcon.testing.TestClient(create_app(store))
    resp = client.simulate_get("/health/ready")
    assert (resp.status_code, resp.json) == (503, {"status": "unavailable"})
    assert client.simulate_get("/health").status_code == 200  # liveness never touches the database
