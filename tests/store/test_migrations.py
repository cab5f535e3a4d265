"""Migrations: versioned, forward-only, applied once even when many processes start together."""

import os
import subprocess
import sys

from connectapps.store import open_store
from connectapps.store.rows import migrations
from tests.conftest import POSTGRES_ENV

LATEST = max(version for version, _ in migrations())


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connectapps", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_db_status_and_upgrade(database_url: str) -> None:
    status = run_cli("db", "status", "--database", database_url)
    if database_url.startswith("sqlite:"):  # no file yet: status creates none
        assert (status.returncode, status.stderr.startswith("error: no SQLite database at ")) == (2, True)
    else:  # an empty database
        assert status.stdout.strip() == "schema version 0"
    upgraded = run_cli("db", "upgrade", "--database", database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"schema version {LATEST}" in upgraded.stdout
    again = run_cli("db", "upgrade", "--database", database_url)
    assert "applied: nothing" in again.stdout
    assert run_cli("db", "status", "--database", database_url).stdout.strip() == f"schema version {LATEST}"


def test_many_processes_migrating_at_once_apply_each_migration_once(database_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "connectapps", "db", "upgrade", "--database", database_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(6)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 6, outputs
    applied = [out for out, _ in outputs if "applied: [" in out]
    assert len(applied) == 1, outputs  # exactly one process applied the migrations
    store = open_store(database_url)
    try:
        assert store.schema_version() == LATEST
    finally:
        store.close()


def test_postgres_half_is_on_in_ci() -> None:
    """CI sets CONNECTAPPS_TEST_POSTGRES_URL; the PostgreSQL half must never be silently off there."""
    if os.environ.get("CI"):
        assert os.environ.get(POSTGRES_ENV), f"CI must set {POSTGRES_ENV}"
