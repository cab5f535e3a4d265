"""Seeding a database and running ``connectapps serve`` as a subprocess that is always stopped."""

import compileall
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
CONNECTAPPS = [sys.executable, "-m", "connectapps"]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Seed:
    """What ``connectapps dev seed-bulk`` created."""

    account_sid: str
    auth_token: str
    apps: int
    seconds: float


@dataclass(frozen=True)
class Memory:
    """A process's resident set (``VmRSS``, what the issue's target counts) and the part of it that is its
    own (``RssAnon``). The rest is the files it maps, its libraries, and how much of those is counted depends
    on the host's page cache, not on the process: the same idle worker read 53.8 MiB in a newly installed
    checkout and 48.0 MiB after ``echo 3 > /proc/sys/vm/drop_caches`` (docs/benchmarks.md)."""

    rss_mib: float
    anon_mib: float

    def as_json(self) -> dict[str, float]:
        return {"rss_mib_after_load": round(self.rss_mib, 1), "rss_anon_mib_after_load": round(self.anon_mib, 1)}


def status_memory(status: str) -> Memory:
    """The memory of a /proc/PID/status text (its ``VmRSS`` and ``RssAnon`` lines, in kB)."""
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kib = {name: int(fields[name].split()[0]) for name in ("VmRSS", "RssAnon")}
    return Memory(kib["VmRSS"] / 1024, kib["RssAnon"] / 1024)


def largest_memory(entries: Iterable[Path]) -> Memory:
    """The memory of the process with the largest resident set among ``entries`` (/proc/PID folders);
    processes that end meanwhile, or have no memory of their own, are passed over."""
    found = [Memory(0.0, 0.0)]
    for entry in entries:
        try:
            found.append(status_memory((entry / "status").read_text()))
        except (OSError, KeyError, IndexError, ValueError):
            continue
    return max(found, key=lambda memory: memory.rss_mib)


def compile_bytecode(source: Path | None = None) -> None:
    """Write the bytecode of the code measured (``source``, else this tree's src/), as an install would:
    where PYTHONDONTWRITEBYTECODE is set, no import writes it, and each server's start would compile
    every module again — a cost of the measuring machine, not of the code."""
    compileall.compile_dir(source or ROOT / "src", quiet=1)


