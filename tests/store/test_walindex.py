"""SQLite's cache check reads the wal-index header instead of asking SQLite when nothing committed
(store/walindex.py): no statement while nothing changed, and every commit by another connection —
another thread, another process — still seen by the next request."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import PageRequest
from connectapps.store import cache, walindex
from connectapps.store import sqlite as sqlite_store
from connectapps.store.sqlite import SqliteStore
from tests.store.busy import updates_beside_a_reader


def _counting(store: SqliteStore) -> list[str]:
    """The statements ``store`` runs from now on (its data_version check included)."""
    seen: list[str] = []
    original = store._connection

    class Counting:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
            seen.append(sql)
            return self.conn.execute(sql, params)  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    store._connection = lambda: Counting(original())  # type: ignore[method-assign, assignment, return-value]
    return seen


def _open(path: Path) -> SqliteStore:
    store = SqliteStore(str(path))
    store.migrate()
    return store


def test_nothing_committed_means_no_statement_at_all(tmp_path: Path) -> None:
    store = _open(tmp_path / "quiet.db")
    owner = accounts.create(store, "Owner")
    for _ in range(2):  # the first maps the header, the second reads it with the version
        store.begin_request()
        assert store.get_account(owner.sid) == owner
        store.end_request()
    seen = _counting(store)
    for _ in range(3):
        store.begin_request()
        assert store.get_account(owner.sid) == owner
        store.end_request()
    assert seen == []
    store.close()


def test_a_commit_by_another_process_is_seen_by_the_next_request(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    store = _open(path)
    owner = accounts.create(store, "Before")
    for _ in range(2):
        store.begin_request()
        assert store.get_account(owner.sid).friendly_name == "Before"  # type: ignore[union-attr]
        store.end_request()
    header = store._header.read()
    assert header is not None and len(header) == walindex.HEADER_BYTES
    renamed = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
               "c.execute('UPDATE accounts SET friendly_name = ? WHERE sid = ?', ('After', sys.argv[2]))")
    subprocess.run([sys.executable, "-c", renamed, str(path), owner.sid], check=True)
    seen = _counting(store)
    store.begin_request()
    assert store.get_account(owner.sid).friendly_name == "After"  # type: ignore[union-attr]
    store.end_request()
    assert store._header.read() != header
    assert seen[0] == "PRAGMA data_version"  # the header moved: SQLite was asked, the cache dropped
    store.close()


def test_a_database_without_a_wal_index_asks_sqlite_every_time(tmp_path: Path) -> None:
    header = walindex.Header(str(tmp_path / "absent.db"))
    header.open()
    assert header.read() is None
    header.close()


def test_a_list_page_asked_again_is_not_read_again_until_something_commits(tmp_path: Path) -> None:
    path = tmp_path / "pages.db"
    store = _open(path)
    owner = accounts.create(store, "Owner")
    first = connect_apps.create(store, owner.sid, {"friendly_name": "First"})
    request = PageRequest(size=50)

    def page() -> list[str]:
        store.begin_request()
        try:
            return [sid for sid, _ in store.list_connect_app_versions(owner.sid, request).items]
        finally:
            store.end_request()

    assert page() == [first.sid]
    page()  # the header is mapped and read now
    seen = _counting(store)
    assert page() == [first.sid]
    assert seen == []  # served again without a statement
    second = connect_apps.create(store, owner.sid, {"friendly_name": "Second"})  # this thread's own write
    assert page() == sorted([first.sid, second.sid])
    added = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
             "c.execute('DELETE FROM connect_apps WHERE sid = ?', (sys.argv[2],))")
    subprocess.run([sys.executable, "-c", added, str(path), first.sid], check=True)  # another process's
    assert page() == [second.sid]
    store.close()


def test_a_page_larger_than_those_kept_is_read_every_time(tmp_path: Path) -> None:
    """Only pages of up to PAGE_SIZE_KEPT items are kept, so PageSize=1000 cannot fill a thread's memory."""
    store = _open(tmp_path / "large.db")
    owner = accounts.create(store, "Owner")
    connect_apps.create(store, owner.sid, {"friendly_name": "Only"})
    large = PageRequest(size=cache.PAGE_SIZE_KEPT + 1)
    for _ in range(2):
        store.begin_request()
        store.list_connect_app_versions(owner.sid, large)
        store.end_request()
    seen = _counting(store)
    store.begin_request()
    assert len(store.list_connect_app_versions(owner.sid, large).items) == 1
    store.end_request()
    assert len(seen) == 1 and seen[0].startswith("SELECT")  # the page, read again; no data_version asked
    store.close()


