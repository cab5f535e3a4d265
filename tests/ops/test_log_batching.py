"""Access lines are written in batches (ops/logs.py ``_AccessLines``): never lost by a stop, never
out of order with the server's other lines, and on their way within ``ACCESS_FLUSH_S`` when idle."""

import json
import logging
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
