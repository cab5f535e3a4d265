"""Which connection a PostgreSQL statement runs on (store/postgres.py): a thread that serves requests has
its own, for the per-request check, and runs its single statements there too, with no checkout from the
pool; any other thread (a callback sender) borrows from the pool, so it never holds a connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from connectapps.store import open_store
from connectapps.store.postgres import PostgresStore
from tests.conftest import backends

pytestmark = pytest.mark.parametrize("backend", [b for b in backends() if b != "sqlite"], indirect=True)


@pytest.fixture
def store(database_url: str) -> Iterator[PostgresStore]:
    opened = open_store(database_url)
    assert isinstance(opened, PostgresStore)
    opened.migrate()
    yield opened
    opened.close()


def checkouts(store: PostgresStore) -> int:
    return int(store.pool.get_stats().get("requests_num", 0))


def test_a_request_threads_statements_run_on_its_own_connection(store: PostgresStore) -> None:
    store.begin_request()  # the per-request check: this thread's own connection
    own = list(store._own_connections)
    before = checkouts(store)
    assert store._query("SELECT 1") == [(1,)]
    assert store._query("UPDATE accounts SET friendly_name = friendly_name WHERE sid = 'none'") == []
    store.end_request()
    assert checkouts(store) == before
    assert store._own_connections == own and len(own) == 1


def test_a_thread_that_serves_no_request_borrows_from_the_pool(store: PostgresStore) -> None:
    before, own = checkouts(store), list(store._own_connections)
    answers: list[object] = []
    sender = threading.Thread(target=lambda: answers.append(store._query("SELECT 1")))
    sender.start()
    sender.join(10)
    assert answers == [[(1,)]]
    assert checkouts(store) == before + 1
    assert store._own_connections == own  # no connection kept for it


def test_a_failed_check_drops_its_connection_and_the_next_replaces_it(store: PostgresStore) -> None:
    store.begin_request()
    store.end_request()
    with pytest.raises(psycopg.OperationalError):
        store._scalar(b"SELECT no_such_function_connectapps()")
    store.begin_request()
    assert store._query("SELECT 1") == [(1,)]
    store.end_request()
    assert len(store._own_connections) == 1 and not store._own_connections[0].closed


def test_a_closed_own_connection_is_replaced_and_forgotten(store: PostgresStore) -> None:
    store.begin_request()
    first = store._own_connections[0]
    first.close()
    store.end_request()
    store.begin_request()  # opens another
    assert store._query("SELECT 1") == [(1,)]
    store.end_request()
    assert len(store._own_connections) == 1 and store._own_connections[0] is not first
