"""Small HTTP servers for tests: a receiver of callbacks and redirects that remembers each request, and
a tarpit that answers one byte at a time."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.eventually import eventually


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
        def met() -> list[Received] | None:
            with self.lock:
                snapshot = list(self.requests)
            return snapshot if predicate(snapshot) else None

        def received() -> str:
            with self.lock:
                paths = [f"{r.method} {r.path}" for r in self.requests]
            return f"condition not met; received {len(paths)} requests: {paths}"

        return eventually(met, received, timeout)


@contextmanager
def receiving(host: str = "127.0.0.1", port: int = 0) -> Iterator[Receiver]:
    """A receiver on a loopback address (a free port unless given), for the duration of the block."""
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            receiver = holder["r"]
            started = time.monotonic()
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if len(raw) < length:
                return  # the sender hung up mid-request (e.g. killed): nothing was delivered
            body = raw.decode()
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
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(b"ok")  # a sender killed while we answered has nobody to read it

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    holder["r"] = Receiver(f"http://{host}:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["r"]
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Tarpit:
    """A receiver that answers ``200 OK`` one byte every ``every`` seconds, for ``total`` seconds;
    or, given ``at_once``, sends that at once and then trickles filler bytes (a slow body)."""

    url: str
    every: float
    total: float
    at_once: bytes = b""
    connections: int = 0
    abandoned: int = 0  # connections the sender closed before the answer was complete
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, conn: socket.socket) -> None:
        with self.lock:
            self.connections += 1
        started = time.monotonic()
        answer = b"" if self.at_once else b"HTTP/1.1 200 OK\r\nX-Slow: "
        try:
            conn.recv(65536)
            conn.sendall(self.at_once)
            for index in range(len(answer)):
                conn.sendall(answer[index:index + 1])
                time.sleep(self.every)
            while time.monotonic() - started < self.total:
                conn.sendall(b"a")
                time.sleep(self.every)
            if not self.at_once:
                conn.sendall(b"\r\nContent-Length: 0\r\n\r\n")
        except OSError:  # the sender hung up: it did not wait for the whole answer
            with self.lock:
                self.abandoned += 1
        finally:
            conn.close()


@contextmanager
def tarpit(
    host: str = "127.0.0.1", every: float = 0.2, total: float = 30.0, at_once: bytes = b""
) -> Iterator[Tarpit]:
    """A trickling receiver on a free port of ``host`` (any of 127.0.0.0/8 works on Linux)."""
    listener = socket.create_server((host, 0), backlog=64)
    pit = Tarpit(f"http://{host}:{listener.getsockname()[1]}", every, total, at_once)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=pit.serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield pit
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        listener.close()
