"""PostgreSQL backend (psycopg 3 + psycopg_pool): for many workers on many machines.

Same SQL as SQLite (store/sql.py). Migrations run under a transaction-scoped advisory lock,
so N workers starting together apply each migration exactly once.
"""

from collections.abc import Iterable, Sequence

from psycopg_pool import ConnectionPool

from connectapps.store.sql import CONNECT_APP_COLUMNS, Row, SqlStore, split_statements

# An arbitrary, fixed key for pg_advisory_xact_lock: "connectapps migrations".
MIGRATION_LOCK_KEY = 0x636F6E6E656374
DEFAULT_POOL_SIZE = 8


class PostgresStore(SqlStore):
    paramstyle = "%s"

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "prepare_threshold": 0},
            open=True,
        )

    @classmethod
    def from_url(cls, url: str) -> "PostgresStore":
        return cls(url)

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        with self.pool.connection() as conn:
            cursor = conn.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description is not None else []

    def _insert_many(self, sql: str, rows: Iterable[Sequence[object]]) -> int:
        # COPY is an order of magnitude faster than row-by-row INSERTs for seeding.
        count = 0
        copy_sql = f"COPY connect_apps ({', '.join(CONNECT_APP_COLUMNS)}) FROM STDIN"
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

    def _apply_migrations(self, pending: list[tuple[int, str]]) -> list[int]:
        applied: list[int] = []
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, script in pending:
                if version in done:
                    continue
                for statement in split_statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                applied.append(version)
        return applied

    def close(self) -> None:
        self.pool.close()

