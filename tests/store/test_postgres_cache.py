"""The PostgreSQL record cache switches itself off where it could not be validated (deployment.md)."""

from __future__ import annotations

import pytest

from connectapps.store import open_store, postgres
from connectapps.store.postgres import CACHE_ENV, PostgresStore
from tests.conftest import backends

# Only the PostgreSQL configurations here: ``database_url`` follows ``backend``.
pytestmark = pytest.mark.parametrize("backend", [b for b in backends() if b != "sqlite"], indirect=True)


def opened(url: str) -> PostgresStore:
    store = open_store(url)
    assert isinstance(store, PostgresStore)
    return store


def test_the_cache_is_on_by_default(database_url: str) -> None:
    store = opened(database_url)
    try:
        assert store.cache_enabled
    finally:
        store.close()


def test_connectapps_pg_cache_off_turns_it_off(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    store = opened(database_url)
    try:
        assert not store.cache_enabled
    finally:
        store.close()


def test_an_engine_without_the_wal_position_function_gets_no_cache(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on CockroachDB: the function is missing, so the engine answers with an error at start."""
    monkeypatch.setattr(postgres, "_WAL_POSITION", "SELECT no_such_function_connectapps()")
    store = opened(database_url)
    try:
        assert not store.cache_enabled
        store.ping()  # and the store still works
    finally:
        store.close()
