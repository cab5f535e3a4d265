"""SQLite backend: the embedded default. WAL mode, one connection per thread, short transactions.

Reads of single records are served from a per-thread cache that is checked against
``PRAGMA data_version`` once per request (``begin_request``) — and on every read outside a
request: that number changes whenever *another* connection (any thread, any process) commits,
so a cached record is never older than the last commit before the request began. Writes on
this thread's own connection (which do not change its data_version) clear its cache.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from connectapps.domain.models import Account, Authorization, ConnectApp
from connectapps.store.base import Run
from connectapps.store.rows import Row, split_statements
from connectapps.store.sql import SqlStore

BUSY_TIMEOUT_MS = 10_000
CACHE_MAX_ENTRIES = 10_000
_DATA_VERSION = "PRAGMA data_version"

T = TypeVar("T")


class _ThreadState(threading.local):
    conn: sqlite3.Connection | None = None
    data_version: int = -1
    validated: bool = False  # the cache was checked against data_version in this request
    cache: dict[tuple[str, ...], object]

    def __init__(self) -> None:
        self.cache = {}


class SqliteStore(SqlStore):
    def __init__(self, path: str) -> None:
        self.path = path
        self._local = _ThreadState()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> "SqliteStore":
        """``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
        path = url.removeprefix("sqlite:").removeprefix("//")
        path = path[1:] if path.startswith("//") else path.removeprefix("/")
        if not path or path == ":memory:":
            raise ValueError("sqlite URL needs a file path, e.g. sqlite:///connectapps.db")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(path)

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
            self._local.cache.clear()
        return self._connection().execute(sql, params).fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[Run]:
        """BEGIN IMMEDIATE takes the write lock up front, so a busy database waits, never deadlocks."""
        conn = self._connection()
        self._local.cache.clear()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield lambda sql, params: conn.execute(sql, params).fetchall()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- verified per-thread cache ------------------------------------------------------------

    def begin_request(self) -> None:
        self._validate()
        self._local.validated = True

    def end_request(self) -> None:
        self._local.validated = False

    def _validate(self) -> None:
        state = self._local
        version = self._connection().execute(_DATA_VERSION).fetchone()[0]
        if version != state.data_version or len(state.cache) >= CACHE_MAX_ENTRIES:
            state.cache.clear()
            state.data_version = version

    def _cached(self, key: tuple[str, ...], load: Callable[[], T | None]) -> T | None:
        state = self._local
        if not state.validated:
            self._validate()
        if key in state.cache:
            return state.cache[key]  # type: ignore[return-value]
        value = load()
        if value is not None:
            state.cache[key] = value
        return value

    def get_account(self, sid: str) -> Account | None:
        return self._cached(("AC", sid), lambda: super(SqliteStore, self).get_account(sid))

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None:
        return self._cached(
            ("CN", account_sid, sid), lambda: super(SqliteStore, self).get_connect_app(account_sid, sid)
        )

    def find_connect_app(self, sid: str) -> ConnectApp | None:
        return self._cached(("CN", sid), lambda: super(SqliteStore, self).find_connect_app(sid))

    def get_authorization_by_subaccount(self, subaccount_sid: str) -> Authorization | None:
        return self._cached(
            ("AU", subaccount_sid), lambda: super(SqliteStore, self).get_authorization_by_subaccount(subaccount_sid)
        )

    # -- schema -------------------------------------------------------------------------------

    def _apply_migrations(self, pending: list[tuple[int, str]]) -> list[int]:
        self._connection().execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied: list[int] = []
        # The write lock: a second process starting at the same time waits, then sees our work.
        with self._transaction() as run:
            done = {row[0] for row in run("SELECT version FROM schema_migrations", ())}
            for version, script in pending:
                if version in done:
                    continue
                for statement in split_statements(script):
                    run(statement, ())
                run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))", (version,))
                applied.append(version)
        return applied

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = _ThreadState()