def seed(database_url: str, apps: int, source: Path | None = None) -> Seed:
    """Create an account with ``apps`` Connect Apps in the database (migrating it first), with the
    code in ``source`` (a src/ folder) if given."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(source)} if source is not None else None
    done = subprocess.run(
        [*CONNECTAPPS, "dev", "seed-bulk", "--apps", str(apps), "--database", database_url],
        capture_output=True, text=True, check=False, env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seed-bulk failed (exit {done.returncode}):\n{done.stderr.strip()}")
    body = json.loads(done.stdout)
    if body["apps"] != apps:
        raise RuntimeError(f"seed-bulk inserted {body['apps']} apps, not {apps}")
    return Seed(body["account_sid"], body["auth_token"], body["apps"], time.perf_counter() - started)


def stat_fields(line: str) -> list[str]:
    """A /proc/PID/stat line's fields from the third (state) on: the second, the command name, is in
    parentheses and may itself hold spaces or parentheses, so the split starts after the last ")"."""
    return line.rsplit(")", 1)[1].split()


def cpu_ticks(line: str) -> int:
    """utime + stime of a /proc/PID/stat line (its fields 14 and 15), in clock ticks."""
    fields = stat_fields(line)
    return int(fields[11]) + int(fields[12])


def group_processes(pgrp: int) -> list[tuple[Path, str]]:
    """(/proc/PID, its stat line) of each process in the process group ``pgrp`` (field 5 of the line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "stat").read_text()
            if int(stat_fields(line)[2]) == pgrp:
                found.append((entry, line))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return found


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``connectapps serve`` on a free loopback port, in its own process group; a context manager.

    Entering starts it and waits for ``GET /health`` to answer 200; leaving stops the whole group
    (SIGTERM, then SIGKILL), whatever happened inside the block.
    """

    def __init__(self, database_url: str, workers: int, log_path: Path, extra: tuple[str, ...] = (),
                 cores: str | None = None, source: Path | None = None) -> None:
        self.database_url = database_url
        self.workers = workers
        self.log_path = log_path
        self.extra = extra  # more ``serve`` flags
        self.cores = cores  # ``taskset -c`` list the server's processes are pinned to (None: not pinned)
        self.source = source  # a src/ folder to run connectapps from instead of this checkout's
        self.env: dict[str, str] = {}  # more environment for the command
        self.port = 0
        self.started = 0.0
        self.start_seconds = 0.0
        """From the start of the command to the first 200 of ``/health``."""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        return [
            *CONNECTAPPS, "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--database", self.database_url, *self.extra,
        ]

    def start(self) -> None:
        self.port = free_port()
        command = self.command()
        if self.cores is not None:
            command = ["taskset", "-c", self.cores, *command]  # workers inherit the affinity
        self.started = time.perf_counter()
        env = {**os.environ, **self.env}
        if self.source is not None:  # another copy of the code (a "before" measurement)
            env["PYTHONPATH"] = str(self.source)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                cwd=ROOT, env=env,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode} at start:\n{self.log_tail()}")
            if self._healthy():
                self.start_seconds = time.perf_counter() - self.started
                return
            time.sleep(0.02)
        raise RuntimeError(f"server not healthy after {START_TIMEOUT_S:.0f}s:\n{self.log_tail()}")

    def memory(self) -> Memory:
        """The memory of the largest worker (the issue's target is a worker's): the server's processes but
        its main one, the group's leader, which serves no request and maps more library files than any."""
        leader = Path(f"/proc/{self.process.pid}") if self.process is not None else None
        return largest_memory(entry for entry, _ in self._processes() if entry != leader)

    def cpu_seconds(self) -> float:
        """The CPU time (user + system) the server's processes have used so far, summed over the group;
        the difference over a load is its cost. A process that exits in between takes its time with it."""
        ticks = sum(cpu_ticks(line) for _, line in self._processes())
        return ticks / os.sysconf("SC_CLK_TCK")

    def _processes(self) -> list[tuple[Path, str]]:
        """(/proc/PID, its stat line) of the master and its workers (none when not started)."""
        # The process group: start_new_session made the master's pid its id.
        return group_processes(self.process.pid) if self.process is not None else []

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/health", timeout=1) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server and its workers (SIGTERM, then SIGKILL for what is left); idempotent."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # our own group: start_new_session made pid its id
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            # Still up: kill the whole group, workers included, so nothing holds the port or the database.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class CeilingServer(Server):
    """The ceiling (bench/ceiling.py) under Granian: one worker, ``threads`` blocking threads."""

    launcher = "granian"  # the module ``python -m`` runs with Granian's options
    target = "bench.ceiling:app"

    def __init__(self, log_path: Path, threads: int, cores: str | None = None) -> None:
        super().__init__("", 1, log_path, cores=cores)
        self.threads = threads

    def command(self) -> list[str]:
        return [sys.executable, "-m", self.launcher, "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", "1", "--blocking-threads", str(self.threads),
                "--no-ws", self.target]


class FloorServer(CeilingServer):
    """The floor (bench/floor_app.py) on ``database_url`` under Granian: one worker, ``threads`` blocking
    threads (as many as ``connectapps serve`` gives its worker on that database) under ``cpu_policy``
    (serving.py); its list answers ``list_bytes`` bytes (0: the ceiling's body); with ``access_line``, each
    path also writes the access line serve writes for it."""

    launcher = "bench.floor_app"  # serve's CPU policy, then Granian
    target = "bench.floor_app:app"

    def __init__(self, database_url: str, log_path: Path, threads: int, *, cpu_policy: str,
                 cores: str | None = None, list_bytes: int = 0, access_line: bool = False) -> None:
        # bench.floor_app imports the store's models: only here
        from bench.floor_app import ACCESS_LINE_ENV, DATABASE_ENV, LIST_BYTES_ENV
        from connectapps.serving import CPU_POLICY_ENV

        super().__init__(log_path, threads, cores=cores)
        self.env = {DATABASE_ENV: database_url, LIST_BYTES_ENV: str(list_bytes), CPU_POLICY_ENV: cpu_policy,
                    ACCESS_LINE_ENV: "1" if access_line else "0"}


def request(base_url: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, bytes]:
    """One request (to check an endpoint before loading it): (status, body)."""
    data = body.encode() if body is not None else None
    req = urllib.request.Request(f"{base_url}{path}", data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())
