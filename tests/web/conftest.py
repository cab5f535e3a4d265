"""Fixtures for the web pages: a fresh server of one's own (for tests that exhaust sign-in limits)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectapps import config
from tests.conftest import Server, drop_database_url, fresh_database_url, start_server, stop_server

OwnServer = Callable[..., Server]


@pytest.fixture
def own_server(backend: str, tmp_path: Path) -> Iterator[OwnServer]:
    """Start a server on a new, empty database; ``proxy_hops`` sets CONNECTAPPS_PROXY_HOPS for it."""
    started: list[Server] = []

    def start(proxy_hops: int = 0) -> Server:
        folder = tmp_path / f"own-{len(started)}"
        folder.mkdir()
        server = start_server(fresh_database_url(backend, folder), folder,
                              env={config.PROXY_HOPS_ENV: str(proxy_hops)})
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)
        drop_database_url(backend, server.database_url)
