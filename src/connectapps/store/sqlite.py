"""SQLite backend: the embedded default. WAL mode, one connection per thread, short transactions.

Single records are cached per thread (store/cache.py), validated by ``PRAGMA data_version``
(asked only when the wal-index header moved: store/walindex.py):
it changes whenever *another* connection (any thread, any process) commits; this thread's own
writes clear its cache directly.
"""

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from connectapps.domain import meter
from connectapps.store import walindex
from connectapps.store.base import Run
from connectapps.store.cache import CachedSqlStore
from connectapps.store.checkpointer import BACKLOG_FRAMES, Checkpointer
from connectapps.store.opening import prepare_sqlite
from connectapps.store.rows import Row, Table

BUSY_TIMEOUT_MS = 10_000
_DATA_VERSION = "PRAGMA data_version"
BULK_CACHE_KIB = -262_144  # 256 MiB (negative: KiB) while bulk-inserting
# The log's bound, in frames (pages of 4 KiB): past it, the write that finds it so waits for the readers
# and empties the log. SQLite's own checkpoints copy the log into the database every 1,000 frames but
# start it again from the beginning only at a moment no reader is in it, which a server that reads and
# writes all the time may never give: the file then grows by every write (~190 MB in 4 s of updates).
WAL_FRAMES_MAX = 16_384
# How long that write waits for the readers in the log. Ours are done in microseconds; a reader that keeps
# an old snapshot open (a shell's transaction, a backup) is not waited for: the log cannot be emptied
# under it, so the next attempt comes once the log has grown by another WAL_FRAMES_MAX frames.
CHECKPOINT_WAIT_MS = 100

# One writer at a time per database file in this process, queued on a mutex. SQLite admits one writer
# too, but a connection that finds the write lock taken polls: its busy handler sleeps 1, 2, 5, 10 … ms
# between tries, so two threads of one worker that write at once lost milliseconds for a write of
# ~40 µs (update p50 was 5 ms). Other processes are still waited for by the busy handler. A thread
# queues here for at most the busy timeout, then goes on to SQLite's own wait, so no wait is unbounded.
_writers: dict[str, threading.RLock] = {}
_writers_lock = threading.Lock()


def _writer(path: str) -> threading.RLock:
    with _writers_lock:
        return _writers.setdefault(path, threading.RLock())


@contextmanager
def _one_writer(lock: threading.RLock) -> Iterator[None]:
    held = lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        yield
    finally:
        if held:
            lock.release()


class _ThreadState(threading.local):
    conn: sqlite3.Connection | None = None
    wal: bool = False  # the connection is in WAL mode: it holds the wal-index open while it lives
    mapped: bool = False  # this thread has asked for the wal-index header to be mapped
    header: bytes | None = None  # the wal-index header when ``version`` was read
    version: object = None


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
        self._header = walindex.Header(path)
        self._writer = _writer(os.path.realpath(path))
        self._log_retry_at = 0  # frames past which to try again after a checkpoint found readers (0: none did)
        self._checkpointer = Checkpointer(path, lambda: _one_writer(self._writer))

    @classmethod
    def from_url(cls, url: str) -> "SqliteStore":
        """``sqlite:///relative.db`` or ``sqlite:////absolute.db`` (created if missing)."""
        return cls(prepare_sqlite(url, create=True))

    def _connection(self) -> sqlite3.Connection:
        conn = self._local.conn
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn, self._local.wal = conn, str(mode).lower() == "wal"
            if self._local.wal:
                conn.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpointer's job (_after_write)
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        # Autocommit: each statement is its own short transaction.
        if sql.startswith("SELECT"):
            meter.db_round_trip()
            return self._connection().execute(sql, params).fetchall()
        self._forget_own_writes(sql)
        with _one_writer(self._writer):
            meter.db_round_trip()
            rows = self._connection().execute(sql, params).fetchall()
            self._after_write()
        return rows

    @contextmanager
    def _transaction(self) -> Iterator[Run]:
        """BEGIN IMMEDIATE takes the write lock up front, so a busy database waits, never deadlocks."""
        conn = self._connection()
        self._forget_own_writes()

        def run(sql: str, params: Sequence[object]) -> list[Row]:
            meter.db_round_trip()
            return conn.execute(sql, params).fetchall()

        with _one_writer(self._writer):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield run
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._after_write()

    def _after_write(self) -> None:
        """Wake the checkpointer once the log holds ``BACKLOG_FRAMES`` pages not yet copied into the
        database (store/checkpointer.py), and keep the log's file within its bound."""
        backlog = self._header.backlog()
        if backlog is None and self._local.wal and not self._local.mapped:
            # This connection has just written in WAL mode, so it holds the wal-index open (_data_version).
            self._local.mapped = True
            self._header.open()
            backlog = self._header.backlog()
        if self._local.wal and (backlog is None or backlog >= BACKLOG_FRAMES):
            self._checkpointer.wake()  # with no header to read, after every write: idle, it copies nothing
        self._bound_log()

    def _bound_log(self) -> None:
        """After a write: empty the log if it holds more than ``WAL_FRAMES_MAX`` frames. ``TRUNCATE`` waits
        up to ``CHECKPOINT_WAIT_MS`` for the readers in it to finish, copies it into the database, syncs, and
        cuts the file to nothing; when readers stay, it is tried again ``WAL_FRAMES_MAX`` frames later."""
        frames = self._header.frames()
        if frames is None or frames <= max(WAL_FRAMES_MAX, self._log_retry_at):
            return
        conn = self._connection()
        meter.db_round_trip()
        conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            meter.db_round_trip()
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            meter.db_round_trip()
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._log_retry_at = frames + WAL_FRAMES_MAX if busy else 0

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
        """``PRAGMA data_version``, asked only when the wal-index header moved (store/walindex.py)."""
        state = self._local
        conn = self._connection()
        header = self._header.read()  # before the PRAGMA: a commit in between is seen next time
        if header is not None and header == state.header:
            return state.version
        meter.db_round_trip()
        version = conn.execute(_DATA_VERSION).fetchone()[0]
        if header is None and state.wal and not state.mapped:
            # Mapped only once this connection has read in WAL mode: it then holds the wal-index open, so
            # no other process may truncate it under the mapping (SQLite does so only when nobody has it).
            state.mapped = True
            self._header.open()
        state.header, state.version = header, version
        return version

    def close(self) -> None:
        self._checkpointer.close()
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._header.close()
        self._local = _ThreadState()
