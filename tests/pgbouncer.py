"""A PgBouncer in transaction mode, with a deliberately small pool, in front of the test PostgreSQL.

The third backend configuration of the suite (``pgbouncer``): test databases are created and
dropped directly on PostgreSQL, while servers and stores reach them through this pooler with
``?pooler=transaction``. Its wildcard ``[databases]`` entry makes every new database reachable.
It runs from a fresh temporary folder as an unprivileged process (PgBouncer refuses to run as
root: as root, its ``user =`` setting makes it drop to ``postgres``, or ``nobody``).
"""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.processes import free_port, stop_process

POOL_SIZE = 3  # server connections per database: small, so transactions really do move between them
START_TIMEOUT_S = 15.0
BINARY_ENV = "CONNECTAPPS_TEST_PGBOUNCER"  # the pgbouncer executable, if not on PATH or in /usr/sbin
POOLED_QUERY = "pooler=transaction"


def binary() -> str | None:
    """The pgbouncer executable, or None when it is not installed."""
    return os.environ.get(BINARY_ENV) or shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None)


def _unprivileged_user() -> str | None:
    """The user PgBouncer switches to when started as root (it refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("pgbouncer will not run as root, and there is neither a postgres nor a nobody user")


def config(postgres_url: str, port: int, folder: Path, pool_size: int = POOL_SIZE) -> str:
    """The pgbouncer.ini: the sample in docs/deployment.md, on a loopback port, with trust auth."""
    target = urlsplit(postgres_url)
    user = target.username or getpass.getuser()
    server = f"host={target.hostname or '127.0.0.1'} port={target.port or 5432}"
    if target.password:
        server += f" user={user} password={target.password}"
    (folder / "userlist.txt").write_text(f'"{user}" ""\n')
    run_as = _unprivileged_user()
    return "\n".join([
        "[databases]",
        f"* = {server}",
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {folder / 'userlist.txt'}",
        "pool_mode = transaction",
        f"default_pool_size = {pool_size}",
        "max_client_conn = 2000",
        *([f"user = {run_as}"] if run_as else []),
        "",
    ])


@dataclass
class PgBouncer:
    """A running pgbouncer process and the folder it runs from."""

    port: int
    proc: subprocess.Popen[bytes]
    folder: Path

    @property
    def log(self) -> Path:
        return self.folder / "pgbouncer.log"

    def pooled_url(self, direct_url: str, *, tell: bool = True) -> str:
        """The same database, user and password as ``direct_url``, through this pooler; with
        ``tell``, the URL also tells connectapps it is pooled (``?pooler=transaction``)."""
        parts = urlsplit(direct_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        query = "&".join(q for q in (parts.query, POOLED_QUERY if tell else "") if q)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

    def stop(self) -> None:
        if self.proc.poll() is None:
            stop_process(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(postgres_url: str, pool_size: int = POOL_SIZE) -> PgBouncer:
    """Start pgbouncer in front of ``postgres_url``'s server; raise (with its log) if it does not serve."""
    executable = binary()
    if executable is None:
        raise RuntimeError("pgbouncer is not installed (make test installs Debian's pgbouncer package)")
    folder = Path(tempfile.mkdtemp(prefix="connectapps-pgbouncer-"))
    port = free_port()
    ini = folder / "pgbouncer.ini"
    ini.write_text(config(postgres_url, port, folder, pool_size))
    try:
        with (folder / "pgbouncer.log").open("wb") as log:
            proc = subprocess.Popen([executable, str(ini)], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"pgbouncer did not start: {exc}") from None
    bouncer = PgBouncer(port, proc, folder)
    probe = bouncer.pooled_url(postgres_url, tell=False)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(probe, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return bouncer
        except psycopg.OperationalError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                text = bouncer.log.read_text(errors="replace")
                bouncer.stop()
                raise RuntimeError(f"pgbouncer did not start ({exc}):\n{text}") from None
            time.sleep(0.1)


OFF = "off"
_shared: PgBouncer | None = None
_failed: str | None = None


def wanted() -> bool:
    """Whether the suite runs the ``pgbouncer`` configuration: whenever pgbouncer is installed, and
    always under CI (where a missing or broken pgbouncer fails the run); ``CONNECTAPPS_TEST_PGBOUNCER=off``
    turns it off outside CI."""
    if os.environ.get("CI"):
        return True
    return os.environ.get(BINARY_ENV, "").lower() != OFF and binary() is not None


def shared(postgres_url: str) -> PgBouncer:
    """The one pgbouncer of this test session, started on first use (a failed start is not retried)."""
    global _shared, _failed
    if _failed is not None:
        raise RuntimeError(_failed)
    if _shared is None:
        try:
            _shared = start(postgres_url)
        except RuntimeError as exc:
            _failed = str(exc)
            raise
    return _shared


def stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None
