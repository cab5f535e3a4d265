"""Deauthorize callbacks on demand: what is queued and delivered, with every attempt; deliver
every due one now, without waiting out a backoff; retry settings for tests."""

import dataclasses
import time
from datetime import UTC, datetime
from typing import Any

from connectapps.delivery.egress import Policy
from connectapps.delivery.worker import Settings, Worker
from connectapps.domain.models import PENDING, Callback
from connectapps.domain.store import Store
from connectapps.wire import render

# Retries a test can wait for: a first retry after ~50 ms, none later than 1 s apart.
FAST = {"backoff_base": 0.05, "backoff_max": 1.0, "poll_interval": 0.05}
TUNABLE = ("backoff_base", "backoff_max", "give_up_after", "poll_interval", "timeout")


def describe(store: Store, callback: Callback) -> dict[str, Any]:
    """A callback and its attempts, as the CLI and the admin API show them."""
    return {
        "id": callback.id, "connect_app_sid": callback.connect_app_sid, "account_sid": callback.account_sid,
        "authorizing_account_sid": callback.authorizing_account_sid,
        "url": callback.url, "method": callback.method, "status": callback.status,
        "next_attempt_at": render.date(callback.next_attempt_at) if callback.status == PENDING else None,
        "attempts": [
            {"attempt": a.attempt, "date": render.date(a.date_started), "status_code": a.status_code,
             "latency_ms": a.latency_ms, "error": a.error, "sender": a.sender}
            for a in store.callback_attempts(callback.id)
        ],
        "date_created": render.date(callback.date_created),
    }


class Callbacks:
    """The admin API's hold on this process's sender (``worker``: None when callbacks are off)."""

    def __init__(self, store: Store, worker: Worker | None) -> None:
        self.store = store
        self.worker = worker
        self.settings = worker.settings if worker is not None else Settings.from_env()
        self.initial = self.settings
        self.policy = worker.policy if worker is not None else Policy.from_env()

    def listing(self, status: str | None, connect_app_sid: str | None, limit: int) -> list[dict[str, Any]]:
        found = [c for c in self.store.list_callbacks(connect_app_sid) if status is None or c.status == status]
        return [describe(self.store, c) for c in found[:limit]]

    def deliver_now(self) -> int:
        """Attempt every pending callback once now, waiting for each attempt to be logged; how many
        this call attempted (those the background sender had in hand are waited for, not counted)."""
        self.store.hurry_callbacks(datetime.now(UTC))
        sender = Worker(self.store, self.settings, self.policy)
        attempted = 0
        deadline = time.monotonic() + self.settings.timeout + 2
        while time.monotonic() < deadline:
            sent = sender.run_once()
            attempted += sent
            if not sent:
                if not self._in_flight():
                    break
                time.sleep(0.02)
        return attempted

    def _in_flight(self) -> bool:
        now = datetime.now(UTC)
        return any(c.status == PENDING and c.lease_until is not None and c.lease_until > now
                   for c in self.store.list_callbacks())

    def configure(self, changes: dict[str, Any]) -> Settings:
        """New retry settings for this process's senders (``{"fast": true}``: FAST); ValueError if wrong."""
        values = dict(changes)
        if values.pop("fast", False) is True:
            values = {**FAST, **values}
        unknown = sorted(set(values) - set(TUNABLE))
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]} (expected: fast, {', '.join(TUNABLE)})")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name}: a number of seconds")
        settings = dataclasses.replace(self.settings, **values)  # __post_init__ checks the values
        self.settings = settings
        if self.worker is not None:
            self.worker.settings = settings
        return settings

    def restore_settings(self) -> None:
        """Back to the settings the process started with."""
        self.settings = self.initial
        if self.worker is not None:
            self.worker.settings = self.initial

    def view(self) -> dict[str, Any]:
        return {name: getattr(self.settings, name) for name in TUNABLE}
