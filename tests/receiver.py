"""A small HTTP server that receives callbacks and redirects in tests, and remembers each request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    started: float
    ended: float = 0.0

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters, one value each."""
        return {k: v[-1] for k, v in (self.query | self.form).items()}


Behaviour = Callable[[Received], tuple[int, dict[str, str]]]
"""Decides the answer to a request: (status, headers)."""


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    behaviour: Behaviour = lambda received: (200, {})
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 30.0) -> list[Received]:
        """Poll until ``predicate(requests)`` holds (a bounded wait on another process, not a timing claim)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                snapshot = list(self.requests)
            if predicate(snapshot):
                return snapshot
            time.sleep(0.02)
        with self.lock:
            paths = [f"{r.method} {r.path}" for r in self.requests]
            raise AssertionError(f"condition not met in {timeout}s; received {len(paths)} requests: {paths}")


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free loopback port, for the duration of the block."""
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            receiver = holder["r"]
            started = time.monotonic()
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            received = Received(
                self.command, split.path, parse_qs(split.query, keep_blank_values=True),
                parse_qs(body, keep_blank_values=True), dict(self.headers.items()), started,
            )
            if receiver.delay:
                time.sleep(receiver.delay)
            status, headers = receiver.behaviour(received)
            received.ended = time.monotonic()
            with receiver.lock:
                receiver.requests.append(received)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["r"]
    finally:
        server.shutdown()
        server.server_close()
