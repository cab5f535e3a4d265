"""The outbox of deauthorize callbacks: claiming due rows under a lease, recording attempts.

**Claims are numbered by the database, and claim N logs attempt N.** Claiming a row is one
``UPDATE … SET claims = claims + 1 … RETURNING`` that re-checks, per row, that the row is still
pending, due and not leased (SQLite runs one writer at a time; PostgreSQL re-evaluates the WHERE
on the locked row), so no two senders ever hold the same claim number, however many race. A
sender records its result under its own claim number, so attempt numbers never collide — not
even when a sender lost its lease (a stall, a pause) and reports after another sender claimed
the row again:

- a claim below the recorder's that logged nothing gets an ``interrupted`` row (``ON CONFLICT DO
  NOTHING``); if that sender reports later after all, its real result replaces the placeholder
  (``ON CONFLICT DO UPDATE``);
- a 2xx makes the callback ``delivered`` whoever holds the lease now, exactly once, and nothing
  turns a delivered callback back; any other result decides the row's next state only if its claim
  is still the newest (a newer claim is in charge of the row).
"""

import dataclasses
from collections.abc import Collection, Sequence
from datetime import datetime

from connectapps.domain.models import DELIVERED, PENDING, Callback, CallbackAttempt
from connectapps.domain.store import OutboxStore
from connectapps.store.base import Run, SqlBase
from connectapps.store.rows import CALLBACK_ATTEMPTS, CALLBACKS, timestamp

_FREE = "status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)"
_RESULT_COLUMNS = ("sender", "date_started", "status_code", "latency_ms", "error")
_RECORD = (
    f"{CALLBACK_ATTEMPTS.insert} ON CONFLICT (callback_id, attempt) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in _RESULT_COLUMNS)
)
_PLACEHOLD = f"{CALLBACK_ATTEMPTS.insert} ON CONFLICT (callback_id, attempt) DO NOTHING"


