"""One outbound callback request: checked against the egress policy, sent to the checked
address, and held to one wall-clock deadline.

- **Deadline.** ``timeout`` bounds the whole attempt — name resolution, connect, TLS handshake,
  sending, the status line and headers, and the (capped) body — not each socket operation: before
  every read or write the socket's timeout is set to what is left, so a receiver that trickles a
  byte every few seconds gains nothing. Name resolution runs on a helper thread that is abandoned
  at the deadline (the system resolver ends it on its own timeout).
- **Egress.** The host is resolved once; the addresses the policy refuses are dropped; if none is
  left the attempt ends as ``refused by policy`` before any packet goes to the destination. The
  connection goes to the checked address itself, while the ``Host`` header, TLS SNI and certificate
  check keep the URL's host name. Redirects are answers, never followed.
- **What a tenant sees.** Every failure becomes a short category (``CATEGORIES``); the exception's
  text goes only into ``Outcome.detail``, for the operator's log.
"""

import contextlib
import functools
import http.client
import io
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlencode, urlsplit

from connectapps.delivery.egress import Policy, kind
from connectapps.wire import signing

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "connectapps-callbacks/1"

REFUSED = "refused by policy"  # nothing sent: the egress policy refuses every address of the host
TIMEOUT = "timeout"  # the attempt's deadline passed
CONNECTION_FAILED = "connection failed"  # no connection (or no answer on it); the host did not resolve
TLS_FAILED = "TLS failed"  # the handshake or the certificate check failed
INVALID_RESPONSE = "invalid response"  # what came back was not an HTTP answer
INVALID_URL = "invalid URL"  # nothing sent: not an http(s) URL that can be requested
CATEGORIES = (REFUSED, TIMEOUT, CONNECTION_FAILED, TLS_FAILED, INVALID_RESPONSE, INVALID_URL)
"""Everything a failed attempt may say, besides ``HTTP <status>``."""


def http_status(code: int) -> str:
    return f"HTTP {code}"


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None  # a category from CATEGORIES or "HTTP <status>"; None when delivered
    detail: str = ""  # what happened, for the operator's log only (never shown to a tenant)
    final: bool = False  # retrying cannot help (refused by policy, an unusable URL)

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Refused(Exception):
    """The egress policy refuses every address of the destination."""


@dataclass(frozen=True, slots=True)
class Request:
    scheme: str
    host: str
    port: int
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


def prepare(url: str, method: str, params: dict[str, str], auth_token: str) -> Request:
    """The signed request: GET carries ``params`` in the query string, POST as a form body."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {parts.scheme or 'relative'}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    body: bytes | None = None
    headers = {"User-Agent": USER_AGENT, "Connection": "close"}
    if method == "GET":
        target_url = f"{url}{'&' if parts.query else '?'}{urlencode(params)}"
        headers[signing.HEADER] = signing.signature(auth_token, target_url)
    else:
        target_url = url
        body = urlencode(params).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers[signing.HEADER] = signing.signature(auth_token, url, params)
    target = urlsplit(target_url)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    return Request(parts.scheme, parts.hostname, port, method, path, body, headers)


def send(
    url: str, method: str, params: dict[str, str], auth_token: str, timeout: float, policy: Policy,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """Send the signed callback within ``timeout`` seconds in all. Never raises: every failure
    becomes an Outcome with a category (``tls`` replaces the system's CA context, for tests)."""
    started = time.monotonic()
    deadline = started + timeout
    try:
        request = prepare(url, method, params, auth_token)
    except ValueError as exc:
        return Outcome(None, _ms(started), INVALID_URL, _detail(exc), final=True)
    try:
        addresses = destinations(request.host, request.port, policy, deadline)
        status = exchange(request, addresses, deadline, tls)
    except Refused as exc:
        return Outcome(None, _ms(started), REFUSED, str(exc), final=True)
    except http.client.InvalidURL as exc:  # a path http.client will not send (control characters)
        return Outcome(None, _ms(started), INVALID_URL, _detail(exc), final=True)
    except Exception as exc:  # everything else a receiver can cause is a failed attempt, never a crash
        return Outcome(None, _ms(started), _category(exc, deadline), _detail(exc))
    return Outcome(status, _ms(started), None if 200 <= status < 300 else http_status(status))


def _category(exc: Exception, deadline: float) -> str:
    if isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
        return TIMEOUT
    if isinstance(exc, ssl.SSLError):
        return TLS_FAILED
    if isinstance(exc, OSError):  # refused, reset, unreachable, unknown host, closed early
        return CONNECTION_FAILED
    return INVALID_RESPONSE


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc!r}"[:300]


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the attempt's deadline passed")
    return left


