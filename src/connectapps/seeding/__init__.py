"""Seed files: accounts, users, Connect Apps and authorizations declared in YAML or JSON, loaded
idempotently (``connectapps serve --seed FILE``, ``connectapps seed apply FILE``, connectapps.testing)."""

from pathlib import Path

from connectapps.domain.snapshots import Snapshot
from connectapps.domain.store import Store
from connectapps.seeding import loading
from connectapps.seeding.document import SeedError, parse, read
from connectapps.seeding.model import Seed, validate

__all__ = ["Seed", "SeedError", "apply_file", "load", "load_text"]


def load(path: str | Path) -> Seed:
    """The seed a file declares; SeedError naming the file, line and field if it is wrong."""
    return validate(read(path))


def load_text(text: str, source: str = "<seed>") -> Seed:
    return validate(parse(text, source))


def apply_file(store: Store, path: str | Path) -> tuple[Seed, Snapshot]:
    seed = load(path)
    return seed, loading.apply(store, seed)
