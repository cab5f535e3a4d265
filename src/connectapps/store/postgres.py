"""PostgreSQL backend (psycopg 3 + psycopg_pool): for many workers on many machines.

Same SQL as SQLite (store/sql.py). Single records are cached per thread (store/cache.py),
validated once per request by the WAL insert position, which moves on every write anywhere in
the cluster: one round trip per request instead of one per record, never a stale record. On an
engine without ``pg_current_wal_insert_lsn()`` (a distributed PostgreSQL-compatible one), or with
``CONNECTAPPS_PG_CACHE=off``, there is no cache. Migrations run under a transaction-scoped
advisory lock, so N workers starting together apply each migration exactly once.

Behind a transaction-mode pooler (PgBouncer's ``pool_mode = transaction``), the URL says so with
``?pooler=transaction``: then psycopg never prepares a statement on the server, since the next
transaction may run on another server connection (where the name is missing, or already taken).
If the URL does not say so, the first such error turns preparation off for the store (with a
warning in the log), so a forgotten parameter costs a request or two, not a stream of errors.
Nothing else here keeps session state: no ``SET``, no session advisory lock, no ``LISTEN``, no
temporary table; the per-request WAL check is one plain query, right on whichever server
connection the pooler picks, since the WAL position belongs to the whole cluster.
"""

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool

from connectapps.domain import meter
from connectapps.store.base import Run
from connectapps.store.cache import CachedSqlStore
from connectapps.store.rows import Row, Table

log = logging.getLogger(__name__)
CACHE_ENV = "CONNECTAPPS_PG_CACHE"
_WAL_POSITION = "SELECT pg_current_wal_insert_lsn()"
_WAL_POSITION_BYTES = _WAL_POSITION.encode()
# An arbitrary, fixed key for pg_advisory_xact_lock: "connectapps migrations".
MIGRATION_LOCK_KEY = 0x636F6E6E656374
DEFAULT_POOL_SIZE = 8
POOLER_PARAMETER = "pooler"
# psycopg prepares a statement once a connection has run it this many times (its own default).
PREPARE_THRESHOLD = 5
_PREPARE_THRESHOLDS: dict[str, int | None] = {"none": PREPARE_THRESHOLD, "session": PREPARE_THRESHOLD,
                                              "transaction": None}
# What a transaction pooler the URL did not declare does to prepared statements.
_UNDECLARED_POOLER = (psycopg.errors.DuplicatePreparedStatement, psycopg.errors.InvalidSqlStatementName)


def _pyformat(sql: str) -> str:
    """The one place ``?`` placeholders become psycopg's ``%s`` (no statement has a literal ``?`` or ``%``)."""
    return sql.replace("?", "%s")


def _rows(cursor: psycopg.Cursor[Any]) -> list[Row]:
    """The rows of a statement that returns rows (a SELECT, a RETURNING), else none. Asked of the result
    itself: ``cursor.description`` would build a ``Column`` for every column to say the same (measured:
    a fifth of an update's CPU, with the 21 columns of its two statements)."""
    result = cursor.pgresult
    if result is not None and (result.nfields or result.status == pq.ExecStatus.TUPLES_OK):
        return cursor.fetchall()
    return []


def connection_settings(url: str) -> tuple[str, int | None]:
    """The URL for libpq (without ``pooler=``) and psycopg's prepare threshold for it.

    ``pooler=transaction`` turns server-side preparation off; without it (or with ``none`` or
    ``session``) psycopg prepares statements a connection runs often, as usual.
    """
    parts = urlsplit(url)
    items = parts.query.split("&") if parts.query else []
    ours = [unquote(i.partition("=")[2]) for i in items if unquote(i.partition("=")[0]) == POOLER_PARAMETER]
    rest = [i for i in items if unquote(i.partition("=")[0]) != POOLER_PARAMETER]  # as written: libpq decodes
    mode = ours[-1].strip().lower() if ours else "none"
    if mode not in _PREPARE_THRESHOLDS:
        raise ValueError(f"unsupported {POOLER_PARAMETER}={ours[-1]!r} in the database URL: "
                         f"use one of {', '.join(_PREPARE_THRESHOLDS)}")
    return urlunsplit(parts._replace(query="&".join(rest))), _PREPARE_THRESHOLDS[mode]