def _shm_locks(path: Path) -> list[tuple[str, int]]:
    """(kind, first byte) of the POSIX locks this process holds on the wal-index file, from /proc/locks."""
    inode = os.stat(f"{path}-shm").st_ino
    held = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" not in fields and fields[1] == "POSIX" and fields[4] == str(os.getpid()) \
                and fields[5].endswith(f":{inode}"):
            held.append((fields[3], int(fields[6])))
    return held


DMS = 128  # SQLite's "the wal-index is in use" lock byte (WALINDEX_LOCK_OFFSET + SQLITE_SHM_NLOCK)


def test_mapping_the_header_keeps_sqlites_locks_so_another_process_cannot_reset_the_wal_index(tmp_path: Path) -> None:
    """A process drops all its POSIX locks on a file when it closes any descriptor of it: the header's
    mapping must not, or the next connection from elsewhere takes itself for the first and rebuilds the
    wal-index under this process's feet (a worker killed by SIGBUS under load)."""
    path = tmp_path / "locks.db"
    store = _open(path)
    owner = accounts.create(store, "Owner")
    assert ("READ", DMS) in _shm_locks(path)
    for _ in range(2):  # the first maps the header
        store.begin_request()
        store.get_account(owner.sid)
        store.end_request()
    assert store._header.read() is not None
    assert ("READ", DMS) in _shm_locks(path)
    before = store._header.read()
    reader = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
              "c.execute('SELECT count(*) FROM accounts').fetchall(); c.close()")
    subprocess.run([sys.executable, "-c", reader, str(path)], check=True)
    assert store._header.read() == before  # read, not rebuilt: nothing committed
    store.close()


def test_two_stores_on_one_database_share_the_mapping_until_the_last_closes(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    first, second = _open(path), _open(path)
    owner = accounts.create(first, "Owner")
    for store in (first, second, first, second):
        store.begin_request()
        store.get_account(owner.sid)
        store.end_request()
    first.close()
    assert second._header.read() is not None  # still mapped: the second store's connection is open
    assert ("READ", DMS) in _shm_locks(path)
    accounts.create(second, "Later")
    second.begin_request()
    assert second.get_account(owner.sid) == owner
    second.end_request()
    second.close()
    assert second._header.read() is None


def test_the_log_is_emptied_once_it_holds_more_than_its_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite starts its log again only at a moment no reader is in it, which a busy server may never give;
    past ``WAL_FRAMES_MAX`` frames the write that finds it so empties it (a reader runs all along here)."""
    monkeypatch.setattr(sqlite_store, "WAL_FRAMES_MAX", 64)
    path = tmp_path / "bounded.db"
    store = _open(path)
    app, largest = updates_beside_a_reader(store, 300, lambda: os.path.getsize(f"{path}-wal"))
    frame = 24 + 4096  # a frame's header and its page
    assert largest <= 32 + (64 + 8) * frame  # the bound, and the frames of the write that crossed it
    store.begin_request()
    assert store.get_connect_app(app.account_sid, app.sid).friendly_name == "v299"  # type: ignore[union-attr]
    store.end_request()
    store.close()


def test_a_reader_that_keeps_an_old_snapshot_is_not_waited_for_at_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log cannot be emptied under a reader that keeps a snapshot open (a shell's transaction, a
    backup): a write tries, waits at most CHECKPOINT_WAIT_MS, and the next try comes WAL_FRAMES_MAX frames
    later — not at every write, each waiting the 10 s busy timeout. Once the reader is gone, the log empties."""
    monkeypatch.setattr(sqlite_store, "WAL_FRAMES_MAX", 64)
    path = tmp_path / "reader.db"
    store = _open(path)
    owner = accounts.create(store, "Owner")
    app = connect_apps.create(store, owner.sid, {"friendly_name": "v0"})
    for _ in range(2):  # the header mapped
        store.begin_request()
        store.get_account(owner.sid)
        store.end_request()
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM accounts").fetchall()  # holds its snapshot until COMMIT
    seen = _counting(store)
    for n in range(120):
        connect_apps.update(store, owner.sid, app.sid, {"friendly_name": f"v{n}"})
    attempts = [sql for sql in seen if "wal_checkpoint" in sql]
    frames = store._header.frames()
    assert frames is not None and frames > 3 * 64  # the log could not be emptied
    assert 1 <= len(attempts) <= frames // 64 + 1  # once per 64 frames, not once per write
    busy_timeouts = [sql for sql in seen if "busy_timeout" in sql]
    assert busy_timeouts[-1] == f"PRAGMA busy_timeout = {sqlite_store.BUSY_TIMEOUT_MS}"  # put back
    reader.execute("COMMIT")
    reader.close()
    for n in range(3 * 64):
        connect_apps.update(store, owner.sid, app.sid, {"friendly_name": f"w{n}"})
        if os.path.getsize(f"{path}-wal") == 0:
            break
    assert os.path.getsize(f"{path}-wal") == 0  # emptied once the reader was gone
    store.close()
