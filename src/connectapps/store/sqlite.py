"""SQLite backend: the embedded default. WAL mode, one connection per thread, short transactions.

Single records are cached per thread (store/cache.py), validated by ``PRAGMA data_version``:
it changes whenever *another* connection (any thread, any process) commits; this thread's own
writes clear its cache directly.
"""

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from connectapps.domain import meter
from connectapps.store.base import Run
from connectapps.store.cache import CachedSqlStore
from connectapps.store.opening import prepare_sqlite
from connectapps.store.rows import Row, Table

BUSY_TIMEOUT_MS = 10_000
_DATA_VERSION = "PRAGMA data_version"
BULK_CACHE_KIB = -262_144  # 256 MiB (negative: KiB) while bulk-inserting


class _ThreadState(threading.local):
    conn: sqlite3.Connection | None = None


class _Counted:
    """An iterable that counts what it yields (``executemany``'s rowcount is unreliable across versions)."""

    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self.rows:
            self.count += 1
            yield row


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
            self._forget_own_writes(sql)
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

    def _insert_many(self, table: Table[Any], rows: Iterable[Sequence[object]]) -> int:
        """One ``executemany`` in one transaction: seeding a million apps takes seconds, not minutes."""
        counted = _Counted(rows)
        conn = self._connection()
        # Random SIDs land all over the indexes: a big page cache keeps them in memory meanwhile.
        previous = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
        try:
            with self._transaction():
                conn.executemany(table.insert, counted)
        finally:
            conn.execute(f"PRAGMA cache_size = {int(previous)}")
        return counted.count

    def _data_version(self) -> object:
        meter.db_round_trip()
        return self._connection().execute(_DATA_VERSION).fetchone()[0]

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = _ThreadState()
