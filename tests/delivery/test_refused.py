"""Issue 8, part 3, end to end: a server with the default egress policy refuses callbacks aimed at
its own machine, however the URL spells it — no request, no retry, and the log says only why.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from connectapps.domain import authorizations
from tests.conftest import Server, fresh_server
from tests.delivery.helpers import FAST, authorized_app, wait_for_status
from tests.receiver import Receiver, receiving

DEFAULT_POLICY = {k: v for k, v in FAST.items() if k != "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS"}
SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0", "[::ffff:127.0.0.1]", "localhost"]


@pytest.fixture
def guarded(backend: str, tmp_path: Path) -> Iterator[Server]:
    """A server as an operator gets it: callbacks to public addresses only."""
    with fresh_server(backend, tmp_path, env=DEFAULT_POLICY) as server:
        yield server


@pytest.fixture
def internal() -> Iterator[Receiver]:
    """A service inside the server's network, here on its loopback interface."""
    with receiving() as receiver:
        yield receiver


def test_callbacks_aimed_at_the_servers_own_network_are_refused(guarded: Server, internal: Receiver) -> None:
    port = internal.url.rsplit(":", 1)[1]
    apps = []
    for host in SPELLINGS:
        app, (user,) = authorized_app(guarded.store, f"http://{host}:{port}/admin?x=1", 1)
        authorizations.revoke(guarded.store, user.sid, app.sid)
        apps.append(app)
    for app in apps:
        (callback,) = wait_for_status(guarded, app.sid, "failed")  # at once: no retries
        log = guarded.store.callback_attempts(callback.id)
        assert [(a.attempt, a.status_code, a.error) for a in log] == [(1, None, "refused by policy")]
        assert callback.attempts == 1
    assert internal.requests == []
    listed = subprocess.run(
        [sys.executable, "-m", "connectapps", "callbacks", "list", "--database", guarded.database_url],
        capture_output=True, check=True,
    )
    errors = [a["error"] for c in orjson.loads(listed.stdout) for a in c["attempts"]]
    assert errors == ["refused by policy"] * len(SPELLINGS)
