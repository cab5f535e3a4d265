"""Durability: a killed server loses no callback; two servers never send one row at once.

Plus the in-process check that a claim whose sender died is logged as interrupted. Runs on
both backends: on PostgreSQL the claim is FOR UPDATE SKIP LOCKED, on SQLite a single write.
"""

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectapps.delivery.worker import INTERRUPTED, Settings, Worker
from connectapps.domain import authorizations
from connectapps.domain.store import Store
from connectapps.store import open_store
from tests.conftest import Server, start_server, stop_server
from tests.delivery.helpers import (
    FAST,
    LOOPBACK,
    all_delivered,
    authorized_app,
    claim_expired,
    delivered_keys,
    queue_callbacks,
)
from tests.processes import children
from tests.receiver import Receiver, receiving

QUEUED = 40


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def test_a_claim_whose_sender_died_is_logged_as_interrupted(store: Store, receiver: Receiver) -> None:
    app = queue_callbacks(store, f"{receiver.url}/deauth", 1)
    # A sender claims the row and dies before recording anything; its lease has run out.
    (dead,) = claim_expired(store, "dead-sender")
    assert dead.connect_app_sid == app.sid
    assert Worker(store, Settings(timeout=2, lease=8), LOOPBACK).run_once() == 1
    (callback,) = store.list_callbacks(app.sid)
    log = store.callback_attempts(callback.id)
    assert [(a.error, a.status_code) for a in log] == [(INTERRUPTED, None), (None, 200)]
    assert callback.status == "delivered" and callback.attempts == 2 and callback.claims == 2


def test_sigkill_with_callbacks_queued_loses_none(database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    store = open_store(database_url)
    store.migrate()
    receiver.delay = 0.05  # slow enough that the kill lands mid-queue
    app = queue_callbacks(store, f"{receiver.url}/deauth", QUEUED)
    server = start_server(database_url, tmp_path, env=FAST)
    receiver.wait_for(lambda rs: len(rs) >= 3)
    workers = children(server.proc.pid)
    assert workers, "granian runs its worker in a child process"
    for pid in [server.proc.pid, *workers]:
        os.kill(pid, signal.SIGKILL)
    server.proc.wait()
    sent_before = len(receiver.requests)
    assert sent_before < QUEUED, "the kill came too late to test anything"
    restarted = start_server(database_url, tmp_path, env=FAST)
    try:
        receiver.wait_for(lambda rs: len({r.params["AccountSid"] for r in rs}) == QUEUED, timeout=60)
        callbacks = all_delivered(store, app.sid)
        interrupted = {c.account_sid for c in callbacks if _has_interrupted(store, c.id)}
    finally:
        stop_server(restarted)
        server.store.close()
        store.close()
    counts = delivered_keys(receiver)
    assert len(counts) == QUEUED  # every one arrived, at least once
    twice = {sid for sid, n in counts.items() if n > 1}
    assert twice <= interrupted, "a second delivery happened only for a send the crash interrupted"


def _has_interrupted(store: Store, callback_id: str) -> bool:
    return any(a.error == INTERRUPTED for a in store.callback_attempts(callback_id))


def test_two_servers_never_send_the_same_row_at_once(database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    store = open_store(database_url)
    store.migrate()
    receiver.delay = 0.1
    app, users = authorized_app(store, f"{receiver.url}/deauth", QUEUED)
    servers: list[Server] = [start_server(database_url, tmp_path, env=FAST) for _ in range(2)]
    try:
        for user in users:  # both servers are polling: both take part
            authorizations.revoke(store, user.sid, app.sid)
        receiver.wait_for(lambda rs: len(rs) >= QUEUED, timeout=60)
        callbacks = all_delivered(store, app.sid)
        senders = {a.sender for c in callbacks for a in store.callback_attempts(c.id)}
    finally:
        for server in servers:
            stop_server(server)
        store.close()
    counts = delivered_keys(receiver)
    assert len(counts) == QUEUED and set(counts.values()) == {1}, "each callback sent exactly once"
    assert len(senders) == 2, "both servers took part"
