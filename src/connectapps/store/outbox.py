"""The outbox of deauthorize callbacks: claiming due rows under a lease, recording attempts.

A sender claims due rows by setting ``lease_owner``/``lease_until`` in one statement; on
PostgreSQL the candidate rows are selected ``FOR UPDATE SKIP LOCKED`` so concurrent senders on
other machines never claim the same row, and the outer WHERE re-checks the lease. SQLite runs
one writer at a time, so the same statement is atomic there. A sender that crashes holds its
rows only until the lease runs out; then another sender retries them.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from connectapps.domain.models import PENDING, Callback, CallbackAttempt
from connectapps.store.base import SqlBase
from connectapps.store.rows import CALLBACK_ATTEMPTS, CALLBACKS, timestamp


class OutboxSql(SqlBase):
    def claim_callbacks(self, owner: str, now: datetime, lease_until: datetime, limit: int) -> list[Callback]:
        """Lease up to ``limit`` due callbacks to ``owner``; no other sender gets them until the lease ends."""
        free = "(lease_until IS NULL OR lease_until < ?)"
        sql = (
            f"UPDATE callbacks SET lease_owner = ?, lease_until = ?, claims = claims + 1 WHERE {free} AND id IN ("
            f"SELECT id FROM callbacks WHERE status = ? AND next_attempt_at <= ? AND {free} "
            f"ORDER BY next_attempt_at LIMIT ?{self.skip_locked}) {CALLBACKS.returning}"
        )
        at = timestamp(now)
        rows = self._query(self._sql(sql), (owner, timestamp(lease_until), at, PENDING, at, at, limit))
        return [CALLBACKS.from_row(r) for r in rows]

    def finish_attempt(
        self, callback: Callback, attempts: Sequence[CallbackAttempt], changes: Mapping[str, object]
    ) -> bool:
        """Record ``attempts`` and apply ``changes`` (status, attempts, next_attempt_at), releasing the
        lease. False if the lease had been lost to another sender (the attempts are recorded anyway)."""
        encoded = CALLBACKS.encode({k: v for k, v in changes.items() if k != "date_updated"})
        when = changes.get("date_updated", attempts[-1].date_started)
        assignments = "".join(f"{column} = ?, " for column in encoded)
        with self._transaction() as run:
            for attempt in attempts:
                run(CALLBACK_ATTEMPTS.insert, CALLBACK_ATTEMPTS.to_row(attempt))
            updated = run(
                f"UPDATE callbacks SET {assignments}lease_owner = NULL, lease_until = NULL, date_updated = ? "
                "WHERE id = ? AND lease_owner = ? RETURNING id",
                [*encoded.values(), timestamp(when), callback.id, callback.lease_owner],  # type: ignore[arg-type]
            )
        return bool(updated)

    def get_callback(self, callback_id: str) -> Callback | None:
        return self._one(CALLBACKS, "id = ?", (callback_id,))

    def list_callbacks(self, connect_app_sid: str | None = None) -> list[Callback]:
        """Callbacks, newest first; of one app if given."""
        where, params = ("WHERE connect_app_sid = ?", (connect_app_sid,)) if connect_app_sid else ("", ())
        rows = self._query(self._sql(f"{CALLBACKS.select} {where} ORDER BY date_created DESC, id"), params)
        return [CALLBACKS.from_row(r) for r in rows]

    def callback_attempts(self, callback_id: str) -> list[CallbackAttempt]:
        rows = self._query(
            self._sql(f"{CALLBACK_ATTEMPTS.select} WHERE callback_id = ? ORDER BY attempt"), (callback_id,)
        )
        return [CALLBACK_ATTEMPTS.from_row(r) for r in rows]
