"""A PostgreSQL URL may name the server's Unix socket directory (``?host=/var/run/postgresql``), as
docs/deployment.md advises for a database on the same machine: a round trip costs the worker less CPU."""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from connectapps.store import open_store
from connectapps.store.postgres import PostgresStore
from tests.conftest import backends

SOCKET_DIRECTORY = "/var/run/postgresql"  # Debian's, where these machines' PostgreSQL listens too


@pytest.mark.parametrize("backend", [b for b in backends() if b == "postgres"], indirect=True)
def test_a_url_naming_the_socket_directory_connects_through_the_unix_socket(database_url: str) -> None:
    """docs/deployment.md advises the socket for a database on the same machine: the URL it shows works,
    and every connection of the store (its own and the pool's) goes through the socket, not TCP."""
    parts = urlsplit(database_url)
    port = parts.port or 5432
    if parts.hostname not in ("127.0.0.1", "localhost") or not Path(SOCKET_DIRECTORY, f".s.PGSQL.{port}").exists():
        pytest.skip(f"the PostgreSQL under test has no Unix socket here ({SOCKET_DIRECTORY}, port {port})")
    user = parts.netloc.rpartition("@")[0]
    socket_url = urlunsplit(parts._replace(netloc=f"{user}@", query=f"host={SOCKET_DIRECTORY}&port={port}"))
    store = open_store(socket_url)
    assert isinstance(store, PostgresStore)
    try:
        peer = "SELECT client_addr FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        assert store._query(peer) == [(None,)]  # the pool's connection: no client address, a local socket
        store.begin_request()
        assert store._query(peer) == [(None,)]  # this thread's own
        store.end_request()
    finally:
        store.close()
