"""Graceful stops under load: a rolling restart (SIGHUP) loses no request, and SIGTERM finishes what was
accepted — requests and a deauthorize callback in flight — then exits 0."""

import os
import signal
import threading
import time
from pathlib import Path

import requests

from connectapps.domain import authorizations
from tests.conftest import Server, drop_database_url, fresh_database_url, start_server, stop_server
from tests.ops.load import Load, SlowUpload
from tests.ops.logs import entries
from tests.receiver import Received, receiving

CALLBACKS = {
    "CONNECTAPPS_CALLBACK_TIMEOUT": "5",
    "CONNECTAPPS_CALLBACK_LEASE": "60",
    "CONNECTAPPS_CALLBACK_POLL_INTERVAL": "0.05",
    "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "loopback",
}


def _events(server: Server, name: str) -> list[dict[str, object]]:
    return [entry for entry in entries(server) if name in (entry["event"], entry["message"])]


def _wait_for_log(server: Server, name: str, count: int, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while len(_events(server, name)) < count:
        assert time.monotonic() < deadline, f"{name!r} not logged {count} times:\n{server.log.read_text()[-3000:]}"
        time.sleep(0.05)


def test_a_rolling_restart_of_two_workers_under_load_loses_no_request(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'rolling.db'}", tmp_path, "--workers", "2")
    try:
        account = server.account("Loaded")
        path = f"{server.url}/2010-04-01/Accounts/{account.sid}.json"

        def fetch(session: requests.Session | None) -> requests.Response:
            return (session or requests).get(path, auth=(account.sid, account.auth_token), timeout=30)

        with Load(fetch) as load:
            time.sleep(1.0)
            os.kill(server.proc.pid, signal.SIGHUP)  # Granian: new worker, then the old one stopped, one by one
            _wait_for_log(server, "Stopped old worker-2", 1)
            restarted = time.monotonic()
            time.sleep(1.0)
        assert load.failed() == [], load.failed()[:5]
        assert [o for o in load.outcomes if o.refused] == []
        assert load.answered(after=restarted) > 0
        stopped = _events(server, "worker_stopped")
        assert len(stopped) == 2 and all(e["unfinished"] == 0 for e in stopped)
    finally:
        stop_server(server)
    assert server.proc.returncode == 0


def test_sigterm_finishes_requests_and_callbacks_in_flight_and_exits_0(backend: str, tmp_path: Path) -> None:
    """Requests the server is reading when told to stop (their bodies still arriving) are answered in full,
    as is a deauthorize callback waiting for its receiver; the load around them sees answers, then refusals
    (a stopped server accepts no connection: a load balancer in front moves them elsewhere), never a 5xx."""
    url = fresh_database_url(backend, tmp_path)
    server = start_server(url, tmp_path, "--workers", "2", env=CALLBACKS)
    arrived = threading.Event()

    def slow(received: Received) -> tuple[int, dict[str, str]]:
        arrived.set()
        time.sleep(1.5)  # the server is told to stop while this callback waits for its answer
        return 200, {}

    try:
        account = server.account("Loaded")
        own = server.app(account, friendly_name="Own app")

        def fetch(session: requests.Session | None) -> requests.Response:
            return (session or requests).get(f"{server.url}/2010-04-01/Accounts/{account.sid}.json",
                                             auth=(account.sid, account.auth_token), timeout=30)

        with receiving() as receiver, Load(fetch) as load:
            receiver.behaviour = slow
            app = server.app(server.account("Vendor"), friendly_name="Slow receiver",
                             deauthorize_callback_method="POST", deauthorize_callback_url=f"{receiver.url}/deauth")
            authorizations.authorize(server.store, app, account)
            authorizations.revoke(server.store, account.sid, app.sid)
            assert arrived.wait(20)
            uploads = [SlowUpload(server, account, own.sid, f"Renamed {n}") for n in range(4)]
            time.sleep(0.5)  # their headers are read and the application waits for the rest of each body
            signalled = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            answers = [upload.finish() for upload in uploads]
            assert server.proc.wait(30) == 0
        (callback,) = server.store.list_callbacks(app.sid)
        attempts = server.store.callback_attempts(callback.id)
        assert callback.status == "delivered" and [a.status_code for a in attempts] == [200], attempts
        assert all(status == 200 and f"Renamed {n}" in body for n, (status, body) in enumerate(answers)), answers
        assert [o for o in load.outcomes if o.status is not None and o.status != 200] == []
        assert all(o.started >= signalled - 1 for o in load.outcomes if o.error is not None)
        assert load.answered() > 0
        assert [e["unfinished"] for e in _events(server, "worker_stopped")] == [0, 0]
    finally:
        stop_server(server)
        drop_database_url(backend, url)
