"""Storage: one small interface (interface.py), SQL shared by every backend (sql.py), migrations/."""

from connectapps.store.interface import Store


def open_store(url: str) -> Store:
    """The store for a database URL: ``sqlite:///path`` or ``postgresql://…``."""
    if url.startswith("sqlite:"):
        from connectapps.store.sqlite import SqliteStore

        return SqliteStore.from_url(url)
    if url.startswith(("postgresql:", "postgres:")):
        from connectapps.store.postgres import PostgresStore

        return PostgresStore.from_url(url)
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]!r}")
