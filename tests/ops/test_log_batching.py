"""Access lines are written in batches (ops/logs.py ``_AccessLines``): never lost by a stop, never
out of order with the server's other lines, and on their way within ``ACCESS_FLUSH_S`` when idle."""

import json
import logging
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
        root.propagate = True  # pytest adds its capture to loggers that do not propagate, not to this one
        try:
            yield path
        finally:
            logs.flush_access()
            root.handlers[:], root.level, root.propagate = saved


def _access() -> logging.Logger:
    """The access logger, once the batched path is the one its lines take (only handlers of ours)."""
    assert logs._json_streams_only(), logging.getLogger("connectapps").handlers
    return logging.getLogger("connectapps.access")


def _write(access: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """An access line, as ops/access.py makes one."""
    logs.write_access(access, {"time": logs.now(), "level": "info", "logger": access.name, "event": "request",
                               "message": message, **fields})


def _messages(path: Path) -> list[str]:
    return [json.loads(line)["message"] for line in path.read_text().splitlines()]


def test_waiting_lines_are_written_within_the_flush_interval(log_file: Path) -> None:
    access = _access()
    for n in range(3):
        _write(access, f"GET /{n} 200", {"status": 200})
    written = eventually(lambda: _messages(log_file) or None, "the access lines written",
                         timeout=10 * logs.ACCESS_FLUSH_S + 2)
    assert written == ["GET /0 200", "GET /1 200", "GET /2 200"]


def test_another_line_writes_the_waiting_access_lines_first(log_file: Path) -> None:
    access = _access()
    _write(access, "GET /first 200", {"status": 200})
    _write(access, "GET /second 200", {"status": 200})
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
        nanoseconds = round(instant * 1_000_000) * 1000  # the instant to the µs, as the formatter takes it
        monkeypatch.setattr(time, "time_ns", lambda nanoseconds=nanoseconds: nanoseconds)
        record = logging.makeLogRecord({"created": instant, "msg": "x"})
        assert logs.now() == logs._entry(record)["time"], instant


def test_a_json_line_escapes_line_breaks_only_where_there_are_any() -> None:
    plain = {"path": "/2010-04-01/Accounts.json", "n": 1}
    assert logs.json_line(plain) == json.dumps(plain, separators=(",", ":")).encode()
    broken = {"path": "/a\x85b\u2028c\u2029d", "name": "é"}
    line = logs.json_line(broken)
    assert b"\n" not in line and line.decode().splitlines() == [line.decode()]
    assert json.loads(line) == broken


def test_lines_of_every_length_are_written_whole_and_in_order(log_file: Path) -> None:
    """Lines that fill the buffer many times over, one of them longer than a whole buffer."""
    access = _access()
    sizes = [10, 300, 4_000, logs.ACCESS_BUFFER_MAX - 200, 50, logs.ACCESS_BUFFER_MAX + 1_000, 7, 20_000] * 3
    sent = [f"GET /{n} {'x' * size}" for n, size in enumerate(sizes)]
    for message in sent:
        _write(access, message, {"status": 200})
    logs.flush_access()
    assert _messages(log_file) == sent


def test_threads_logging_at_once_lose_no_line_and_tear_none(log_file: Path) -> None:
    access = _access()

    def log_many(thread: int) -> None:
        for n in range(2_000):
            _write(access, f"GET /{thread}/{n} 200", {"status": 200, "pad": "p" * (n % 500)})

    loggers = [threading.Thread(target=log_many, args=(thread,)) for thread in range(4)]
    for logger in loggers:
        logger.start()
    for logger in loggers:
        logger.join()
    logs.flush_access()
    written = _messages(log_file)  # every line parses: none was torn
    assert sorted(written) == sorted(f"GET /{thread}/{n} 200" for thread in range(4) for n in range(2_000))
    for thread in range(4):  # each thread's own lines in the order it logged them
        mine = [message for message in written if message.startswith(f"GET /{thread}/")]
        assert mine == [f"GET /{thread}/{n} 200" for n in range(2_000)]


def test_waiting_lines_are_copied_into_the_buffer_not_kept_as_objects(log_file: Path) -> None:
    """A line kept as its own object until the batch is written pinned a block of the C heap each
    (docs/benchmarks.md): the waiting lines take no memory beyond the buffer made at the start."""
    access = _access()
    _write(access, "GET /warm 200", {"status": 200})  # the flusher thread, the time stamp
    logs.flush_access()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(100):  # ~10 KiB: far from a full buffer, so none is written yet
            _write(access, f"GET /{n:03d} 200", {"status": 200, "pad": "p" * 20})
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2_000, grown  # 100 lines kept as bytes objects: over 13,000
    logs.flush_access()
    assert _messages(log_file)[-100:] == [f"GET /{n:03d} 200" for n in range(100)]
