"""The request journal: the last N API requests this process answered, for tests to assert on.

Each entry holds what a test needs to see what its code sent and got — method, path, query,
who called (principal kind and SID), status, Twilio error code, duration — and never a secret:
no header, no body, no credential (the principal is the Account SID the credentials proved).
Kept in memory, per process: the admin API needs a server of one worker (``serve`` refuses more).
"""

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import falcon

from connectapps.domain.access import Principal
from connectapps.wire import uris

ACCOUNT = "account"
CONNECT_APP = "connect_app"
ANONYMOUS = "none"
QUERY_MAX = 2048  # a query longer than this is kept cut to it


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    date: str
    method: str
    path: str
    query: str
    principal_kind: str
    principal_sid: str | None
    connect_app_sid: str | None
    status: int
    error_code: int | None
    duration_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def principal_of(principal: Principal | None) -> tuple[str, str | None, str | None]:
    """(kind, SID, acting Connect App): an account with its own token, or an app acting for one."""
    if principal is None:
        return ANONYMOUS, None, None
    if principal.delegation is not None:
        return CONNECT_APP, principal.account.sid, principal.delegation.connect_app_sid
    return ACCOUNT, principal.account.sid, None


class Journal:
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._next = 1

    def record(self, req: falcon.Request, resp: falcon.Response, started: float) -> None:
        kind, sid, app = principal_of(getattr(req.context, "principal", None))
        status = resp.status if isinstance(resp.status, int) else int(str(resp.status).split()[0])
        with self._lock:
            entry = Entry(
                id=self._next, date=datetime.now(UTC).isoformat(timespec="milliseconds"), method=req.method,
                path=req.path,
                query=req.query_string[:QUERY_MAX], principal_kind=kind, principal_sid=sid,
                connect_app_sid=app,
                status=status, error_code=getattr(resp.context, "twilio_code", None),
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
            )
            self._next += 1
            self._entries.append(entry)

    def entries(self, filters: dict[str, str], limit: int | None = None) -> list[Entry]:
        """Oldest first, only those matching every filter (exact; ``path`` may end with ``*``)."""
        with self._lock:
            found = [e for e in self._entries if _matches(e, filters)]
        return found[-limit:] if limit else found

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count


FILTERS = ("method", "path", "principal_kind", "principal_sid", "connect_app_sid", "status", "error_code")


def _matches(entry: Entry, filters: dict[str, str]) -> bool:
    for name, wanted in filters.items():
        value = getattr(entry, name)
        if name == "path" and wanted.endswith("*"):
            if not entry.path.startswith(wanted[:-1]):
                return False
        elif name == "method":
            if entry.method != wanted.upper():
                return False
        elif ("" if value is None else str(value)) != wanted:
            return False
    return True


def journaled(path: str) -> bool:
    """Which requests are journaled: those of the REST API."""
    return path.startswith(uris.API_VERSION + "/") or path == uris.API_VERSION
