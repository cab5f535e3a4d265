"""Fresh benchmark databases (a SQLite file, or a throw-away PostgreSQL database) and direct reads from them."""

import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from tests.pgbouncer import PgBouncer

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL_ENV = "CONNECTAPPS_BENCH_POSTGRES_URL"


class Backend(Protocol):
    """A database engine the server can run on."""

    name: str

    def fresh(self, label: str) -> AbstractContextManager[str]:
        """A new, empty database for the duration of the block; yields its connectapps URL."""
        ...

    def query(self, url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one read (``?`` placeholders) directly against the database at ``url``."""
        ...

    def after_seed(self, url: str) -> None:
        """Bring the freshly seeded database to a steady state before measuring."""
        ...


class SqliteBackend:
    """A new SQLite file per dataset, inside ``folder``."""

    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        path = (self.folder / f"bench-{label}-{secrets.token_hex(4)}.db").resolve()
        try:
            yield f"sqlite:///{path}"  # an absolute path: sqlite:////tmp/…
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def query(self, url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def after_seed(self, url: str) -> None:
        """Nothing: SQLite needs no statistics to use its indexes; the WAL is left to the server."""


class PostgresBackend:
    """A ``connectapps_bench_<random>`` database on the server at ``admin_url``, dropped afterwards."""

    name = "postgres"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def reachable(self) -> str | None:
        """None when the server answers, else why not."""
        import psycopg

        try:
            with psycopg.connect(self.admin_url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None

    def _url_for(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    @contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        import psycopg

        name = f"connectapps_bench_{secrets.token_hex(6)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self._url_for(name)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def query(self, url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(url) as conn:
            return list(conn.execute(sql.replace("?", "%s"), params).fetchall())

    def after_seed(self, url: str) -> None:
        """VACUUM ANALYZE now, so autovacuum does not start in the middle of a measurement."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


class PgBouncerBackend(PostgresBackend):
    """The same throw-away databases, created directly, but served through a PgBouncer in transaction
    mode (the test suite's set-up, tests/pgbouncer.py) with the server told so (``?pooler=transaction``)."""

    name = "pgbouncer"
    POOL_SIZE = 8  # server connections: one per request thread of two workers (2 x 4)

    def __init__(self, admin_url: str) -> None:
        super().__init__(admin_url)
        self.bouncer: PgBouncer | None = None  # started with the first database
        self.direct: dict[str, str] = {}

    def reachable(self) -> str | None:
        from tests import pgbouncer

        why = super().reachable()
        if why is None and pgbouncer.binary() is None:
            why = "pgbouncer is not installed (apt-get install pgbouncer)"
        return why

    @contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        from tests import pgbouncer

        if self.bouncer is None:
            self.bouncer = pgbouncer.start(self.admin_url, pool_size=self.POOL_SIZE)
        with super().fresh(label) as direct:
            pooled = self.bouncer.pooled_url(direct)
            self.direct[pooled] = direct
            yield pooled

    def query(self, url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return super().query(self.direct[url], sql, params)

    def after_seed(self, url: str) -> None:
        super().after_seed(self.direct[url])

    def close(self) -> None:
        if self.bouncer is not None:
            self.bouncer.stop()
            self.bouncer = None


def sid_at(backend: Backend, url: str, account_sid: str, offset: int) -> str:
    """The SID at ``offset`` (0-based) in SID order among ``account_sid``'s Connect Apps."""
    rows = backend.query(
        url, "SELECT sid FROM connect_apps WHERE account_sid = ? ORDER BY sid LIMIT 1 OFFSET ?", (account_sid, offset)
    )
    if not rows:
        raise LookupError(f"no Connect App at offset {offset}")
    return str(rows[0][0])


def sample_sids(backend: Backend, url: str, account_sid: str, count: int) -> list[str]:
    """``count`` SIDs picked at random over the whole set, so fetches and updates touch rows all over it."""
    rows = backend.query(
        url, "SELECT sid FROM connect_apps WHERE account_sid = ? ORDER BY random() LIMIT ?", (account_sid, count)
    )
    return [str(row[0]) for row in rows]


def sample_message_sids(backend: Backend, url: str, account_sid: str, count: int) -> list[str]:
    """``count`` Message SIDs picked at random (the spec-driven resources table)."""
    rows = backend.query(
        url, "SELECT sid FROM resources WHERE account_sid = ? AND kind = 'message' ORDER BY random() LIMIT ?",
        (account_sid, count),
    )
    return [str(row[0]) for row in rows]
