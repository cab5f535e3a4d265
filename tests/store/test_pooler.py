"""PostgreSQL behind a transaction-mode pooler (PgBouncer): no server-side prepared statements there,
while direct connections keep psycopg's preparation of the statements they run often."""

from __future__ import annotations

import ast
import logging
import os
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

import connectapps
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
    spaced = "postgresql://app@db/c?options=-c%20search_path%3Dx+y&pooler=transaction"  # libpq: '+' is '+'
    assert connection_settings(spaced) == ("postgresql://app@db/c?options=-c%20search_path%3Dx+y", None)


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


def test_a_pooler_the_url_does_not_declare_costs_no_more_than_one_lost_statement(
    pooled: Opened, caplog: pytest.LogCaptureFixture,
) -> None:
    """Without ``pooler=transaction`` behind PgBouncer: the first clash turns preparation off (and says
    why in the log) instead of failing request after request; a plain read that clashed is run again."""
    bouncer = pgbouncer.shared(os.environ[POSTGRES_ENV])
    owner = accounts.create(pooled.store, "owner", None)
    stores = [open_store(bouncer.pooled_url(pooled.direct_url, tell=False)) for _ in range(2)]
    try:
        with caplog.at_level(logging.WARNING, logger="connectapps.store.postgres"):
            for store in stores:  # one after the other: PgBouncer hands both the same server connection
                assert isinstance(store, PostgresStore) and store.prepare_threshold == PREPARE_THRESHOLD
                for _ in range((PREPARE_THRESHOLD + 1) * store.pool.max_size):
                    store.list_accounts(owner.sid, PageRequest(size=5))
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(lambda n: [stores[n % 2].list_accounts(owner.sid, PageRequest(size=5))
                                         for _ in range(ROUNDS)], range(THREADS)))
        assert None in [store.prepare_threshold for store in stores if isinstance(store, PostgresStore)]
        assert "add ?pooler=transaction to the database URL" in caplog.text
    finally:
        for store in stores:
            store.close()


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


SESSION_STATE = re.compile(
    r"\b(UN)?LISTEN\s|\bpg_(try_)?advisory_lock(_shared)?\s*\(|\bTEMP(ORARY)?\s+TABLE\b|\bset_config\s*\("
    r"|^\s*(SET|RESET|PREPARE|DISCARD)\s|\bWITH\s+HOLD\b",
    re.IGNORECASE | re.MULTILINE,
)
SOURCE = Path(connectapps.__file__).parent


def sql_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every string in the package's code but docstrings, and every migration."""
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        parts_of_fstrings: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):  # an f-string: its text with "{}" for each value
                parts_of_fstrings.update(id(part) for part in node.values)
                text = "".join(str(p.value) if isinstance(p, ast.Constant) else "{}" for p in node.values)
                yield f"{path.relative_to(SOURCE)}:{node.lineno}", text
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in docstrings | parts_of_fstrings):
                yield f"{path.relative_to(SOURCE)}:{node.lineno}", node.value
    for path in sorted((SOURCE / "store" / "migrations").glob("*.sql")):
        yield str(path.relative_to(SOURCE)), path.read_text()


def test_no_statement_keeps_session_state_a_transaction_pooler_would_lose() -> None:
    """Behind PgBouncer in transaction mode each transaction may run on another server connection:
    a SET, a session advisory lock, LISTEN, a temporary table or a held cursor would stay behind (or
    leak to another client). The suite passing through the pooler cannot see all of these (LISTEN
    would just go quiet), so the SQL itself is checked. SET LOCAL and pg_advisory_xact_lock are fine."""
    found = [f"{where}: {text.strip()[:80]!r}" for where, text in sql_texts()
             if SESSION_STATE.search(text) and not re.match(r"\s*SET\s+LOCAL\s", text, re.IGNORECASE)]
    assert found == []


def test_the_session_state_check_catches_what_it_is_for() -> None:
    caught = ["LISTEN callbacks", "SELECT pg_advisory_lock(1)", "CREATE TEMP TABLE t (x int)",
              "SET statement_timeout = 5", "select set_config('a.b', '1', false)", "DECLARE c CURSOR WITH HOLD FOR"]
    passed = ["SELECT pg_advisory_xact_lock(?)", "UPDATE accounts SET status = ? WHERE sid = ?",
              "INSERT INTO settings (name, value) VALUES (?, ?)", "SELECT pg_current_wal_insert_lsn()"]
    assert [bool(SESSION_STATE.search(s)) for s in caught] == [True] * len(caught)
    assert [bool(SESSION_STATE.search(s)) for s in passed] == [False] * len(passed)
