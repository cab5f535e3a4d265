"""Fault injection: for a route pattern and method, answer a chosen error, or answer late.

A fault matches a request by method (or ``*``) and path pattern (``*`` matches within one path
segment, ``**`` across segments), then applies with a probability or to the next N matching
requests (then it is spent and removed). It answers Twilio's error envelope with the given
status and Twilio code — what a client's error handling must cope with — or adds latency
before the request is answered normally (or both: late, then the error). Per process, in memory.
"""

import random
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from typing import Any

from connectapps.wire.errors import TwilioError

MAX_FAULTS = 100
MAX_LATENCY_MS = 60_000
METHODS = ("*", "GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS")


class FaultError(ValueError):
    """A fault definition that cannot be used; the message says which field."""


@dataclass
class Fault:
    id: str
    method: str
    path: str
    status: int | None  # None: no error, latency only
    code: int | None
    message: str
    latency_ms: int
    probability: float
    times: int | None  # None: until cleared
    matched: int = 0
    applied: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def error(self) -> TwilioError | None:
        if self.status is None:
            return None
        return TwilioError(self.status, self.code if self.code is not None else self.status, self.message)


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*)", path)
    regex = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return re.compile(regex + r"\Z")


def parse(body: Any) -> Fault:
    """A fault from the admin API's JSON; FaultError naming the wrong field."""
    if not isinstance(body, dict):
        raise FaultError("the body must be a JSON object")
    allowed = {"method", "path", "status", "code", "message", "latency_ms", "probability", "times"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise FaultError(f"unknown field {unknown[0]} (expected: {', '.join(sorted(allowed))})")
    path = body.get("path")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 1024:
        raise FaultError("path: required, a path pattern starting with / (* within a segment, ** across)")
    if path.startswith("/__admin"):
        raise FaultError("path: the admin API cannot be faulted")
    method = str(body.get("method", "*")).upper()
    if method not in METHODS:
        raise FaultError(f"method: one of {', '.join(METHODS)}")
    status = _int(body, "status", None, 400, 599)
    code = _int(body, "code", None, 1, 99_999)
    latency = _int(body, "latency_ms", 0, 0, MAX_LATENCY_MS) or 0
    times = _int(body, "times", None, 1, 1_000_000)
    probability = body.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 < probability <= 1:
        raise FaultError("probability: a number more than 0, at most 1")
    if status is None and latency == 0:
        raise FaultError("a fault needs a status (with an optional code) or latency_ms, or both")
    message = body.get("message", "Injected fault")
    if not isinstance(message, str) or len(message) > 1024:
        raise FaultError("message: a string of at most 1024 characters")
    return Fault("FI" + secrets.token_hex(16), method, path, status, code, message, latency, float(probability), times)


def _int(body: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FaultError(f"{name}: an integer from {low} to {high}")
    return value


class Faults:
    def __init__(self) -> None:
        self._faults: list[tuple[Fault, re.Pattern[str]]] = []
        self._lock = threading.Lock()
        self._random = random.Random()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            if len(self._faults) >= MAX_FAULTS:
                raise FaultError(f"at most {MAX_FAULTS} faults at once: clear some first")
            self._faults.append((fault, _pattern(fault.path)))
        return fault

    def list(self) -> list[Fault]:
        with self._lock:
            return [fault for fault, _ in self._faults]

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            kept = [(f, p) for f, p in self._faults if f.id != fault_id]
            removed = len(kept) != len(self._faults)
            self._faults = kept
        return removed

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults = []
        return count

    def pick(self, method: str, path: str) -> Fault | None:
        """The first fault that applies to this request (counted), or None. A fault given ``times``
        is removed once it has applied that many times."""
        if not self._faults:
            return None
        with self._lock:
            for fault, pattern in self._faults:
                if fault.method not in ("*", method) or pattern.match(path) is None:
                    continue
                fault.matched += 1
                if fault.probability < 1 and self._random.random() >= fault.probability:
                    continue
                fault.applied += 1
                if fault.times is not None and fault.applied >= fault.times:
                    self._faults = [(f, p) for f, p in self._faults if f is not fault]
                return fault
        return None
