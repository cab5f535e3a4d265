"""Signed-in web sessions and sign-in throttle counters: the SQL behind sign-in and sign-out.

A session check is one primary-key read joined to its user. A throttle attempt is one upsert
(``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``): PostgreSQL locks the counter's row for
it and evaluates the WHERE on the newest version, SQLite runs one writer at a time, so however
many processes count attempts on one key at once, each gets a distinct count and none passes a
running backoff.
"""

from collections.abc import Sequence
from datetime import datetime

from connectapps.domain.models import Throttle, User, WebSession
from connectapps.domain.store import SessionStore, ThrottleStore
from connectapps.store.base import SqlBase
from connectapps.store.rows import THROTTLES, USERS, WEB_SESSIONS, timestamp


class SessionSql(SqlBase, SessionStore):
    def insert_web_session(self, session: WebSession, keep: int) -> None:
        """Remember ``session``; drop every expired one, and the user's oldest beyond ``keep``."""
        with self._transaction() as run:
            run("DELETE FROM web_sessions WHERE expires_at <= ?", (timestamp(session.date_created),))
            run(WEB_SESSIONS.insert, WEB_SESSIONS.to_row(session))
            run("DELETE FROM web_sessions WHERE user_id = ? AND id NOT IN (SELECT id FROM web_sessions "
                "WHERE user_id = ? ORDER BY expires_at DESC LIMIT ?)", (session.user_id, session.user_id, keep))

    def web_session_user(self, session_id: str, user_id: str, now: datetime) -> User | None:
        """The user of a live session (``session_id`` as stored), in one indexed read."""
        columns = ", ".join(f"u.{c}" for c in USERS.columns)
        sql = (f"SELECT {columns} FROM web_sessions s JOIN users u ON u.id = s.user_id "
               "WHERE s.id = ? AND s.user_id = ? AND s.expires_at > ?")
        rows = self._query(sql, (session_id, user_id, timestamp(now)))
        return USERS.from_row(rows[0]) if rows else None

    def delete_web_session(self, session_id: str) -> None:
        self._query("DELETE FROM web_sessions WHERE id = ?", (session_id,))

    def delete_web_sessions(self, user_id: str) -> None:
        self._query("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))

    def count_web_sessions(self, user_id: str, now: datetime) -> int:
        sql = "SELECT COUNT(*) FROM web_sessions WHERE user_id = ? AND expires_at > ?"
        return int(self._query(sql, (user_id, timestamp(now)))[0][0])

class ThrottleSql(SqlBase, ThrottleStore):
    def count_sign_in_attempt(
        self, key: str, now: datetime, stale_before: datetime, next_at: Sequence[datetime]
    ) -> Throttle | None:
        """Count one attempt on ``key`` unless its backoff is running: the counter after it, or None.

        ``next_at[n - 1]`` is when the attempt after the n-th may come (the last entry serves every
        later one); a counter untouched since ``stale_before`` starts again from 1.
        """
        table = THROTTLES.name
        fresh = f"CASE WHEN {table}.last_at < ? THEN 1 ELSE {table}.attempts + 1 END"
        at = timestamp(now)
        stale = timestamp(stale_before)
        schedule = [timestamp(t) for t in next_at]
        next_params: list[object] = [schedule[0]]
        next_sql = "?"
        if len(schedule) > 1:
            whens = " ".join("WHEN ? THEN ?" for _ in schedule[:-1])
            next_sql = f"CASE {fresh} {whens} ELSE ? END"
            pairs = [v for n, t in enumerate(schedule[:-1], 1) for v in (n, t)]
            next_params = [stale, *pairs, schedule[-1]]
        sql = (
            f"{THROTTLES.insert} ON CONFLICT (throttle_key) DO UPDATE SET attempts = {fresh}, "
            f"last_at = excluded.last_at, next_at = {next_sql} "
            f"WHERE {table}.next_at <= excluded.last_at OR {table}.last_at < ? {THROTTLES.returning}"
        )
        params = [key, 1, at, schedule[0], stale, *next_params, stale]
        rows = self._query(sql, params)
        return THROTTLES.from_row(rows[0]) if rows else None

    def get_sign_in_throttle(self, key: str) -> Throttle | None:
        return self._one(THROTTLES, "throttle_key = ?", (key,))

    def clear_sign_in_throttle(self, key: str) -> None:
        self._query("DELETE FROM sign_in_throttle WHERE throttle_key = ?", (key,))

    def forget_sign_in_throttles(self, before: datetime) -> None:
        """Drop the counters untouched since ``before`` (they would start over anyway)."""
        self._query("DELETE FROM sign_in_throttle WHERE last_at < ?", (timestamp(before),))