class PostgresStore(CachedSqlStore):
    dialect = "postgresql"  # store/resources.py: JSON read as jsonb, rows locked FOR UPDATE
    schema_migrations_ddl = (
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    record_migration_sql = "INSERT INTO schema_migrations (version) VALUES (?)"
    lock_for_rewrite_sql = "LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE"  # readers go on; writers wait
    table_exists_sql = (
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
    )

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        super().__init__()
        self.url, self.prepare_threshold = connection_settings(url)
        self.pool = ConnectionPool(
            self.url, min_size=1, max_size=pool_size, open=True,
            kwargs={"autocommit": True, "prepare_threshold": self.prepare_threshold},
        )
        self._own = threading.local()
        self._own_lock = threading.Lock()
        self._own_connections: list[psycopg.Connection[Any]] = []
        self.cache_enabled = os.environ.get(CACHE_ENV, "on").lower() != "off" and self._has_wal_position()

    def _has_wal_position(self) -> bool:
        try:
            self._query(_WAL_POSITION)
        except psycopg.Error:
            return False
        return True

    def _data_version(self) -> object:
        """The WAL insert position, read once per request (see the module docstring)."""
        return self._scalar(_WAL_POSITION_BYTES)

    def ping(self) -> None:
        self._scalar(b"SELECT 1")

    def _scalar(self, sql: bytes) -> object:
        """One parameterless query on this thread's own connection, through libpq directly: the
        per-request checks are the hot path, and the cursor machinery would double their cost."""
        conn = self._own_connection()
        meter.db_round_trip()
        result = conn.pgconn.exec_(sql)
        if result.status != pq.ExecStatus.TUPLES_OK:
            conn.close()  # the next request opens another
            raise psycopg.OperationalError(f"{sql.decode()} failed: {result.error_message!r}")
        return result.get_value(0, 0)

    def _own_connection(self) -> psycopg.Connection[Any]:
        """This thread's own connection, in autocommit, for the per-request check: so only the threads that
        serve requests have one. Their single statements (``_query``) run on it too, without a checkout
        from the pool (~12 µs of CPU each time, two per update); other threads' statements (the callback
        senders') and every transaction take a connection from the pool. A closed one is replaced."""
        conn = self._open_own()
        if conn is None:
            conn = psycopg.connect(self.url, autocommit=True, prepare_threshold=self.prepare_threshold)
            with self._own_lock:  # those closed since (replaced, or given up by ``_scalar``) are forgotten
                self._own_connections = [c for c in self._own_connections if not c.closed]
                self._own_connections.append(conn)
            self._own.conn = conn
        return conn

    def _open_own(self) -> psycopg.Connection[Any] | None:
        """This thread's own connection, if it has one open."""
        conn: psycopg.Connection[Any] | None = getattr(self._own, "conn", None)
        return conn if conn is not None and not conn.closed else None

    @classmethod
    def from_url(cls, url: str) -> "PostgresStore":
        return cls(url)

    def _stop_preparing(self, conn: psycopg.Connection[Any], error: psycopg.Error) -> None:
        """A prepared statement went missing or clashed: a transaction pooler the URL did not declare.
        Prepare nothing more, on any connection of this store, and tell the operator once."""
        conn.prepare_threshold = None
        if self.prepare_threshold is not None:
            self.prepare_threshold = None
            log.warning("prepared statements are being lost between transactions (%s): a transaction-mode "
                        "pooler? Preparation is now off; add ?pooler=transaction to the database URL",
                        type(error).__name__)

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        if not sql.startswith("SELECT"):
            self._forget_own_writes(sql)
        meter.db_round_trip()
        own = self._open_own()
        if own is not None:
            return self._execute(own, sql, params)
        with self.pool.connection() as conn:
            return self._execute(conn, sql, params)

    def _execute(self, conn: psycopg.Connection[Any], sql: str, params: Sequence[object]) -> list[Row]:
        conn.prepare_threshold = self.prepare_threshold
        try:
            cursor = conn.execute(_pyformat(sql), params)
        except _UNDECLARED_POOLER as error:  # raised before the statement ran: safe to run it again
            self._stop_preparing(conn, error)
            cursor = conn.execute(_pyformat(sql), params)
        return _rows(cursor)

    @contextmanager
    def _transaction(self) -> Iterator[Run]:
        self._forget_own_writes()
        with self.pool.connection() as conn, conn.transaction():
            conn.prepare_threshold = self.prepare_threshold

            def run(sql: str, params: Sequence[object]) -> list[Row]:
                meter.db_round_trip()
                try:
                    cursor = conn.execute(_pyformat(sql), params)
                except _UNDECLARED_POOLER as error:  # the transaction is lost; the next ones will not be
                    self._stop_preparing(conn, error)
                    raise
                return _rows(cursor)

            yield run

    def _insert_many(self, table: Table[Any], rows: Iterable[Sequence[object]]) -> int:
        # COPY is an order of magnitude faster than row-by-row INSERTs for seeding.
        count = 0
        copy_sql = f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
        with (
            self.pool.connection() as conn,
            conn.transaction(),
            conn.cursor() as cursor,
            cursor.copy(copy_sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _lock_for_migrations(self, run: Run) -> None:
        run("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK_KEY,))

    def close(self) -> None:
        with self._own_lock:
            for conn in self._own_connections:
                conn.close()
            self._own_connections.clear()
        self._own = threading.local()
        self.pool.close()