Destination = tuple[socket.AddressFamily, Any]  # (family, sockaddr) as getaddrinfo gives them


def destinations(host: str, port: int, policy: Policy, deadline: float) -> list[Destination]:
    """The addresses ``host`` resolves to that the policy allows, in the resolver's order."""
    found: list[Destination] = []
    for family, _, _, _, sockaddr in resolve(host, port, deadline):
        if (family, sockaddr) not in found:
            found.append((family, sockaddr))
    if policy.allows_name(host):
        return found
    allowed = [d for d in found if policy.allows_address(ip_address(d[1][0]))]
    if not allowed:
        kinds = sorted({kind(ip_address(sockaddr[0])) for _, sockaddr in found})
        raise Refused(f"{host!r} resolves to {', '.join(kinds)} addresses only")
    return allowed


def resolve(host: str, port: int, deadline: float) -> list[Any]:
    """``getaddrinfo`` within the deadline: it cannot be interrupted, so it runs on a thread of its
    own that is left to finish alone if the deadline comes first."""
    box: list[Any] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            box.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP))
        except Exception as exc:  # handed to the waiting thread
            box.append(exc)
        finally:
            done.set()

    threading.Thread(target=lookup, name="callback-resolve", daemon=True).start()
    if not done.wait(_left(deadline)):
        raise TimeoutError(f"resolving {host} took too long")
    if isinstance(box[0], Exception):
        raise box[0]
    return list(box[0])


def exchange(request: Request, addresses: list[Destination], deadline: float, tls: ssl.SSLContext | None) -> int:
    """Connect to the first checked address that answers, send, and return the answer's status."""
    error: Exception = OSError("no address")
    for family, sockaddr in addresses:
        context = (tls or default_tls()) if request.scheme == "https" else None
        connection = PinnedConnection(request.host, request.port, family, sockaddr, deadline, context)
        try:
            connection.connect()
        except OSError as exc:
            connection.close()
            error = exc
            if isinstance(exc, TimeoutError | ssl.SSLError):
                raise
            continue
        try:
            connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = connection.getresponse()
            # The body: bounded, and within the deadline too. The status is what counts: an error in
            # (or a slow trickle of) the rest is not waited for.
            with contextlib.suppress(Exception):
                response.read(MAX_RESPONSE_BYTES)
            return response.status
        finally:
            connection.close()
    raise error


@functools.cache
def default_tls() -> ssl.SSLContext:
    """The system's CAs, hostname checked; built once (a context is safe to share between threads)."""
    return ssl.create_default_context()


class PinnedConnection(http.client.HTTPConnection):
    """http.client, connected to one checked address (never to a fresh DNS answer), with TLS SNI
    and certificate check for the URL's host name, and every socket operation within the deadline."""

    def __init__(
        self, host: str, port: int, family: socket.AddressFamily, sockaddr: Any, deadline: float,
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__(host, port)
        self.family = family
        self.sockaddr = sockaddr
        self.deadline = deadline
        self.tls = tls
        self.default_port = 443 if tls is not None else 80  # Host: carries the port only when unusual

    def connect(self) -> None:
        raw = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            raw.settimeout(_left(self.deadline))
            raw.connect(self.sockaddr)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock: socket.socket = raw
            if self.tls is not None:
                sock = self.tls.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
                sock.settimeout(_left(self.deadline))
                sock.do_handshake()  # one deadline for the whole handshake (CPython's _ssl)
        except BaseException:
            raw.close()
            raise
        self.sock = DeadlineSocket(sock, self.deadline)


class DeadlineSocket:
    """The few socket calls http.client makes, each given only the time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def _arm(self) -> None:
        self._sock.settimeout(_left(self._deadline))

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)

    def recv_into(self, buffer: Any, size: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, size)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(_Reader(self))

    def close(self) -> None:
        self._sock.close()


class _Reader(io.RawIOBase):
    def __init__(self, sock: DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)
