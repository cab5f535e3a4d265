"""Snapshots: every record the server holds, saved under a name and put back in one transaction.

For other people's test suites (the admin API, ``connectapps.testing``): reset to the seed between
tests, or to a state a test built once. The seed's own snapshot is saved under ``SEED`` whenever a
seed is applied; user-chosen names cannot collide with it (NAME allows no ``@``).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from connectapps.domain.errors import InvalidParameter, NotFound
from connectapps.domain.keys import ApiKey
from connectapps.domain.models import Account, Authorization, ConnectApp, User

SEED = "@seed"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


@dataclass(frozen=True, slots=True)
class Snapshot:
    name: str
    records: int  # rows saved, every table together
    date_created: datetime


class SnapshotStore(Protocol):
    """What snapshots need from storage (store/snapshots.py, both backends)."""

    def save_snapshot(self, name: str, now: datetime) -> Snapshot:
        """Copy every record under ``name`` (replacing a snapshot of that name)."""
        ...

    def restore_snapshot(self, name: str) -> Snapshot | None:
        """Replace every record with the snapshot's, atomically; None (nothing changed) if absent."""
        ...

    def clear_records(self) -> None:
        """Delete every record (accounts, apps, users, authorizations, callbacks, resources, sessions),
        keeping settings and snapshots."""
        ...

    def list_snapshots(self) -> list[Snapshot]: ...

    def delete_snapshot(self, name: str) -> bool: ...


class SeedStore(Protocol):
    """What applying a seed file needs from storage (store/seeds.py)."""

    def apply_seed(
        self, users: Sequence[User], accounts: Sequence[Account], apps: Sequence[ConnectApp],
        authorizations: Sequence[Authorization], api_keys: Sequence[ApiKey] = (),
    ) -> None:
        """Insert or overwrite (keeping ``date_created``) these records in one transaction; accounts
        come parents first."""
        ...


def check_name(name: str) -> str:
    if NAME.match(name) is None:
        raise InvalidParameter("name", InvalidParameter.ENUM, name)
    return name


def restore(store: SnapshotStore, name: str) -> Snapshot:
    snapshot = store.restore_snapshot(name)
    if snapshot is None:
        raise NotFound(name)
    return snapshot


def reset(store: SnapshotStore, to_seed: bool = True) -> Snapshot | None:
    """Back to the seed's snapshot (if one was saved and ``to_seed``), else to no records at all."""
    if to_seed:
        snapshot = store.restore_snapshot(SEED)
        if snapshot is not None:
            return snapshot
    store.clear_records()
    return None
