"""The outbox sender: claims due callbacks under a lease, sends them concurrently, logs every attempt.

- **A bounded pool, fair between hosts.** Each process sends with ``concurrency`` threads. The
  dispatcher claims only as many callbacks as there are free threads, and never lets more than
  ``per_host`` sends go to one destination host at once: a slow or dead host holds at most that
  many threads, each for at most ``timeout``, while every other destination keeps its turn.
- **Every attempt ends.** ``timeout`` is one wall-clock deadline for the whole attempt
  (``sender``), and the lease must exceed it by ``LEASE_MARGIN`` (checked at start), so an attempt
  ends and is logged before its lease can run out. Should a process stall anyway, the outbox's
  recording rules (``store/outbox.py``) keep the log exact: a 2xx counts once, attempt numbers
  never collide, a delivered callback stays delivered.
- **Every callback ends.** Retries back off exponentially with full jitter; a retry that would
  start later than ``give_up_after`` after the callback was queued is not scheduled — it fails
  instead — and a claim that finds the previous claim interrupted past that point gives up without
  sending. A destination the egress policy refuses fails at once, with no network attempt.
- **At least once.** A sender that dies mid-send keeps its rows only until its lease runs out;
  the next claim logs the dead claim as interrupted and sends again.
"""

import contextlib
import dataclasses
import logging
import os
import queue
import random
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from connectapps.delivery import sender
from connectapps.delivery.egress import Policy
from connectapps.domain import meter
from connectapps.domain.authorizations import callback_destination
from connectapps.domain.models import DELIVERED, FAILED, PENDING, Callback, CallbackAttempt
from connectapps.domain.store import AccountStore, ConnectAppStore, OutboxStore
from connectapps.ops import logs

log = logging.getLogger("connectapps.delivery")
INTERRUPTED = "interrupted: the sender stopped before recording a result (the request may have been sent)"
APP_GONE = "the Connect App or its owner no longer exists"
LEASE_MARGIN = 5.0  # seconds a lease outlasts the attempt's deadline: to log the result, and clock skew
ENV_PREFIX = "CONNECTAPPS_CALLBACK_"
RECORD_TRIES = 3


