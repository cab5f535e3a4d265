"""A steady client load on a server, for the restart tests: every request's outcome is kept."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from connectapps.domain.models import Account
from tests.conftest import Server

Request = Callable[[requests.Session | None], requests.Response]


@dataclass
class Outcome:
    started: float
    ended: float
    status: int | None = None
    error: str | None = None
    refused: bool = False  # no connection: the server had stopped accepting (never a lost request)
    keep_alive: bool = False


@dataclass
class Load:
    """``clients`` threads sending ``request`` in a loop until stopped: half open a connection for each
    request, half keep their connection alive. Both send an idempotent request again when the server
    closed its connection without answering (RFC 9112, 9.3.1): a stopping Granian worker closes the
    connections on which it has read no request yet, and one may have just been sent."""

    request: Request
    clients: int = 4
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        for n in range(self.clients):
            thread = threading.Thread(target=self._run, args=(n % 2 == 0,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, keep_alive: bool) -> None:
        session = _retrying_session()
        if not keep_alive:
            session.headers["Connection"] = "close"
        while not self._stop.is_set():
            outcome = Outcome(time.monotonic(), 0.0, keep_alive=keep_alive)
            try:
                outcome.status = self.request(session).status_code
            except requests.ConnectionError as exc:
                outcome.refused = _refused(exc)
                outcome.error = repr(exc)[:300]
                if outcome.refused:
                    time.sleep(0.01)
            except requests.RequestException as exc:
                outcome.error = repr(exc)[:300]
            outcome.ended = time.monotonic()
            with self._lock:
                self.outcomes.append(outcome)

    def failed(self) -> list[Outcome]:
        """Requests that reached the server and got no good answer: an error on an accepted connection
        (reset, empty reply, timeout) or a status other than 2xx/3xx."""
        return [o for o in self.outcomes
                if (o.error is not None and not o.refused) or (o.status is not None and o.status >= 400)]

    def answered(self, after: float = 0.0) -> int:
        return sum(1 for o in self.outcomes if o.status is not None and o.started >= after)


def _retrying_session() -> requests.Session:
    """A client as HTTP wants one (RFC 9112, 9.3.1): an idempotent request whose connection the server
    closed before any answer is sent again on a new connection."""
    session = requests.Session()
    retry = Retry(total=2, connect=0, read=2, status=0, allowed_methods={"GET", "HEAD"}, backoff_factor=0)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def _refused(exc: requests.ConnectionError) -> bool:
    """A connection the server never accepted (ECONNREFUSED), as opposed to one it dropped."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (NewConnectionError, ConnectionRefusedError)):
            return True
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "reason", None)
    return False


class SlowUpload:
    """A POST whose body is sent in two halves on a raw connection: in flight until ``finish``."""

    def __init__(self, server: Server, account: Account, app_sid: str, name: str) -> None:
        self.body = urlencode({"FriendlyName": name}).encode()
        credentials = base64.b64encode(f"{account.sid}:{account.auth_token}".encode()).decode()
        host, port = server.url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        head = (f"POST /2010-04-01/Accounts/{account.sid}/ConnectApps/{app_sid}.json HTTP/1.1\r\n"
                f"Host: {host}\r\nAuthorization: Basic {credentials}\r\nConnection: close\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(self.body)}\r\n\r\n")
        self.sock.sendall(head.encode() + self.body[:5])

    def finish(self) -> tuple[int, str]:
        self.sock.sendall(self.body[5:])
        chunks = []
        while chunk := self.sock.recv(65536):
            chunks.append(chunk)
        self.sock.close()
        response = b"".join(chunks).decode()
        status = int(response.split(" ", 2)[1]) if response else 0
        return status, response.partition("\r\n\r\n")[2]
