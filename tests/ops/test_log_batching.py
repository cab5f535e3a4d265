"""Access lines are written in batches (ops/logs.py ``_AccessLines``): never lost by a stop, never
out of order with the server's other lines, and on their way within ``ACCESS_FLUSH_S`` when idle."""

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connectapps.ops import logs
from tests.conftest import start_server, stop_server
from tests.eventually import eventually


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The package's log written to a file through the server's own handler and formatter."""
    path = tmp_path / "server.log"
    root = logging.getLogger("connectapps")
    saved = (root.handlers[:], root.level, root.propagate)
    with path.open("w") as stream:
        handler = logs.StreamHandler(stream)
        handler.setFormatter(logs.JsonFormatter())
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        root.propagate = False
        try:
            yield path
        finally:
            logs.flush_access()
            root.handlers[:], root.level, root.propagate = saved


def _messages(path: Path) -> list[str]:
    return [json.loads(line)["message"] for line in path.read_text().splitlines()]


def test_waiting_lines_are_written_within_the_flush_interval(log_file: Path) -> None:
    access = logging.getLogger("connectapps.access")
    for n in range(3):
        logs.write_access(access, f"GET /{n} 200", {"status": 200})
    written = eventually(lambda: _messages(log_file) or None, "the access lines written",
                         timeout=10 * logs.ACCESS_FLUSH_S + 2)
    assert written == ["GET /0 200", "GET /1 200", "GET /2 200"]


def test_another_line_writes_the_waiting_access_lines_first(log_file: Path) -> None:
    access = logging.getLogger("connectapps.access")
    logs.write_access(access, "GET /first 200", {"status": 200})
    logs.write_access(access, "GET /second 200", {"status": 200})
    logging.getLogger("connectapps.server").warning("something happened")
    assert _messages(log_file)[-3:] == ["GET /first 200", "GET /second 200", "something happened"]


def test_a_stop_right_after_the_requests_loses_none_of_their_lines(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'stop.db'}", tmp_path, env={"CONNECTAPPS_CALLBACKS": "off"})
    try:
        ids = [requests.get(f"{server.url}/health", timeout=5).headers["Twilio-Request-Id"] for _ in range(200)]
    finally:
        stop_server(server)  # SIGTERM at once: no time for a periodic flush to matter
    logged = {json.loads(line).get("request_id") for line in server.log.read_text().splitlines()}
    assert set(ids) <= logged


@pytest.mark.parametrize("instants", [
    [1_764_998_400.0, 1_764_998_400.0004, 1_764_998_400.0011],  # twice in one millisecond, then the next
    [1_764_998_400.9996, 1_764_998_401.0001],  # across a second
    [1_767_225_599.999, 1_767_225_600.0],  # across a year
])
def test_access_time_stamps_are_what_the_formatter_writes(
    instants: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The access line's ``time`` (made once a second and kept for a millisecond) is the formatter's text
    for the same instant, to the millisecond."""
    for instant in instants:
        monkeypatch.setattr(time, "time", lambda instant=instant: instant)
        record = logging.makeLogRecord({"created": instant, "msg": "x"})
        assert logs._now() == logs._entry(record)["time"], instant


def test_a_json_line_escapes_line_breaks_only_where_there_are_any() -> None:
    plain = {"path": "/2010-04-01/Accounts.json", "n": 1}
    assert logs.json_line(plain) == json.dumps(plain, separators=(",", ":")).encode()
    broken = {"path": "/a\x85b\u2028c\u2029d", "name": "é"}
    line = logs.json_line(broken)
    assert b"\n" not in line and line.decode().splitlines() == [line.decode()]
    assert json.loads(line) == broken