class OutboxSql(SqlBase, OutboxStore):
    def due_callbacks(self, now: datetime, limit: int, skip_destinations: Collection[str] = ()) -> list[Callback]:
        """Up to ``limit`` callbacks due and free to claim, oldest due first, leaving out those
        going to ``skip_destinations`` (hosts this sender is already busy with)."""
        at = timestamp(now)
        skip = ""
        if skip_destinations:
            skip = f" AND (destination IS NULL OR destination NOT IN ({', '.join('?' * len(skip_destinations))}))"
        sql = f"{CALLBACKS.select} WHERE {_FREE}{skip} ORDER BY next_attempt_at LIMIT ?"
        rows = self._query(sql, (PENDING, at, at, *skip_destinations, limit))
        return [CALLBACKS.from_row(r) for r in rows]

    def claim_callbacks(
        self, owner: str, ids: Sequence[str], now: datetime, lease_until: datetime
    ) -> list[Callback]:
        """Lease those of ``ids`` still due and free to ``owner``, each with a new claim number."""
        if not ids:
            return []
        at = timestamp(now)
        sql = (
            "UPDATE callbacks SET lease_owner = ?, lease_until = ?, claims = claims + 1 "
            f"WHERE id IN ({', '.join('?' * len(ids))}) AND {_FREE} {CALLBACKS.returning}"
        )
        rows = self._query(sql, (owner, timestamp(lease_until), *ids, PENDING, at, at))
        return [CALLBACKS.from_row(r) for r in rows]

    def finish_claim(
        self, callback: Callback, attempt: CallbackAttempt | None, interrupted: CallbackAttempt,
        status: str, next_attempt_at: datetime | None, now: datetime,
    ) -> bool:
        """Record claim ``callback.claims``'s ``attempt`` (None: it sent nothing), an ``interrupted``
        row for each earlier claim that logged nothing, and the row's next ``status``; release the
        lease. True if this result decided the row's state (see the module docstring). False, and nothing
        recorded, if the row is gone meanwhile (the admin API's reset or restore deletes every callback)."""
        claim = callback.claims
        with self._transaction() as run:
            # First, and a write: on PostgreSQL it locks the row, so a delete cannot slip in before the attempt.
            if not run("UPDATE callbacks SET attempts = attempts WHERE id = ? RETURNING id", (callback.id,)):
                return False
            if attempt is not None:
                run(_RECORD, CALLBACK_ATTEMPTS.to_row(dataclasses.replace(attempt, attempt=claim)))
            self._fill_gaps(run, callback.id, claim, interrupted)
            logged = claim if attempt is not None else claim - 1
            run("UPDATE callbacks SET attempts = ? WHERE id = ? AND attempts < ?", (logged, callback.id, logged))
            release = "lease_owner = NULL, lease_until = NULL, date_updated = ?"
            if status == DELIVERED:
                decided = run(
                    f"UPDATE callbacks SET status = ?, {release} WHERE id = ? AND status <> ? RETURNING id",
                    (DELIVERED, timestamp(now), callback.id, DELIVERED),
                )
            else:
                reschedule = "next_attempt_at = ?, " if next_attempt_at is not None else ""
                decided = run(
                    f"UPDATE callbacks SET status = ?, {reschedule}{release} "
                    "WHERE id = ? AND status = ? AND claims = ? RETURNING id",
                    (status, *([timestamp(next_attempt_at)] if next_attempt_at else []), timestamp(now),
                     callback.id, PENDING, claim),
                )
        return bool(decided)

    @staticmethod
    def _fill_gaps(run: Run, callback_id: str, claim: int, interrupted: CallbackAttempt) -> None:
        logged = {row[0] for row in run(
            "SELECT attempt FROM callback_attempts WHERE callback_id = ? AND attempt < ?", (callback_id, claim)
        )}
        for number in range(1, claim):
            if number not in logged:
                row = dataclasses.replace(interrupted, callback_id=callback_id, attempt=number)
                run(_PLACEHOLD, CALLBACK_ATTEMPTS.to_row(row))

    def release_claims(self, owner: str, callbacks: Sequence[Callback]) -> int:
        """Undo claims ``owner`` made and never sent (it is stopping): each row's lease is cleared and
        its claim number taken back, so the next claim reuses it and no attempt is logged as
        interrupted. A row claimed again meanwhile is left alone. How many were released."""
        released = 0
        with self._transaction() as run:
            for callback in callbacks:
                released += len(run(
                    "UPDATE callbacks SET lease_owner = NULL, lease_until = NULL, claims = claims - 1 "
                    "WHERE id = ? AND lease_owner = ? AND claims = ? AND status = ? RETURNING id",
                    (callback.id, owner, callback.claims, PENDING),
                ))
        return released

    def outbox_summary(self) -> tuple[int, datetime | None]:
        """How many callbacks are pending, and when the oldest of them was queued (for the metrics)."""
        rows = self._query("SELECT COUNT(*), MIN(date_created) FROM callbacks WHERE status = ?", (PENDING,))
        count, oldest = rows[0]
        return int(count), datetime.fromisoformat(oldest) if oldest else None

    def get_callback(self, callback_id: str) -> Callback | None:
        return self._one(CALLBACKS, "id = ?", (callback_id,))

    def list_callbacks(self, connect_app_sid: str | None = None) -> list[Callback]:
        """Callbacks, newest first; of one app if given."""
        where, params = ("WHERE connect_app_sid = ?", (connect_app_sid,)) if connect_app_sid else ("", ())
        rows = self._query(f"{CALLBACKS.select} {where} ORDER BY date_created DESC, id", params)
        return [CALLBACKS.from_row(r) for r in rows]

    def callback_attempts(self, callback_id: str) -> list[CallbackAttempt]:
        rows = self._query(
            f"{CALLBACK_ATTEMPTS.select} WHERE callback_id = ? ORDER BY attempt", (callback_id,)
        )
        return [CALLBACK_ATTEMPTS.from_row(r) for r in rows]

    def hurry_callbacks(self, now: datetime) -> int:
        """Make every pending callback waiting out a backoff due ``now`` (the admin API's "deliver
        now"); leased ones are left to their sender. How many were moved."""
        at = timestamp(now)
        sql = ("UPDATE callbacks SET next_attempt_at = ? WHERE status = ? AND next_attempt_at > ? "
               "AND (lease_until IS NULL OR lease_until < ?) RETURNING id")
        return len(self._query(sql, (at, PENDING, at, at)))
