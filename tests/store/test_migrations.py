"""Migrations: versioned, forward-only, applied once even when many processes start together."""

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from connectapps.delivery.egress import Policy
from connectapps.delivery.worker import INTERRUPTED, Settings, Worker
from connectapps.domain import accounts, connect_apps
from connectapps.store import open_store, schema
from connectapps.store.base import SqlBase
from connectapps.store.rows import CONNECT_APPS, timestamp
from connectapps.store.schema import migrations

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


OLD_ERRORS = [  # what version 3 stored: exception text that told an app owner what answered
    (None, "ConnectionRefusedError: [Errno 111] Connection refused", "connection failed"),
    (None, "TimeoutError: timed out", "timeout"),
    (None, "gaierror: [Errno -2] Name or service not known", "connection failed"),
    (None, "ValueError: refusing to call a ftp URL", "invalid URL"),
    (503, "HTTP 503", "HTTP 503"),
    (None, INTERRUPTED, INTERRUPTED),
    (None, "the Connect App or its owner no longer exists", "the Connect App or its owner no longer exists"),
]


def test_migration_4_keeps_only_the_category_of_old_errors_and_old_rows_still_send(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(database_url)
    assert isinstance(store, SqlBase)
    try:
        monkeypatch.setattr(schema, "migrations", lambda: [m for m in migrations() if m[0] <= 3])
        store.migrate()
        owner = accounts.create(store, "Owner")
        app = connect_apps.new_connect_app(owner.sid, {"deauthorize_callback_url": "http://127.0.0.1:9/cb"})
        now = timestamp(datetime.now(UTC))
        with store._transaction() as run:  # an app, a pending callback and its log, as version 3 wrote them
            old_columns = [c for c in CONNECT_APPS.columns if c != "version"]  # migration 12 added it
            run(f"INSERT INTO connect_apps ({', '.join(old_columns)}) VALUES ({', '.join('?' * len(old_columns))})",
                CONNECT_APPS.to_row(app)[:len(old_columns)])
            run("INSERT INTO callbacks (id, connect_app_sid, account_sid, authorizing_account_sid, url, method, "
                "status, attempts, claims, next_attempt_at, lease_owner, lease_until, date_created, date_updated) "
                "VALUES ('CB1', ?, ?, ?, 'http://127.0.0.1:9/cb', 'POST', 'pending', ?, ?, ?, NULL, NULL, ?, ?)",
                (app.sid, owner.sid, owner.sid, len(OLD_ERRORS), len(OLD_ERRORS), now, now, now))
            for number, (code, error, _) in enumerate(OLD_ERRORS, 1):
                run("INSERT INTO callback_attempts VALUES ('CB1', ?, 'old', ?, ?, 0, ?)", (number, now, code, error))
        monkeypatch.undo()
        assert store.migrate()[0] == 4  # and the later ones
        assert [a.error for a in store.callback_attempts("CB1")] == [new for _, _, new in OLD_ERRORS]
        worker = Worker(store, Settings(timeout=2, lease=8), Policy.parse("loopback"))
        assert worker.run_once() == 1  # no destination stored: the sender reads it from the URL
        callback = store.get_callback("CB1")
        assert callback is not None and callback.destination is None
        assert store.callback_attempts("CB1")[-1].error == "connection failed"
    finally:
        store.close()
