"""The outbox sender: claims due callbacks under a lease, sends them, records every attempt.

Retries use exponential backoff with full jitter until ``give_up_after`` has passed since the
callback was queued. A crash mid-delivery leaves the row leased; when the lease runs out another
sender (or this one, restarted) retries it — at least once delivery, never a lost callback.
"""

import logging
import os
import random
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectapps.delivery import sender
from connectapps.domain.models import DELIVERED, FAILED, PENDING, Callback, CallbackAttempt
from connectapps.store.interface import Store

log = logging.getLogger("connectapps.delivery")
INTERRUPTED = "interrupted: the sender stopped before recording a result (the request may have been sent)"


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0  # seconds per attempt
    lease: float = 60.0  # seconds a claimed row is ours; must exceed the timeout
    backoff_base: float = 2.0  # seconds before the first retry; doubles each time
    backoff_max: float = 3600.0
    give_up_after: float = 24 * 3600.0  # seconds since queued
    poll_interval: float = 0.5
    batch: int = 10

    @classmethod
    def from_env(cls) -> "Settings":
        """``CONNECTAPPS_CALLBACK_TIMEOUT``, ``_LEASE``, ``_BACKOFF_BASE``, ``_BACKOFF_MAX``,
        ``_GIVE_UP_AFTER``, ``_POLL_INTERVAL`` (seconds) override the defaults."""
        values = {}
        for field in ("timeout", "lease", "backoff_base", "backoff_max", "give_up_after", "poll_interval"):
            raw = os.environ.get(f"CONNECTAPPS_CALLBACK_{field.upper()}")
            if raw:
                values[field] = float(raw)
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.lease <= settings.timeout:
            raise ValueError("CONNECTAPPS_CALLBACK_LEASE must exceed CONNECTAPPS_CALLBACK_TIMEOUT")
        return settings


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: exponential, full jitter."""
    ceiling = min(settings.backoff_max, settings.backoff_base * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


class Worker:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="callback-sender", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:  # the database may be briefly away; keep going
                log.exception("callback sender: a round failed")
                sent = 0
            if sent == 0:
                self._stop.wait(self.settings.poll_interval)

    def run_once(self) -> int:
        """Claim and send one batch; return how many were attempted."""
        now = datetime.now(UTC)
        lease_until = now + timedelta(seconds=self.settings.lease)
        claimed = self.store.claim_callbacks(self.name, now, lease_until, self.settings.batch)
        for callback in claimed:
            self.deliver(callback)
        return len(claimed)

    def deliver(self, callback: Callback) -> None:
        started = datetime.now(UTC)
        log_rows: list[CallbackAttempt] = []
        attempts = callback.attempts
        for _ in range(callback.claims - 1 - callback.attempts):
            # An earlier claim never recorded its result: its sender died (or lost its lease)
            # mid-send. Say so in the log: that send may have reached the receiver.
            attempts += 1
            log_rows.append(CallbackAttempt(
                callback_id=callback.id, attempt=attempts, sender="unknown", date_started=started,
                status_code=None, latency_ms=0, error=INTERRUPTED,
            ))
        app = self.store.find_connect_app(callback.connect_app_sid)
        owner = self.store.get_account(app.account_sid) if app is not None else None
        if owner is None:
            outcome = sender.Outcome(None, 0, "the Connect App or its owner no longer exists")
        else:
            params = {"AccountSid": callback.account_sid, "ConnectAppSid": callback.connect_app_sid}
            outcome = sender.send(callback.url, callback.method, params, owner.auth_token, self.settings.timeout)
        attempts += 1
        now = datetime.now(UTC)
        changes: dict[str, object] = {"attempts": attempts, "date_updated": now}
        if outcome.delivered:
            changes["status"] = DELIVERED
        elif owner is None or now - callback.date_created >= timedelta(seconds=self.settings.give_up_after):
            changes["status"] = FAILED
        else:
            changes["status"] = PENDING
            changes["next_attempt_at"] = now + timedelta(seconds=backoff(self.settings, attempts))
        log_rows.append(CallbackAttempt(
            callback_id=callback.id, attempt=attempts, sender=self.name, date_started=started,
            status_code=outcome.status_code, latency_ms=outcome.latency_ms, error=outcome.error,
        ))
        if not self.store.finish_attempt(callback, log_rows, changes):
            log.warning("callback %s: lease lost before the attempt was recorded", callback.id)
