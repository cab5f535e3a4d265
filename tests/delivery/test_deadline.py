"""Issue 8, part 2: an attempt has one wall-clock deadline, and a slow destination cannot hold up
the others — deliveries run in a bounded pool per process, with a fair share per host.

The tarpit answers ``200 OK`` one byte at a time, never waiting long enough between bytes for a
per-read timeout to fire: only a deadline for the whole attempt ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connectapps.delivery import sender
from connectapps.delivery.egress import Policy
from connectapps.domain import authorizations
from tests.conftest import Server, drop_database_url, fresh_database_url, start_server, stop_server
from tests.delivery.helpers import FAST, authorized_app
from tests.eventually import eventually
from tests.receiver import receiving, tarpit

TOKEN = "t" * 32
LOOPBACK = Policy.parse("loopback")
TIMEOUT = 2  # seconds, the servers' CONNECTAPPS_CALLBACK_TIMEOUT
POOL = {
    "CONNECTAPPS_CALLBACK_TIMEOUT": str(TIMEOUT),
    "CONNECTAPPS_CALLBACK_LEASE": "8",
    "CONNECTAPPS_CALLBACK_CONCURRENCY": "4",
    "CONNECTAPPS_CALLBACK_PER_HOST": "2",
}
TARPIT_CALLBACKS = 20  # more than any sender's batch: every sender gets some


def test_a_trickling_answer_cannot_stretch_an_attempt_beyond_its_deadline() -> None:
    with tarpit(every=0.2, total=20) as pit:
        outcome = sender.send(f"{pit.url}/cb", "POST", {"AccountSid": "AC1"}, TOKEN, 1, LOOPBACK)
        assert (outcome.status_code, outcome.error) == (None, sender.TIMEOUT)
        _wait(lambda: pit.abandoned == 1)  # we hung up; the tarpit had 19 s of bytes left


def test_a_trickling_body_is_not_waited_for_once_the_status_is_in() -> None:
    """The status line and headers come at once, then the body trickles: the answer counts, and
    the body is read only until the deadline."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    with tarpit(every=0.01, total=20, at_once=head) as pit:
        outcome = sender.send(f"{pit.url}/cb", "POST", {}, TOKEN, 1, LOOPBACK)
        assert outcome.delivered and outcome.error is None
        _wait(lambda: pit.abandoned == 1)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_tarpit_revoked_first_does_not_delay_another_tenants_callback(
    backend: str, tmp_path: Path, processes: int
) -> None:
    url = fresh_database_url(backend, tmp_path)
    servers: list[Server] = []
    try:
        with tarpit(host="127.0.0.2", every=0.3, total=120) as pit, receiving() as receiver:
            servers = [start_server(url, tmp_path, env=FAST | POOL) for _ in range(processes)]
            store = servers[0].store
            pit_app, pit_users = authorized_app(store, f"{pit.url}/slow", TARPIT_CALLBACKS)
            other_app, (other_user,) = authorized_app(store, f"{receiver.url}/fine", 1)
            for user in pit_users:
                authorizations.revoke(store, user.sid, pit_app.sid)
            _wait(lambda: len({c.lease_owner for c in store.list_callbacks(pit_app.sid)} - {None}) == processes)
            authorizations.revoke(store, other_user.sid, other_app.sid)  # every sender is at the tarpit
            receiver.wait_for(lambda got: len(got) == 1, timeout=TIMEOUT + 5)
    finally:
        for server in servers:
            stop_server(server)
        drop_database_url(backend, url)


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    eventually(condition, "condition not met in time", timeout)
