"""``python -m bench write`` (bench/write.py): SQLite updates one to a transaction and several to one, on a
database as it is and without the two indexes an update moves."""

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from bench import write

from connectapps.domain import accounts, connect_apps
from connectapps.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore.from_url(f"sqlite:///{tmp_path / 'write.db'}")
    opened.migrate()
    yield opened
    opened.close()


def versions(store: SqliteStore, account_sid: str, sids: list[str]) -> list[tuple[str | None, int]]:
    found = [store.get_connect_app(account_sid, sid) for sid in sids]
    return [(app.friendly_name, app.version) for app in found if app is not None]


@pytest.mark.parametrize("batch", [1, 4])
def test_every_update_is_written_whatever_the_batch(sqlite_store: SqliteStore, batch: int) -> None:
    account = accounts.create(sqlite_store, "write", None)
    sids = [connect_apps.create(sqlite_store, account.sid, {"friendly_name": "x"}).sid for _ in range(3)]
    order = [sids[0], sids[1], sids[0], sids[2], sids[0], sids[1]]  # 6 updates: batches of 4 and 2
    assert write.updates(sqlite_store, account.sid, order, batch) > 0
    assert versions(sqlite_store, account.sid, sids) == [("bench", 4), ("bench", 3), ("bench", 2)]


def test_a_batch_is_one_transaction(sqlite_store: SqliteStore) -> None:
    """An update that fails takes the batch's earlier updates with it: they were one transaction."""
    account = accounts.create(sqlite_store, "write", None)
    sids = [connect_apps.create(sqlite_store, account.sid, {"friendly_name": "x"}).sid for _ in range(2)]
    missing = "CN" + "0" * 32
    with pytest.raises(RuntimeError, match=missing):
        write.updates(sqlite_store, account.sid, [*sids, missing], 3)
    assert versions(sqlite_store, account.sid, sids) == [("x", 1), ("x", 1)]


def test_without_indexes_drops_the_two_an_update_moves_and_no_other(sqlite_store: SqliteStore) -> None:
    def indexes() -> set[str]:
        with closing(sqlite3.connect(sqlite_store.path)) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'connect_apps'")
            return {name for (name,) in rows}

    before = indexes()
    write.without_indexes(Path(sqlite_store.path))
    assert before - indexes() == set(write.DROPPED)
    assert indexes() == before - set(write.DROPPED)


def test_the_command_measures_both_variants_at_each_batch_size() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "write", "--apps", "20", "--updates", "8", "--passes", "1",
         "--batches", "1", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(n for n, line in enumerate(lines) if line.strip().startswith("updates a transaction"))
    assert write.AS_IS in lines[header] and write.WITHOUT in lines[header]
    assert [line.split()[0] for line in lines[header + 1:] if line.strip()] == ["1", "4"]
