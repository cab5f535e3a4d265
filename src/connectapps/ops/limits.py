"""A per-account limit on API requests in flight, shared by every worker of a server.

Off unless ``CONNECTAPPS_ACCOUNT_CONCURRENCY`` (``serve --account-concurrency N``) is set: an emulator
answers everything. With it, an authenticated API request beyond N in flight for its Account SID is
answered 429 / 20429 at once, as Twilio does ("not processed and safe to retry").

**Shared.** The counts live in one small file that ``serve`` creates for the run and every worker maps
into memory: a table of buckets (by a hash of the SID) of slots (SID, worker pid, count). Changes are
made under a lock of the whole file (``fcntl``; a thread lock first, as those locks belong to the
process), so the limit holds across workers. A slot of a worker that died with requests in flight is
freed when its count would refuse a request (the pid no longer exists). Should a bucket be full
(more than ``SLOTS`` accounts with requests in flight hash together), a request is let through
uncounted: the limit protects, it never refuses wrongly. Per server: servers sharing a database
each count their own.
"""

import contextlib
import fcntl
import mmap
import os
import struct
import threading
import zlib
from typing import Any

LIMIT_ENV = "CONNECTAPPS_ACCOUNT_CONCURRENCY"
FILE_ENV = "CONNECTAPPS_CONCURRENCY_FILE"
BUCKETS = 1024
SLOTS = 16
_SLOT = struct.Struct("=34sii")  # Account SID, worker pid, requests in flight
_SIZE = BUCKETS * SLOTS * _SLOT.size
UNCOUNTED = -1


def limit() -> int:
    """Requests in flight allowed per account; 0: no limit (the default)."""
    value = os.environ.get(LIMIT_ENV, "").strip()
    try:
        number = int(value) if value else 0
    except ValueError:
        raise ValueError(f"{LIMIT_ENV} must be a whole number (0: no limit), not {value!r}") from None
    if number < 0:
        raise ValueError(f"{LIMIT_ENV} must be 0 or more, not {value}")
    return number


def create_file(path: str) -> None:
    """The empty table, before the workers start."""
    with open(path, "wb") as table:
        table.truncate(_SIZE)


class Limiter:
    """Counts requests in flight per account in the table at ``path`` (None: this process's memory only)."""

    def __init__(self, allowed: int, path: str | None = None) -> None:
        self.allowed = allowed
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR) if path else None
        self._map = mmap.mmap(self._fd if self._fd is not None else -1, _SIZE)

    @contextlib.contextmanager
    def _locked(self) -> Any:
        with self._lock:
            if self._fd is not None:
                fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if self._fd is not None:
                    fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def enter(self, sid: str) -> tuple[int | None, int]:
        """Count a request of ``sid``: (its slot — None if refused, ``UNCOUNTED`` if let through uncounted —,
        the account's requests in flight, this one included if admitted)."""
        key = sid.encode()[:34]
        pid = os.getpid()
        first = (zlib.crc32(key) % BUCKETS) * SLOTS
        with self._locked():
            total, mine, free = self._scan(first, key, pid)
            if total >= self.allowed:
                self._forget_dead(first, key)
                total, mine, free = self._scan(first, key, pid)
                if total >= self.allowed:
                    return None, total
            if mine is None and free is None:
                return UNCOUNTED, total + 1
            slot = mine if mine is not None else free
            assert slot is not None
            _, _, count = _SLOT.unpack_from(self._map, slot)
            _SLOT.pack_into(self._map, slot, key, pid, count + 1 if mine is not None else 1)
            return slot, total + 1

    def leave(self, slot: int) -> None:
        """A request counted in ``slot`` is answered."""
        if slot == UNCOUNTED:
            return
        with self._locked():
            key, pid, count = _SLOT.unpack_from(self._map, slot)
            _SLOT.pack_into(self._map, slot, key, pid, max(0, count - 1))

    def _scan(self, first: int, key: bytes, pid: int) -> tuple[int, int | None, int | None]:
        total, mine, free = 0, None, None
        for index in range(first, first + SLOTS):
            offset = index * _SLOT.size
            owner, owner_pid, count = _SLOT.unpack_from(self._map, offset)
            if count <= 0:
                if free is None:
                    free = offset
            elif owner.rstrip(b"\0") == key:
                total += count
                if owner_pid == pid:
                    mine = offset
        return total, mine, free

    def _forget_dead(self, first: int, key: bytes) -> None:
        for index in range(first, first + SLOTS):
            offset = index * _SLOT.size
            owner, owner_pid, count = _SLOT.unpack_from(self._map, offset)
            if count > 0 and owner.rstrip(b"\0") == key and not _alive(owner_pid):
                _SLOT.pack_into(self._map, offset, owner, owner_pid, 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_limiter: Limiter | None = None


def install() -> bool:
    """Set up this worker's limiter from the environment; whether a limit is on."""
    global _limiter
    allowed = limit()
    _limiter = Limiter(allowed, os.environ.get(FILE_ENV) or None) if allowed else None
    return _limiter is not None


def enter(context: Any, sid: str) -> bool:
    """Count this request (``context``: the request's) for ``sid``; False if the account is at its limit.
    Always True when no limit is on."""
    if _limiter is None or context.get("concurrency_slot") is not None:  # off, or counted already
        return True
    slot, in_flight = _limiter.enter(sid)
    context.concurrent_requests = in_flight
    if slot is None:
        return False
    context.concurrency_slot = slot
    return True


def leave(context: Any) -> None:
    """The request is answered: its count ends (if it was counted)."""
    slot = context.get("concurrency_slot")
    if slot is not None and _limiter is not None:
        context.concurrency_slot = None
        _limiter.leave(slot)


class Release:
    """Falcon middleware (when a limit is on): ends each request's count, and tells the client how many
    of its account's requests were in flight, in Twilio's ``Twilio-Concurrent-Requests`` header."""

    def process_response(self, req: Any, resp: Any, resource: Any, req_succeeded: bool) -> None:
        leave(req.context)
        in_flight = req.context.get("concurrent_requests")
        if in_flight is not None:
            resp.set_header("Twilio-Concurrent-Requests", str(in_flight))
