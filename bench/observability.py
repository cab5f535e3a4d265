"""``python -m bench.observability``: what the access log and the metrics cost per request.

One worker pinned to CPU 0 (``taskset``), wrk pinned to CPU 1, SQLite, for three servers in turn:

- ``bare``: ``--log-level warning`` (no access log), no metrics: the floor;
- ``log``: the JSON access log (the default), written to a file;
- ``log+metrics``: the access log and ``--metrics`` (every request counted in the multi-process files).

Each on ``GET /health`` (no database: the largest relative cost) and an authenticated Account fetch
(a typical API request), ``--rounds`` times in alternation; the best round of each is kept. Prints
requests per second, the median latency and each server's throughput relative to ``bare``.

    python -m bench.observability --duration 10 --rounds 3
"""

import argparse
import base64
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench import servers, wrk
from bench.servers import Server

CONFIGS: dict[str, tuple[str, ...]] = {
    "bare": ("--log-level", "warning"),
    "log": (),
    "log+metrics": ("--metrics", "0"),  # replaced by a free port at start
}


def _pin(pid: int, cpu: int) -> None:
    """Pin a process and every thread of it and of its children (the workers) to one CPU."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for each in [pid, *map(int, children)]:
        subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(each)], check=True, capture_output=True)


def _pinned_wrk(folder: Path) -> str:
    """A wrk that runs on CPU 1 only (``wrk.run`` takes the program to run)."""
    script = folder / "wrk-on-cpu1"
    script.write_text(f"#!/bin/sh\nexec taskset -c 1 {wrk.ensure_wrk()} \"$@\"\n")
    script.chmod(0o755)
    return str(script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, alternating (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset"):
        raise SystemExit("needs two CPUs and taskset (util-linux)")
    folder = Path(tempfile.mkdtemp(prefix="bench-observability-"))
    database = f"sqlite:///{folder / 'bench.db'}"
    seed = servers.seed(database, 10)
    credentials = base64.b64encode(f"{seed.account_sid}:{seed.auth_token}".encode()).decode()
    scripts = {
        "/health": wrk.lua_script(["/health"]),
        "Account fetch": wrk.lua_script([f"/2010-04-01/Accounts/{seed.account_sid}.json"],
                                        headers={"Authorization": f"Basic {credentials}"}),
    }
    load = _pinned_wrk(folder)
    settings = wrk.WrkSettings(threads=1, connections=args.connections, duration_s=args.duration)
    best: dict[tuple[str, str], wrk.WrkResult] = {}
    for _ in range(args.rounds):
        for name, flags in CONFIGS.items():
            extra = tuple(str(servers.free_port()) if flag == "0" else flag for flag in flags)
            with Server(database, 1, folder / f"{name}.log", extra) as server:
                assert server.process is not None
                _pin(server.process.pid, 0)
                for endpoint, text in scripts.items():
                    script = folder / f"{abs(hash(endpoint))}.lua"
                    script.write_text(text)
                    wrk.run(load, server.base_url, script, settings, duration_s=2)  # warm-up
                    result = wrk.run(load, server.base_url, script, settings)
                    if result.errors:
                        raise SystemExit(f"{name} {endpoint}: {result.errors} errors")
                    key = (name, endpoint)
                    if key not in best or result.rps > best[key].rps:
                        best[key] = result
    print(f"one worker on CPU 0, wrk -c{args.connections} on CPU 1, {args.duration:g} s runs, best of {args.rounds}")
    print(f"{'endpoint':<15} {'server':<12} {'req/s':>9} {'p50 ms':>8} {'vs bare':>8}")
    for endpoint in scripts:
        floor = best[("bare", endpoint)].rps
        for name in CONFIGS:
            result = best[(name, endpoint)]
            print(f"{endpoint:<15} {name:<12} {result.rps:>9.0f} {result.p50_ms:>8.2f} {result.rps / floor:>8.3f}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
