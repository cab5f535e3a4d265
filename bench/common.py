"""What ``python -m bench`` and ``python -m bench ab`` share: the options of the load, the pinning of
the cores, and the record of the machine and checkout a run was made on (for the JSON results)."""

import argparse
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import endpoints, wrk
from bench.databases import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV, Backend, PostgresBackend, SqliteBackend

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """The database one command seeds: its engine and how many apps."""
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--apps", type=int, default=1_000, help="Connect Apps seeded (default 1000)")


def dataset_backend(args: argparse.Namespace, folder: Path) -> Backend:
    """The engine ``--backend`` names: a SQLite file in ``folder``, or a database on ``--postgres-url``."""
    return PostgresBackend(args.postgres_url) if args.backend == "postgres" else SqliteBackend(folder)


def backend_unusable(args: argparse.Namespace) -> bool:
    """Whether ``--backend postgres`` cannot reach its server (after saying why); SQLite always can."""
    if args.backend != "postgres" or (why := PostgresBackend(args.postgres_url).reachable()) is None:
        return False
    print(f"error: PostgreSQL not usable at {args.postgres_url}: {why}", file=sys.stderr)
    return True


def add_load_arguments(parser: argparse.ArgumentParser, *, rounds: int, endpoint_names: Sequence[str]) -> None:
    """The options both commands take the same way (defaults of rounds and endpoints aside)."""
    parser.add_argument("--rounds", type=int, default=rounds,
                        help=f"alternating rounds; medians are reported (default {rounds})")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--serve-flag", action="append", default=[], metavar="FLAG",
                        help="an extra flag for connectapps serve, e.g. --serve-flag=--blocking-threads=4 (repeatable)")
    parser.add_argument("--server-cores", default="0", help="taskset -c list for both servers (default 0)")
    parser.add_argument("--wrk-cores", default="1", help="taskset -c list for wrk (default 1)")
    parser.add_argument("--endpoints", nargs="+", choices=endpoints.ALL, default=list(endpoint_names),
                        help=f"what to measure (default: {' '.join(endpoint_names)})")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL),
                        help=f"an admin connection to create/drop bench databases with (default ${POSTGRES_URL_ENV} "
                             f"or {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)


def find_wrk() -> str | None:
    """wrk's path (installed first if missing), or None after saying why there is none."""
    try:
        return wrk.ensure_wrk()
    except wrk.WrkUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def settle(args: argparse.Namespace) -> None:
    """Derived settings: the endpoints without repeats; no pinning where it cannot separate wrk from
    the servers (one core, or no taskset)."""
    args.endpoint_names = tuple(dict.fromkeys(args.endpoints))
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        args.server_cores = args.wrk_cores = None


def core_notice(args: argparse.Namespace) -> str:
    if args.server_cores is None:
        return (f"NOTE: {os.cpu_count()} core(s) or no taskset: wrk shares the cores with the servers, so every "
                "ratio is compressed towards 1.")
    return (f"Both servers pinned to core(s) {args.server_cores}, wrk to {args.wrk_cores} (taskset); the database "
            "server is not pinned.")


def load_warning() -> str | None:
    """A warning when other processes already keep the cores busy (the figures would be noisy)."""
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        return (f"WARNING: the 1-minute load average is {load:.1f} before the run: other processes are using "
                "the cores, so these figures will be lower and noisier than on an idle machine.")
    return None


def git_state() -> dict[str, Any]:
    """The commit measured, and whether the work tree differed from it (the server runs from src/)."""
    def git(*command: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *command], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "HEAD") or None, "src_modified": bool(git("status", "--porcelain", "src"))}


def machine(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, Any]:
    """What the run was made on. The CPU's model too: the same code read 10-25% lower ratios on one host than
    on another, the ceiling faster and the server not (docs/benchmarks.md, ninth session)."""
    return {"cpu_count": os.cpu_count(), "cpu_model": cpu_model(cpuinfo), "platform": platform.platform(),
            "python": platform.python_version()}


def cpu_model(cpuinfo: Path) -> str | None:
    """The first ``model name`` of a /proc/cpuinfo text, or None where there is none (or no such file)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "model name":
            return value.strip()
    return None


def command_line(arguments: Sequence[str]) -> str:
    """How this run was started, as ``python -m bench …``."""
    return " ".join([Path(sys.executable).name, "-m", "bench", *arguments])


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
