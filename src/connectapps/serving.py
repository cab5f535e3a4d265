"""What ``connectapps serve`` sets up around Granian so that strangers cannot exhaust it.

- **Headers** are capped at HEADER_LIMIT bytes (HTTP/1.1 and HTTP/2): larger ones are refused with
  431 by the HTTP server itself, before any Python sees them.
- **Descriptors**: the soft ``RLIMIT_NOFILE`` is raised to the hard limit at start, so the number of
  connections is bounded by what the operator allows, not by a distribution's 1024 default.
- **Silent connections**: Granian (hyper) times out a request's headers only once their first byte
  has arrived; a connection that never sends one is kept forever. ``SilentConnections`` — a thread
  in each worker — closes the worker's accepted connections that have received no byte at all
  ``first_byte_timeout()`` seconds after the handshake (from the kernel's ``TCP_INFO``).
- **CPU policy**: ``serve`` runs its workers as ``SCHED_BATCH`` (Linux; ``CONNECTAPPS_CPU_POLICY=normal`` keeps
  the default). A worker's Python thread holds the GIL while Granian's I/O thread, on the same core, is
  woken by every arriving request; under the default policy the waking thread preempts the Python one,
  then waits for the GIL it holds, and the two switch ~1 time per request. Batch threads do not preempt
  on wake-up (the tick still shares the core), so a request runs to its end: measured in
  docs/benchmarks.md (fetch 18k -> 25k req/s on one core; context switches per request 1.2 -> 0.09).
- **The port**: Granian binds with ``SO_REUSEPORT`` (its workers share the port that way), so a second
  server on the same port would start silently and the kernel would split requests between the two.
  ``port_in_use`` binds once without it first.
"""

import contextlib
import errno
import os
import resource
import socket
import stat
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where it is used: the command line's other commands never load Granian
    from granian.http import HTTP1Settings, HTTP2Settings

HEADER_LIMIT = 64 * 1024
FIRST_BYTE_ENV = "CONNECTAPPS_FIRST_BYTE_TIMEOUT"
DEFAULT_FIRST_BYTE_TIMEOUT = 10.0

# struct tcp_info (linux/tcp.h): state at 0, last_data_recv (ms, u32) at 52, bytes_received (u64, Linux
# 4.1+) at 128. For a connection that never received data, last_data_recv counts from the handshake.
_TCP_INFO_LEN = 232
_TCP_ESTABLISHED = 1
_LAST_DATA_RECV = struct.Struct("=I")
_BYTES_RECEIVED = struct.Struct("=Q")


def first_byte_timeout() -> float:
    """Seconds a new connection may stay silent (``CONNECTAPPS_FIRST_BYTE_TIMEOUT``; 0 turns it off)."""
    value = os.environ.get(FIRST_BYTE_ENV, "").strip()
    seconds = float(value) if value else DEFAULT_FIRST_BYTE_TIMEOUT
    if seconds < 0:
        raise ValueError(f"{FIRST_BYTE_ENV} must be 0 or more, not {value}")
    return seconds


CPU_POLICY_ENV = "CONNECTAPPS_CPU_POLICY"
CPU_POLICIES = ("batch", "normal")


def cpu_policy() -> str:
    """``batch`` (the default) or ``normal``, from ``CONNECTAPPS_CPU_POLICY``."""
    value = os.environ.get(CPU_POLICY_ENV, "").strip().lower() or CPU_POLICIES[0]
    if value not in CPU_POLICIES:
        raise ValueError(f"{CPU_POLICY_ENV} must be one of {', '.join(CPU_POLICIES)}, not {value!r}")
    return value


def apply_cpu_policy(policy: str) -> bool:
    """Put this thread — and so the workers and threads it starts next — under ``policy``; whether
    ``SCHED_BATCH`` was set (False for ``normal``, and where the system has no such policy)."""
    if policy != "batch" or not hasattr(os, "SCHED_BATCH"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))  # lowering needs no privilege
    except OSError:
        return False
    return True


def raise_open_files_limit() -> tuple[int, int]:
    """Raise the soft limit on open descriptors to the hard limit; (soft before, soft now)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def port_in_use(host: str, port: int) -> bool:
    """Whether ``host:port`` cannot be bound by a socket that does not share its port: a server is
    already listening there (or another address of the host on that port). ``SO_REUSEADDR`` still
    lets a port with connections in TIME_WAIT be reused, as Granian does."""
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                               flags=socket.AI_PASSIVE):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
                raise
    return False


def http_settings() -> "tuple[HTTP1Settings, HTTP2Settings]":
    """Granian's HTTP/1.1 and HTTP/2 options: the header cap on both protocols."""
    from granian.http import HTTP1Settings, HTTP2Settings

    return HTTP1Settings(max_buffer_size=HEADER_LIMIT), HTTP2Settings(max_headers_size=HEADER_LIMIT)


@contextlib.contextmanager
def _borrowed(fd: int) -> Iterator[socket.socket]:
    """A socket object over ``fd`` that never closes it (the descriptor stays Granian's)."""
    sock = socket.socket(fileno=fd)
    try:
        yield sock
    finally:
        sock.detach()


def _open_descriptors() -> Sequence[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no descriptor left to list them with (EMFILE): look at every possible one
        return range(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _tcp_sockets() -> list[int]:
    found = []
    for fd in _open_descriptors():
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                found.append(fd)
        except OSError:
            continue
    return found


class SilentConnections(threading.Thread):
    """Closes this process's accepted connections that stay silent past ``timeout`` seconds."""

    def __init__(self, timeout: float) -> None:
        super().__init__(name="silent-connections", daemon=True)
        self.timeout_ms = int(timeout * 1000)
        self.interval = max(0.25, min(2.0, timeout / 4))

    def run(self) -> None:
        while True:
            time.sleep(self.interval)
            with contextlib.suppress(Exception):  # never let a sweep end the thread
                self.sweep()

    def sweep(self) -> int:
        """Shut down every silent connection once; how many were."""
        sockets = _tcp_sockets()
        ports = {port for fd in sockets if (port := _listening_port(fd)) is not None}
        closed = 0
        for fd in sockets:
            with contextlib.suppress(OSError), _borrowed(fd) as sock:
                if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM \
                        and sock.getsockname()[1] in ports and self._silent(sock):
                    sock.shutdown(socket.SHUT_RDWR)  # the server reads EOF and drops the connection
                    closed += 1
        return closed

    def _silent(self, sock: socket.socket) -> bool:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            return False
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_LEN)
        if len(info) < 136 or info[0] != _TCP_ESTABLISHED:
            return False
        received = int(_BYTES_RECEIVED.unpack_from(info, 128)[0])
        quiet_ms = int(_LAST_DATA_RECV.unpack_from(info, 52)[0])
        return received == 0 and quiet_ms >= self.timeout_ms


def _listening_port(fd: int) -> int | None:
    with contextlib.suppress(OSError), _borrowed(fd) as sock:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.getsockopt(
                socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            return int(sock.getsockname()[1])
    return None


def guard_worker() -> None:
    """Start this worker's closer of silent connections (unless turned off)."""
    timeout = first_byte_timeout()
    if timeout > 0:
        SilentConnections(timeout).start()
