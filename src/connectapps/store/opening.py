"""Opening a database from its URL, with one plain sentence when that cannot be done.

A mistyped ``--database`` must not answer with a traceback, hang for a minute, or quietly
create a new empty database: unknown schemes, unreadable SQLite files and unreachable
PostgreSQL servers become a ``DatabaseError`` that names the problem and the URL (its password
masked), within ``CONNECT_TIMEOUT_SECONDS``. Whether a SQLite file may be created is the
caller's choice (``create``): commands that only read never create one.
"""

import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CONNECT_TIMEOUT_SECONDS = 5
SQLITE_EXAMPLE = "sqlite:///connectapps.db"
POSTGRES_EXAMPLE = "postgresql://user@host/dbname"
_SECRET_PARAMS = ("password", "sslpassword")


class DatabaseError(Exception):
    """The database a URL names cannot be opened or used; ``str()`` is one line for a person."""


def redact(url: str) -> str:
    """``url`` with any password (in the user part or a ``password=`` parameter) masked as ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}{':***' if colon else ''}@{host}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    secret = any(k.lower() in _SECRET_PARAMS for k, _ in pairs)
    if netloc == parts.netloc and not secret:
        return url  # nothing to mask (and sqlite:/// keeps its empty host)
    query = urlencode([(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query if secret else parts.query, parts.fragment))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql:", "postgres:"))


def sqlite_path(url: str) -> str:
    """The file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
    path = url.removeprefix("sqlite:").removeprefix("//")
    path = path[1:] if path.startswith("//") else path.removeprefix("/")
    if not path or path == ":memory:":
        raise DatabaseError(f"a SQLite URL needs a file path, e.g. {SQLITE_EXAMPLE} (got {url})")
    return path


def new_sqlite_file(url: str) -> Path | None:
    """The absolute path of the file a SQLite URL names if it does not exist yet; else None."""
    if not is_sqlite(url):
        return None
    path = Path(sqlite_path(url))
    return None if path.exists() else path.resolve()


def check_scheme(url: str) -> None:
    if not (is_sqlite(url) or is_postgres(url)):
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise DatabaseError(
            f"unsupported database URL {redact(url)}: {scheme!r} is not a supported database; "
            f"use {SQLITE_EXAMPLE} or {POSTGRES_EXAMPLE}"
        )


def prepare_sqlite(url: str, create: bool) -> str:
    """The SQLite file to open: it must exist unless ``create`` (then its folders are made)."""
    path = Path(sqlite_path(url))
    if path.is_dir():
        raise DatabaseError(f"cannot open the SQLite database {url}: {path} is a directory")
    if not path.exists():
        if not create:
            raise DatabaseError(
                f"no SQLite database at {path.resolve()} ({url}): check --database "
                f"(connectapps serve or connectapps db upgrade creates one)"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the SQLite database {url}: {exc.strerror or exc}") from None
    return str(path)


def sqlite_failure(url: str, exc: sqlite3.Error) -> DatabaseError:
    return DatabaseError(f"cannot open the SQLite database {url}: {exc}")


def with_connect_timeout(url: str) -> str:
    """``url`` with libpq's ``connect_timeout`` set (unless it sets one), so an unreachable
    server is an error within seconds rather than a wait without end."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(k == "connect_timeout" for k, _ in pairs):
        return url
    pairs.append(("connect_timeout", str(CONNECT_TIMEOUT_SECONDS)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), parts.fragment))


def short_reason(message: str) -> str:
    """libpq's message, shortened to its reason: 'database "x" does not exist', 'Connection refused'."""
    first = " ".join(message.strip().splitlines()[0].split()) if message.strip() else "unknown error"
    reason = first.rsplit(" failed: ", 1)[-1]
    return reason.removeprefix("FATAL: ").removeprefix("connection failed: ")


def check_postgres(url: str, shown: str) -> None:
    """Connect once, directly: a clear error now instead of a connection pool retrying for a
    minute. ``shown`` is the URL as the person gave it (redacted in the message)."""
    import psycopg

    from connectapps.store.postgres import connection_settings

    try:
        libpq_url, _ = connection_settings(url)  # without our own ``pooler=``, which libpq does not know
    except ValueError as exc:
        raise DatabaseError(f"cannot use the PostgreSQL database {redact(shown)}: {exc}") from None
    try:
        psycopg.connect(libpq_url).close()
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to the PostgreSQL database {redact(shown)}: "
                            f"{short_reason(str(exc))}") from None
