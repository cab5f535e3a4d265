"""Settings from flags and ``CONNECTAPPS_*`` environment variables."""

import os

DATABASE_ENV = "CONNECTAPPS_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///connectapps.db"


def database_url(flag: str | None = None) -> str:
    """The flag if given, else ``CONNECTAPPS_DATABASE_URL``, else the embedded SQLite default."""
    return flag or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE_URL
