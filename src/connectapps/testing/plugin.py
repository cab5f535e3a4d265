"""The pytest plugin (entry point ``pytest11``: loaded whenever connectapps is installed).

Fixtures, all named ``connectapps*`` so they never shadow a project's own:

- ``connectapps_seed`` (session): what to seed — a path, YAML text, a dict, or None for
  ``connectapps.testing.DEFAULT_SEED``. Override it in your conftest.py.
- ``connectapps_options`` (session): more keyword arguments for ``ConnectAppsServer``.
- ``connectapps_server`` (session): the running server.
- ``connectapps`` (function): the same server, reset to the seed before the test (records,
  request journal, faults).
- ``connectapps_client`` (function): a ``twilio.rest.Client`` for the seed's first account.
- ``connectapps_authorize`` (function): ``authorize(connect_app_sid, user=…, state=…)``, what the
  consent page does; returns ``redirect_url`` and ``account_sid``.
- ``connectapps_callbacks`` (function): a receiver of deauthorize callbacks on a free port; each
  is checked with twilio's ``RequestValidator`` against the app owner's auth token.

Nothing is started unless a test asks for one of these fixtures.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectapps.testing.receiver import CallbackReceiver
from connectapps.testing.server import ConnectAppsServer


@pytest.fixture(scope="session")
def connectapps_seed() -> Any:
    """What the session's server is seeded with (None: connectapps.testing.DEFAULT_SEED)."""
    return None


@pytest.fixture(scope="session")
def connectapps_options() -> dict[str, Any]:
    """More keyword arguments for ConnectAppsServer (``random_seed``, ``database_url``, …)."""
    return {}


@pytest.fixture(scope="session")
def connectapps_server(connectapps_seed: Any, connectapps_options: dict[str, Any]) -> Iterator[ConnectAppsServer]:
    with ConnectAppsServer(connectapps_seed, **connectapps_options) as server:
        yield server


@pytest.fixture
def connectapps(connectapps_server: ConnectAppsServer) -> ConnectAppsServer:
    """The session's server, reset to its seed for this test."""
    connectapps_server.reset()
    return connectapps_server


@pytest.fixture
def connectapps_client(connectapps: ConnectAppsServer) -> Any:
    return connectapps.client()


@pytest.fixture
def connectapps_authorize(connectapps: ConnectAppsServer) -> Callable[..., Any]:
    return connectapps.authorize


@pytest.fixture
def connectapps_callbacks(connectapps: ConnectAppsServer) -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver(connectapps)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
