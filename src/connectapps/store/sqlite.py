"""SQLite backend: the embedded default. WAL mode, one connection per thread, short transactions.

Single records are cached per thread (store/cache.py), validated by ``PRAGMA data_version``:
it changes whenever *another* connection (any thread, any process) commits; this thread's own
writes clear its cache directly.
"""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from connectapps.ops import meter
from connectapps.store.base import Run
from connectapps.store.cache import CachedSqlStore
from connectapps.store.opening import prepare_sqlite
from connectapps.store.rows import Row

BUSY_TIMEOUT_MS = 10_000
_DATA_VERSION = "PRAGMA data_version"


class _ThreadState(threading.local):
    conn: sqlite3.Connection | None = None


class SqliteStore(CachedSqlStore):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._local = _ThreadState()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> "SqliteStore":
        """``sqlite:///relative.db`` or ``sqlite:////absolute.db`` (created if missing)."""
        return cls(prepare_sqlite(url, create=True))

    def _connection(self) -> sqlite3.Connection:
        conn = self._local.conn
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
        if not sql.startswith("SELECT"):
            self._forget_own_writes()
        meter.db_round_trip()
        return self._connection().execute(sql, params).fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[Run]:
        """BEGIN IMMEDIATE takes the write lock up front, so a busy database waits, never deadlocks."""
        conn = self._connection()
        self._forget_own_writes()
        conn.execute("BEGIN IMMEDIATE")

        def run(sql: str, params: Sequence[object]) -> list[Row]:
            meter.db_round_trip()
            return conn.execute(sql, params).fetchall()

        try:
            yield run
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _data_version(self) -> object:
        meter.db_round_trip()
        return self._connection().execute(_DATA_VERSION).fetchone()[0]

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = _ThreadState()
