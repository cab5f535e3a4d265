"""Storage: the domain's Store port (domain/store.py) in SQL shared by every backend (sql.py), migrations/."""

import sqlite3

from connectapps.domain.store import Store
from connectapps.store import opening


def open_store(url: str, create: bool = True) -> Store:
    """The store for a database URL: ``sqlite:///path`` or ``postgresql://…``.

    Raises ``opening.DatabaseError`` (one line, password masked) when it cannot be opened; a
    SQLite file that does not exist is created only if ``create``.
    """
    opening.check_scheme(url)
    if opening.is_sqlite(url):
        from connectapps.store.sqlite import SqliteStore

        store = SqliteStore(opening.prepare_sqlite(url, create))
        try:
            store.ping()
        except sqlite3.Error as exc:
            store.close()
            raise opening.sqlite_failure(url, exc) from None
        return store
    from connectapps.store.postgres import PostgresStore

    timed = opening.with_connect_timeout(url)
    opening.check_postgres(timed, url)
    return PostgresStore.from_url(timed)
