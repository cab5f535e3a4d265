"""``--database`` as a person may mistype it: one line naming the problem and the URL (never its
password), within seconds, a non-zero exit; and commands that only read never create a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import POSTGRES_ENV, backends
from tests.demo_run import start_demo

READ_ONLY = [
    ("db", "status"), ("accounts", "list"), ("apps", "list"), ("users", "list"),
    ("authorizations", "list"), ("callbacks", "list"),
]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A command, bounded well below the minute a retrying connection pool used to take."""
    env = {k: v for k, v in os.environ.items() if k != "CONNECTAPPS_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "connectapps", *args], capture_output=True, text=True,
                          timeout=30, env=env, cwd=cwd, check=False)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def postgres_url_with(database: str, password: str | None = None) -> str:
    parts = urlsplit(os.environ.get(POSTGRES_ENV) or "postgresql://postgres@127.0.0.1:5432/postgres")
    netloc = parts.netloc
    if password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':')[0]}:{password}@{host}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, parts.fragment))


@pytest.mark.parametrize("command", [("db", "status"), ("serve",), ("accounts", "list")])
def test_an_unsupported_scheme(command: tuple[str, ...]) -> None:
    line = one_line_error(run(*command, "--database", "mysql://root:hunter22@x/y"))
    assert "unsupported database URL mysql://root:***@x/y" in line and "hunter22" not in line
    assert "sqlite:///" in line and "postgresql://" in line


@pytest.mark.parametrize("command", [("db", "upgrade"), ("serve",)])
def test_a_sqlite_file_that_cannot_be_opened(command: tuple[str, ...]) -> None:
    line = one_line_error(run(*command, "--database", "sqlite:////proc/x.db"))
    assert line == "error: cannot open the SQLite database sqlite:////proc/x.db: unable to open database file"


def test_a_sqlite_path_that_is_a_folder(tmp_path: Path) -> None:
    line = one_line_error(run("db", "upgrade", "--database", f"sqlite:///{tmp_path}"))
    assert line == f"error: cannot open the SQLite database sqlite:///{tmp_path}: {tmp_path} is a directory"


def test_a_sqlite_url_without_a_path() -> None:
    assert "needs a file path" in one_line_error(run("db", "status", "--database", "sqlite://"))


# Runs where the suite runs on PostgreSQL (CONNECTAPPS_TEST_POSTGRES_URL set, as in CI).
@pytest.mark.parametrize("server_backend", [b for b in backends() if b == "postgres"])
@pytest.mark.parametrize("command", [("db", "status"), ("serve",), ("users", "list")])
def test_a_postgresql_database_that_does_not_exist(server_backend: str, command: tuple[str, ...]) -> None:
    url = postgres_url_with("connectapps_no_such_db", password="s3cret-pw")
    line = one_line_error(run(*command, "--database", url))
    assert "s3cret-pw" not in line
    shown = postgres_url_with("connectapps_no_such_db", "***")
    assert line == f'error: cannot connect to the PostgreSQL database {shown}: database "connectapps_no_such_db" ' \
                   "does not exist"


def test_a_postgresql_server_that_refuses() -> None:
    line = one_line_error(run("db", "status", "--database", "postgresql://ada:pw@127.0.0.1:1/x"))
    assert line == ("error: cannot connect to the PostgreSQL database postgresql://ada:***@127.0.0.1:1/x: "
                    "Connection refused")


@pytest.mark.parametrize("command", READ_ONLY, ids=[" ".join(c) for c in READ_ONLY])
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    typo = tmp_path / "no" / "such" / "folder" / "connectapps.db"
    line = one_line_error(run(*command, "--database", f"sqlite:///{typo}"))
    assert line.startswith(f"error: no SQLite database at {typo} (sqlite:///{typo})")
    assert not (tmp_path / "no").exists()


def test_read_only_commands_on_a_relative_default_path_create_nothing(tmp_path: Path) -> None:
    line = one_line_error(run("db", "status", cwd=tmp_path))
    assert line.startswith(f"error: no SQLite database at {tmp_path / 'connectapps.db'} (sqlite:///connectapps.db)")
    assert list(tmp_path.iterdir()) == []


def test_serve_says_when_it_creates_a_database_and_where(tmp_path: Path) -> None:
    path = tmp_path / "data" / "fresh.db"
    first = start_demo(f"sqlite:///{path}", tmp_path)
    first.stop()
    assert f"created a new SQLite database at {path}" in first.errors()  # a line of the JSON log
    assert path.is_file()
    again = start_demo(f"sqlite:///{path}", tmp_path)
    again.stop()
    assert "created a new SQLite database" not in again.errors().replace(first.errors(), "")


def test_db_upgrade_says_when_it_creates_a_database(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    done = run("db", "upgrade", "--database", f"sqlite:///{path}")
    assert done.returncode == 0 and done.stderr == f"connectapps: created a new SQLite database at {path}\n"
    assert run("db", "upgrade", "--database", f"sqlite:///{path}").stderr == ""
