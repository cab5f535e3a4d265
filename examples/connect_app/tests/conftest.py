"""The app under test, started on a free port and configured against the connectapps server that the
``connectapps`` pytest plugin runs (installed with ``pip install connectapps``)."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from connect_app import ConnectApp

DEVELOPER_SID = "ACd0000000000000000000000000000001"
DEVELOPER_TOKEN = "developer-auth-token-0001"
CUSTOMER_SID = "ACc0000000000000000000000000000001"
CUSTOMER_EMAIL = "customer@example.com"
APP_SID = "CNa0000000000000000000000000000001"


@pytest.fixture(scope="session")
def connectapps_seed() -> Path:
    return Path(__file__).parent.parent / "seed.yaml"


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def app(connectapps: Any, connectapps_client: Any) -> Iterator[tuple[ConnectApp, str]]:
    """The app on a free port, and its URL; the Connect App's URLs point at it (as set in the console)."""
    app = ConnectApp(DEVELOPER_SID, DEVELOPER_TOKEN, twilio_base_url=connectapps.base_url)
    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connectapps.client(DEVELOPER_SID).api.v2010.accounts(DEVELOPER_SID).connect_apps(APP_SID).update(
        authorize_redirect_url=f"{url}/connect/authorized", deauthorize_callback_url=f"{url}/connect/deauthorized")
    yield app, url
    server.shutdown()
    server.server_close()