def env_name(setting: str) -> str:
    return f"{ENV_PREFIX}{setting.upper()}"


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0  # seconds for a whole attempt: resolve, connect, TLS, send, answer
    lease: float = 60.0  # seconds a claim is ours; must exceed timeout + LEASE_MARGIN
    backoff_base: float = 2.0  # seconds before the first retry; doubles each time
    backoff_max: float = 3600.0
    give_up_after: float = 24 * 3600.0  # seconds since queued; no retry starts later
    poll_interval: float = 0.5
    concurrency: int = 16  # sends at once, per process
    per_host: int = 4  # sends at once to one destination host, per process

    def __post_init__(self) -> None:
        for name in ("timeout", "lease", "poll_interval", "backoff_base", "concurrency", "per_host"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{env_name(name)} must be more than 0")
        if self.lease <= self.timeout + LEASE_MARGIN:
            raise ValueError(
                f"{env_name('lease')} ({self.lease:g} s) must exceed {env_name('timeout')} ({self.timeout:g} s) "
                f"plus a {LEASE_MARGIN:g} s margin, so that every attempt ends and is logged before its "
                "lease can run out and another sender sends the callback again"
            )

    @classmethod
    def from_env(cls) -> "Settings":
        """``CONNECTAPPS_CALLBACK_TIMEOUT``, ``_LEASE``, ``_BACKOFF_BASE``, ``_BACKOFF_MAX``,
        ``_GIVE_UP_AFTER``, ``_POLL_INTERVAL`` (seconds), ``_CONCURRENCY``, ``_PER_HOST`` (counts)
        override the defaults; a ValueError says which one is wrong."""
        values: dict[str, float] = {}
        for field in dataclasses.fields(cls):
            raw = os.environ.get(env_name(field.name), "").strip()
            if raw:
                try:
                    values[field.name] = int(raw) if field.type is int else float(raw)
                except ValueError:
                    raise ValueError(f"{env_name(field.name)} must be a number, not {raw!r}") from None
        return cls(**values)  # type: ignore[arg-type]


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: exponential, full jitter."""
    ceiling = min(settings.backoff_max, settings.backoff_base * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


class SenderStore(OutboxStore, ConnectAppStore, AccountStore, Protocol):
    """What the sender uses: the outbox, and each callback's app and owner (whose token signs it)."""


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed callback, ready to send."""

    callback: Callback
    auth_token: str | None  # the app owner's, which signs it; None if the app or its owner is gone
    destination: str


class Worker:
    def __init__(self, store: SenderStore, settings: Settings, policy: Policy | None = None) -> None:
        self.store = store
        self.settings = settings
        self.policy = policy if policy is not None else Policy()
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Event()  # a send ended: a slot is free
        self._lock = threading.Lock()
        self._busy: Counter[str] = Counter()  # sends in progress, per destination host
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None

    def start(self) -> threading.Thread:
        """The sending threads and the dispatcher, all daemons of this process."""
        for number in range(self.settings.concurrency):
            threading.Thread(target=self._send_forever, name=f"callback-send-{number}", daemon=True).start()
        self._dispatcher = threading.Thread(target=self.run, name="callback-dispatch", daemon=True)
        self._dispatcher.start()
        return self._dispatcher

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def shutdown(self, grace: float) -> tuple[int, int]:
        """Stop for good (the process is exiting): claim nothing more, give back the claims no thread
        has started sending, and wait up to ``grace`` seconds for the sends in progress, each of which
        ends by its own deadline and is logged. Returns (claims given back, sends still unfinished):
        an unfinished send's claim runs out with its lease and the callback is sent again."""
        self.stop()
        if self._dispatcher is not None:
            self._dispatcher.join(grace)  # its round in progress ends: what it claimed is queued
        queued = []
        with contextlib.suppress(queue.Empty):
            while True:
                queued.append(self._jobs.get_nowait())
        released = self._give_back(queued)
        deadline = time.monotonic() + grace
        while self._in_flight() and time.monotonic() < deadline:
            self._wake.wait(0.05)
            self._wake.clear()
        return released, self._in_flight()

    def _in_flight(self) -> int:
        with self._lock:
            return sum(self._busy.values())

    def _give_back(self, jobs: list[Job]) -> int:
        """Release claims that were never sent, as if they had not been made (see store/outbox.py)."""
        if not jobs:
            return 0
        try:
            return self.store.release_claims(self.name, [job.callback for job in jobs])
        except Exception:  # their leases will run out instead
            log.exception("callback sender: giving back %d claims failed", len(jobs))
            return 0
        finally:
            for job in jobs:
                self._done(job)

    def run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                jobs = self.claim()
            except Exception:  # the database may be briefly away; keep going
                log.exception("callback sender: a round failed")
                jobs = []
            for job in jobs:
                self._jobs.put(job)
            if not jobs:
                self._wake.wait(self.settings.poll_interval)

    def run_once(self) -> int:
        """Claim what is due for the free slots and deliver it, waiting for every send; return
        how many were attempted (for tests and tools; a server uses ``start``)."""
        jobs = self.claim()
        threads = [threading.Thread(target=self._deliver_and_release, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return len(jobs)

    def claim(self) -> list[Job]:
        """Claim due callbacks for the free slots, oldest first, no host beyond its share."""
        with self._lock:
            taken = Counter(self._busy)
        free = self.settings.concurrency - sum(taken.values())
        if free <= 0:
            return []
        full = sorted(host for host, count in taken.items() if count >= self.settings.per_host)
        now = datetime.now(UTC)
        picked: list[str] = []
        for callback in self.store.due_callbacks(now, free * 2, full):
            host = destination(callback)
            if taken[host] < self.settings.per_host and len(picked) < free:
                picked.append(callback.id)
                taken[host] += 1
        lease_until = now + timedelta(seconds=self.settings.lease)
        jobs = []
        for callback in self.store.claim_callbacks(self.name, picked, now, lease_until):
            job = self.job(callback)
            with self._lock:
                self._busy[job.destination] += 1
            jobs.append(job)
        return jobs

    def job(self, callback: Callback) -> Job:
        """A claimed callback with the owner's token that signs it. Looked up on the dispatcher's
        thread: the sending threads never touch the store's per-thread cache (on PostgreSQL each
        thread's cache would hold a connection of its own)."""
        app = self.store.find_connect_app(callback.connect_app_sid)
        owner = self.store.get_account(app.account_sid) if app is not None else None
        return Job(callback, owner.auth_token if owner is not None else None, destination(callback))

    def _send_forever(self) -> None:
        while True:
            job = self._jobs.get()
            if self._stop.is_set():  # stopping: not sent, given back
                self._give_back([job])
            else:
                self._deliver_and_release(job)

    def _deliver_and_release(self, job: Job) -> None:
        try:
            self.deliver(job)
        except Exception:
            log.exception("callback %s: delivery failed", job.callback.id)
        finally:
            self._done(job)

    def _done(self, job: Job) -> None:
        with self._lock:
            self._busy[job.destination] -= 1
            if self._busy[job.destination] <= 0:
                del self._busy[job.destination]
        self._wake.set()

    def deliver(self, job: Job) -> None:
        """One attempt under claim ``callback.claims``, logged as attempt number ``callback.claims``."""
        callback = job.callback
        started = datetime.now(UTC)
        give_up_at = callback.date_created + timedelta(seconds=self.settings.give_up_after)
        previous_unlogged = callback.claims > 1 and callback.attempts < callback.claims - 1
        if job.auth_token is None:
            outcome = sender.Outcome(None, 0, APP_GONE, final=True)
        elif started >= give_up_at and previous_unlogged:
            logs.event(log, logging.WARNING, "callback_given_up", f"callback {callback.id}: given up (the previous "
                       "claim was interrupted past the retry period)", callback_id=callback.id, reason="interrupted")
            if self._finish(callback, None, FAILED, None):
                meter.callback_given_up()
            return
        elif not self._still_ours(callback):
            log.warning("callback %s: delivered or claimed again meanwhile; claim %d not sent",
                        callback.id, callback.claims)
            return
        else:
            params = {"AccountSid": callback.account_sid, "ConnectAppSid": callback.connect_app_sid}
            outcome = sender.send(
                callback.url, callback.method, params, job.auth_token, self.settings.timeout, self.policy
            )
        ended = datetime.now(UTC)
        status, next_at = DELIVERED, None
        if not outcome.delivered:
            next_at = ended + timedelta(seconds=backoff(self.settings, callback.claims))
            status = FAILED if outcome.final or next_at > give_up_at else PENDING
        _log_attempt(callback, outcome, status)
        attempt = CallbackAttempt(
            callback_id=callback.id, attempt=callback.claims, sender=self.name, date_started=started,
            status_code=outcome.status_code, latency_ms=outcome.latency_ms, error=outcome.error,
        )
        if not self._finish(callback, attempt, status, next_at if status == PENDING else None):
            if self.store.get_callback(callback.id) is None:  # deleted meanwhile: an admin reset or restore
                log.info("callback %s: gone before its result was recorded", callback.id)
            else:
                log.warning("callback %s: claim %d was not the newest when it reported (its attempt is logged)",
                            callback.id, callback.claims)
        elif status == FAILED:
            meter.callback_given_up()

    def _still_ours(self, callback: Callback) -> bool:
        """Just before sending: not delivered meanwhile, and no newer claim."""
        current = self.store.get_callback(callback.id)
        return current is not None and current.status == PENDING and current.claims == callback.claims

    def _finish(
        self, callback: Callback, attempt: CallbackAttempt | None, status: str, next_at: datetime | None
    ) -> bool:
        """Log the result, retrying a briefly unavailable database: a lost result means a resend."""
        now = datetime.now(UTC)
        interrupted = CallbackAttempt(
            callback_id=callback.id, attempt=0, sender="unknown", date_started=now,
            status_code=None, latency_ms=0, error=INTERRUPTED,
        )
        for remaining in range(RECORD_TRIES - 1, -1, -1):
            try:
                return self.store.finish_claim(callback, attempt, interrupted, status, next_at, now)
            except Exception:
                if not remaining:
                    raise
                log.warning("callback %s: logging the result failed; trying again", callback.id, exc_info=True)
                self._stop.wait(1.0)
        return False


def destination(callback: Callback) -> str:
    """The host a callback goes to (rows queued before destinations were stored: from its URL)."""
    return callback.destination or callback_destination(callback.url)


def outcome_label(outcome: sender.Outcome) -> str:
    """A bounded name for an attempt's outcome (the metrics' label): ``delivered``, ``http_error``,
    ``app_gone`` or a failure category with underscores."""
    if outcome.delivered:
        return "delivered"
    if outcome.status_code is not None:
        return "http_error"
    if outcome.error == APP_GONE:
        return "app_gone"
    return (outcome.error or "unknown").replace(" ", "_")


def _log_attempt(callback: Callback, outcome: sender.Outcome, status: str) -> None:
    """The operator's log of one attempt: the detail, but no path, query or signature."""
    label = outcome_label(outcome)
    meter.callback_attempt(label)
    where = _where(callback.url)
    fields = {"callback_id": callback.id, "attempt": callback.claims, "destination": where, "outcome": label,
              "status_code": outcome.status_code, "latency_ms": outcome.latency_ms, "next_status": status}
    if outcome.error is None:
        logs.event(log, logging.INFO, "callback_attempt", f"callback {callback.id} attempt {callback.claims} to "
                   f"{where}: delivered", **fields)
        return
    given_up = " (given up)" if status == FAILED else ""
    logs.event(log, logging.WARNING, "callback_given_up" if status == FAILED else "callback_attempt",
               f"callback {callback.id} attempt {callback.claims} to {where}: {outcome.error} ({outcome.detail})"
               f"{given_up}", **fields)


def _where(url: str) -> str:
    """Scheme, host and port for the operator's log: the path and query may hold an app's secrets."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{parts.hostname}{f':{port}' if port else ''}"
