"""PostgreSQL behind a transaction-mode pooler (PgBouncer): no server-side prepared statements there,
while direct connections keep psycopg's preparation of the statements they run often."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest

from connectapps.domain import accounts
from connectapps.domain.models import PageRequest
from connectapps.store import open_store
from connectapps.store.postgres import PREPARE_THRESHOLD, PostgresStore, connection_settings
from tests import pgbouncer
from tests.conftest import POSTGRES_ENV, backends
from tests.pg import create_database, drop_database

THREADS = 8
ROUNDS = 4 * PREPARE_THRESHOLD


def test_pooler_transaction_turns_preparation_off_and_leaves_the_rest_of_the_url() -> None:
    url = "postgresql://app:s%40cret@db:6432/connectapps?sslmode=require&pooler=transaction&application_name=x"
    assert connection_settings(url) == (
        "postgresql://app:s%40cret@db:6432/connectapps?sslmode=require&application_name=x", None)
    assert connection_settings("postgresql://app@db/connectapps") == ("postgresql://app@db/connectapps",
                                                                      PREPARE_THRESHOLD)
    assert connection_settings("postgresql://app@db/c?pooler=session")[1] == PREPARE_THRESHOLD


def test_an_unsupported_pooler_mode_is_refused_with_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match=r"pooler='statement'.*none, session, transaction"):
        connection_settings("postgresql://app@db/connectapps?pooler=statement")


@dataclass
class Opened:
    direct_url: str  # the database, straight to PostgreSQL
    store: PostgresStore  # on it, directly or through the test PgBouncer


@contextmanager
def opened(backend: str) -> Iterator[Opened]:
    """A migrated store on a fresh PostgreSQL database, directly or (``pgbouncer``) through the pooler."""
    admin = os.environ[POSTGRES_ENV]
    bouncer = pgbouncer.shared(admin) if backend == "pgbouncer" else None
    direct = create_database(admin, f"connectapps_test_{uuid.uuid4().hex[:12]}")
    store = open_store(bouncer.pooled_url(direct) if bouncer else direct)
    try:
        assert isinstance(store, PostgresStore)
        store.migrate()
        yield Opened(direct, store)
    finally:
        store.close()
        drop_database(admin, direct)


POSTGRES_BACKENDS = [b for b in backends() if b != "sqlite"]


@pytest.fixture(params=POSTGRES_BACKENDS)
def pg(request: pytest.FixtureRequest) -> Iterator[Opened]:
    with opened(str(request.param)) as done:
        yield done


@pytest.fixture(params=[b for b in POSTGRES_BACKENDS if b == "pgbouncer"])
def pooled(request: pytest.FixtureRequest) -> Iterator[Opened]:
    with opened(str(request.param)) as done:
        yield done


@pytest.fixture(params=[b for b in POSTGRES_BACKENDS if b == "postgres"])
def direct(request: pytest.FixtureRequest) -> Iterator[Opened]:
    with opened(str(request.param)) as done:
        yield done


def hammer(store: PostgresStore) -> None:
    """Each thread runs the same few statements many times over, reads and writes: what makes psycopg
    prepare them, and (behind a pooler) what moves them between server connections."""
    owner = accounts.create(store, "owner", None)

    def work(index: int) -> None:
        for n in range(ROUNDS):
            store.count_accounts()
            store.list_accounts(owner.sid, PageRequest(size=5))
            store.update_account(owner.sid, {"friendly_name": f"t{index}-{n}"}, datetime.now(UTC))
            store.ping()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))


def test_many_threads_repeating_statements_raise_nothing(pg: Opened) -> None:
    """Through PgBouncer with psycopg's preparation on, this raised DuplicatePreparedStatement and
    'prepared statement "_pg3_0" does not exist' (issue 17)."""
    hammer(pg.store)


def test_through_the_pooler_no_server_connection_holds_a_prepared_statement(pooled: Opened) -> None:
    hammer(pooled.store)
    # One open transaction per server connection of this database's pool: together, all of them.
    bouncer = pgbouncer.shared(os.environ[POSTGRES_ENV])
    counts = []
    with ExitStack() as stack:
        for _ in range(pgbouncer.POOL_SIZE):
            conn = stack.enter_context(psycopg.connect(bouncer.pooled_url(pooled.direct_url, tell=False)))
            counts.append(conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone())
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    assert counts == [(0,)] * pgbouncer.POOL_SIZE


def test_direct_connections_prepare_the_statements_they_run_often(direct: Opened) -> None:
    owner = accounts.create(direct.store, "owner", None)
    for _ in range((PREPARE_THRESHOLD + 1) * direct.store.pool.max_size):  # each pooled connection, in turn
        direct.store.list_accounts(owner.sid, PageRequest(size=5))
    with direct.store.pool.connection() as conn:
        prepared = conn.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    assert any("FROM accounts WHERE" in statement for (statement,) in prepared), prepared


def test_pgbouncer_half_is_on_in_ci() -> None:
    """CI runs the PostgreSQL half through PgBouncer too; a missing or broken pgbouncer fails it there."""
    if os.environ.get("CI"):
        assert "pgbouncer" in backends(), f"CI must set {POSTGRES_ENV}"
        pgbouncer.shared(os.environ[POSTGRES_ENV])
