"""SQLite admits one writer at a time; the threads of one process queue for it on a mutex
(store/sqlite.py), not in SQLite's busy handler, which polls with sleeps of 1 to 100 ms.

A statement's start is seen with SQLite's trace callback: it fires when the statement begins to run,
before it asks for any lock. A write that waits in the busy handler has started; one queued on the
mutex has not.
"""

import sqlite3
import threading
from pathlib import Path

import pytest

from connectapps.domain import accounts, connect_apps
from connectapps.store import sqlite as sqlite_store
from connectapps.store.sqlite import SqliteStore

WAIT_S = 0.3  # how long the second writer is given to start its statement, if it were going to


def _open(path: Path) -> SqliteStore:
    store = SqliteStore(str(path))
    store.migrate()
    return store


class Holder(threading.Thread):
    """Holds a write transaction of ``store`` open until told to commit."""

    def __init__(self, store: SqliteStore) -> None:
        super().__init__(daemon=True)
        self.store = store
        self.holding, self.commit = threading.Event(), threading.Event()

    def run(self) -> None:
        with self.store._transaction() as run:
            run("UPDATE accounts SET friendly_name = 'held'", [])
            self.holding.set()
            self.commit.wait(10)


def held(store: SqliteStore) -> tuple[str, str, Holder]:
    """An account and its app named "first", and a holder holding a write transaction of ``store`` open."""
    account = accounts.create(store, "A")
    app = connect_apps.create(store, account.sid, {"friendly_name": "first"})
    holder = Holder(store)
    holder.start()
    assert holder.holding.wait(10)
    return account.sid, app.sid, holder


class Writer(threading.Thread):
    """Updates an app through ``store``, recording the statements its connection starts."""

    def __init__(self, store: SqliteStore, account_sid: str, sid: str) -> None:
        super().__init__(daemon=True)
        self.store, self.account_sid, self.sid = store, account_sid, sid
        self.started: list[str] = []
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        self.store._connection().set_trace_callback(self.started.append)
        self.ready.set()
        try:
            connect_apps.update(self.store, self.account_sid, self.sid, {"friendly_name": "second"})
        except BaseException as exc:  # reported to the test
            self.error = exc

    def updates(self) -> list[str]:
        return [sql for sql in self.started if sql.startswith("UPDATE")]


def test_a_write_waits_for_another_threads_write_on_the_mutex_then_runs(tmp_path: Path) -> None:
    first = _open(tmp_path / "db.sqlite")
    second = SqliteStore(str(tmp_path / "db.sqlite"))  # another store, the same file: the same mutex
    account_sid, app_sid, holder = held(first)
    writer = Writer(second, account_sid, app_sid)
    writer.start()
    assert writer.ready.wait(10)
    writer.join(WAIT_S)
    assert writer.is_alive() and writer.updates() == []  # queued, its statement not begun
    holder.commit.set()
    holder.join(10)
    writer.join(10)
    assert writer.error is None and len(writer.updates()) == 1
    assert connect_apps.fetch(first, account_sid, app_sid).friendly_name == "second"
    assert first.get_account(account_sid).friendly_name == "held"  # type: ignore[union-attr]
    first.close()
    second.close()


def test_the_queue_is_bounded_by_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer kept waiting past the busy timeout goes on to SQLite's own wait, which ends it: no write
    waits for ever behind a transaction that does not end."""
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_MS", 200)  # before either connects
    store = _open(tmp_path / "db.sqlite")
    account_sid, app_sid, holder = held(store)
    writer = Writer(store, account_sid, app_sid)
    writer.start()
    writer.join(10)
    holder.commit.set()
    holder.join(10)
    assert isinstance(writer.error, sqlite3.OperationalError) and "locked" in str(writer.error)
    assert len(writer.updates()) == 1  # it did try, once the mutex stopped holding it back
    assert connect_apps.fetch(store, account_sid, app_sid).friendly_name == "first"
    store.close()
