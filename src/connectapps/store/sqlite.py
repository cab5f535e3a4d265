"""SQLite backend: the embedded default. WAL mode, one connection per thread, short transactions."""

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from connectapps.store.sql import Row, SqlStore, split_statements

BUSY_TIMEOUT_MS = 10_000


class SqliteStore(SqlStore):
    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> "SqliteStore":
        """``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``sqlite:///:memory:``."""
        path = url.removeprefix("sqlite:").removeprefix("//")
        path = path.removeprefix("/") if not path.startswith("//") else path[1:]
        if not path:
            raise ValueError("sqlite URL needs a path, e.g. sqlite:///connectapps.db")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(path)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        # Autocommit: each statement is its own short transaction.
        return self._connection().execute(sql, params).fetchall()

    def _insert_many(self, sql: str, rows: Iterable[Sequence[object]]) -> int:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            count = conn.executemany(sql, rows).rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return count

    def _apply_migrations(self, pending: list[tuple[int, str]]) -> list[int]:
        conn = self._connection()
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied: list[int] = []
        conn.execute("BEGIN IMMEDIATE")  # the write lock: a second process waits, then sees our work
        try:
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, script in pending:
                if version in done:
                    continue
                for statement in split_statements(script):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))", (version,)
                )
                applied.append(version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return applied

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
