"""The per-account concurrency limit, as Twilio answers it: 429 / 20429 with Retry-After, counted across
the workers of a server; off by default."""

import os
import time
from pathlib import Path

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from connectapps.ops.limits import Limiter, create_file
from tests.conftest import Server, start_server, stop_server
from tests.envelope import assert_error
from tests.eventually import eventually
from tests.ops.load import SlowUpload

LIMIT = 2


def _fetch(server: Server, sid: str, token: str) -> requests.Response:
    # A new connection each time: the kernel hands them to either worker.
    return requests.get(f"{server.url}/2010-04-01/Accounts/{sid}.json", auth=(sid, token), timeout=10,
                        headers={"Connection": "close"})


def test_a_burst_beyond_the_limit_is_answered_429_across_workers(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'limit.db'}", tmp_path, "--workers", "2", "--blocking-threads", "8",
                          "--account-concurrency", str(LIMIT))
    try:
        busy, other = server.account("Busy"), server.account("Other")
        app = server.app(busy, friendly_name="Held")
        first = _fetch(server, busy.sid, busy.auth_token)
        assert first.status_code == 200 and first.headers["Twilio-Concurrent-Requests"] == "1"
        uploads = [SlowUpload(server, busy, app.sid, f"Held {n}") for n in range(LIMIT)]  # in flight until finished
        deadline = time.monotonic() + 20
        while _fetch(server, busy.sid, busy.auth_token).status_code != 429:  # both are past authentication
            assert time.monotonic() < deadline, "the held requests were never counted"
            time.sleep(0.05)

        burst = [_fetch(server, busy.sid, busy.auth_token) for _ in range(20)]
        assert {resp.status_code for resp in burst} == {429}
        for resp in burst:
            assert_error(resp, 429, 20429, "Too Many Requests")
            assert resp.headers["Retry-After"] == "1"
            assert resp.headers["Twilio-Concurrent-Requests"] == str(LIMIT)
        with pytest.raises(TwilioRestException) as refused:  # the official client reads it as Twilio's
            server.client(busy).api.v2010.accounts(busy.sid).fetch()
        assert (refused.value.status, refused.value.code) == (429, 20429)
        assert _fetch(server, other.sid, other.auth_token).status_code == 200  # per account
        wrong = _fetch(server, busy.sid, "0" * 32)
        assert wrong.status_code == 401  # strangers are refused before they are counted

        assert [upload.finish()[0] for upload in uploads] == [200] * LIMIT
        assert _fetch(server, busy.sid, busy.auth_token).status_code == 200  # the counts ended with the requests
        def limited() -> list[str] | None:  # access lines are written within ops.logs.ACCESS_FLUSH_S
            lines = [line for line in server.log.read_text().splitlines() if '"status":429' in line]
            return lines if len(lines) >= 20 else None

        assert all('"error_code":20429' in line for line in eventually(limited, "20 lines of 429s logged"))
    finally:
        stop_server(server)


def test_off_by_default(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'free.db'}", tmp_path, "--blocking-threads", "8")
    try:
        account = server.account("Free")
        app = server.app(account, friendly_name="Held")
        uploads = [SlowUpload(server, account, app.sid, f"Held {n}") for n in range(5)]
        resp = _fetch(server, account.sid, account.auth_token)
        assert resp.status_code == 200 and "Twilio-Concurrent-Requests" not in resp.headers
        assert [upload.finish()[0] for upload in uploads] == [200] * 5
    finally:
        stop_server(server)


@pytest.fixture
def table(tmp_path: Path) -> str:
    path = str(tmp_path / "table")
    create_file(path)
    return path


def test_the_count_of_a_worker_that_died_is_freed(table: str) -> None:
    sid = "AC" + "a" * 32
    pid = os.fork()
    if pid == 0:  # a worker that takes both slots and dies without answering
        child = Limiter(LIMIT, table)
        child.enter(sid)
        child.enter(sid)
        os._exit(0)
    os.waitpid(pid, 0)
    limiter = Limiter(LIMIT, table)
    slot, in_flight = limiter.enter(sid)
    assert slot is not None and in_flight == 1
    assert limiter.enter(sid)[0] is not None
    assert limiter.enter(sid) == (None, LIMIT)


def test_two_processes_share_one_count(table: str) -> None:
    sid = "AC" + "b" * 32
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a live worker holding one request
        Limiter(LIMIT, table).enter(sid)
        os.write(write, b"x")
        time.sleep(30)
        os._exit(0)
    try:
        os.read(read, 1)
        limiter = Limiter(LIMIT, table)
        slot, in_flight = limiter.enter(sid)
        assert slot is not None and in_flight == 2
        assert limiter.enter(sid) == (None, 2)
        limiter.leave(slot)
        assert limiter.enter(sid)[1] == 2
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
