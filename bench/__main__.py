"""``python -m bench``: load-test the ConnectApps server with wrk on SQLite, PostgreSQL and PostgreSQL
through PgBouncer (transaction mode).

For each backend, dataset size and worker count it seeds a fresh database, starts
``connectapps serve``, and measures /health (the hello-world ceiling of that same server)
and the ConnectApps endpoints; then prints a table and writes bench/results/.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import endpoints, report, resources, servers, wrk
from bench.databases import (
    DEFAULT_POSTGRES_URL,
    POSTGRES_URL_ENV,
    Backend,
    PgBouncerBackend,
    PostgresBackend,
    SqliteBackend,
)
from bench.endpoints import Endpoint
from bench.report import Row, human_count
from bench.servers import Seed, Server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
QUICK_SIZES = (1_000, 20_000)
QUICK_DURATION_S = 3.0
QUICK_WARMUP_S = 1.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000, help="small dataset size (default 1000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="large dataset size (default 1000000)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_SIZES[0]} and {QUICK_SIZES[1]} apps, "
                             f"{QUICK_DURATION_S:.0f}s runs, {QUICK_WARMUP_S:.0f}s warm-up")
    parser.add_argument("--duration", type=float, help="seconds per measurement (default 10; --quick: 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each measurement (default 2; --quick: 1)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server worker counts (default 1 2)")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres", "pgbouncer"],
                        default=["sqlite", "postgres", "pgbouncer"],
                        help="pgbouncer: PostgreSQL through a PgBouncer in transaction mode (default: all three)")
    parser.add_argument("--endpoints", nargs="+", choices=endpoints.ALL, default=list(endpoints.DEFAULT_ORDER),
                        help="what to measure; /health is always measured first (default: all but "
                             f"{endpoints.LIST_OFFSET})")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL),
                        help=f"an admin connection to create/drop bench databases with (default ${POSTGRES_URL_ENV} "
                             f"or {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.sizes = QUICK_SIZES if args.quick else (args.small, args.large)
    if args.duration is None:
        args.duration = QUICK_DURATION_S if args.quick else 10.0
    if args.warmup is None:
        args.warmup = QUICK_WARMUP_S if args.quick else 2.0
    names = [endpoints.HEALTH, *(n for n in args.endpoints if n != endpoints.HEALTH)]
    args.endpoint_names = tuple(dict.fromkeys(names))
    return args


def core_notice() -> str:
    cores = os.cpu_count() or 0
    return (f"NOTE: this machine has {cores} CPU core(s); wrk runs on the same cores as the server and its database "
            "(no core of its own), so every figure here is lower than the server alone could reach, and the "
            "ratio to /health is the figure to compare.")


def check(server: Server, endpoint: Endpoint) -> None:
    """One request per endpoint before loading it: it must answer 2xx (and a full page for lists)."""
    import json

    status, body = servers.request(server.base_url, endpoint.paths[0], method=endpoint.method,
                                   headers=dict(endpoint.headers), body=endpoint.body)
    if not 200 <= status < 300:
        raise RuntimeError(f"{endpoint.name}: {endpoint.method} {endpoint.paths[0]} answered {status}: {body[:300]!r}")
    if endpoint.expect_items is not None:
        items = len(json.loads(body)[endpoint.list_key])
        if items != endpoint.expect_items:
            raise RuntimeError(f"{endpoint.name}: {items} items on the page, expected {endpoint.expect_items}")


def measure_server(args: argparse.Namespace, wrk_path: str, backend: Backend, seed: Seed, url: str, workers: int,
                   scripts: dict[str, Path], built: list[Endpoint], log: Path, rows: list[Row]) -> None:
    """Start one server and measure every endpoint on it, /health first; appends to ``rows`` as it goes."""
    settings = wrk.WrkSettings(threads=args.threads, connections=args.connections, duration_s=args.duration)
    with Server(url, workers, log) as server:
        for endpoint in built:
            check(server, endpoint)
        ceiling: float | None = None
        for endpoint in built:
            try:
                if args.warmup > 0:
                    wrk.run(wrk_path, server.base_url, scripts[endpoint.name], settings, duration_s=args.warmup)
                result = wrk.run(wrk_path, server.base_url, scripts[endpoint.name], settings)
            except RuntimeError as exc:
                state = "running" if server.running else "exited"
                raise RuntimeError(f"{endpoint.name}: {exc}\nserver ({state}) log:\n{server.log_tail()}") from exc
            if endpoint.name == endpoints.HEALTH:
                ceiling = result.rps
            row = Row.of(backend.name, seed.apps, workers, endpoint.name, result, ceiling)
            rows.append(row)
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
            print(f"  {backend.name:8} {human_count(seed.apps):>5} w{workers} {endpoint.name:15} "
                  f"{row.rps:9,.0f} req/s  p50 {row.p50_ms:7.2f} ms  p99 {row.p99_ms:7.2f} ms  ratio {ratio}"
                  + (f"  !! {row.flag}" if row.flag else ""), flush=True)


def bench_dataset(args: argparse.Namespace, wrk_path: str, backend: Backend, apps: int, tmp: Path,
                  seeds: list[dict[str, Any]], rows: list[Row], errors: list[str]) -> None:
    """Seed a fresh database with ``apps`` apps and measure it with every worker count; appends to ``rows``.

    A server that fails (does not start, dies under load, answers errors to the first request) is
    recorded in ``errors`` and the run goes on with the next configuration.
    """
    with backend.fresh(human_count(apps)) as url:
        print(f"\n[{backend.name}] seeding {apps:,} Connect Apps …", flush=True)
        seed = servers.seed(url, apps)
        messages = 0
        if set(endpoints.MESSAGE_ENDPOINTS) & set(args.endpoint_names):
            started = time.perf_counter()
            messages = resources.seed_messages(url, seed.account_sid, min(apps, resources.MAX_MESSAGES))
            print(f"[{backend.name}] seeded {messages:,} Messages in {time.perf_counter() - started:.1f}s", flush=True)
        prepared = time.perf_counter()
        backend.after_seed(url)
        seeds.append({"backend": backend.name, "apps": apps, "seed_seconds": round(seed.seconds, 2),
                      "after_seed_seconds": round(time.perf_counter() - prepared, 2)})
        print(f"[{backend.name}] seeded in {seed.seconds:.1f}s", flush=True)
        built = endpoints.build(args.endpoint_names, backend, url, seed, messages)
        scripts: dict[str, Path] = {}
        for endpoint in built:
            script = tmp / f"{backend.name}-{apps}-{endpoint.name}.lua"
            script.write_text(wrk.lua_script(endpoint.paths, method=endpoint.method, headers=dict(endpoint.headers),
                                             body=endpoint.body))
            scripts[endpoint.name] = script
        for workers in args.workers:
            log = tmp / f"server-{backend.name}-{apps}-w{workers}.log"
            try:
                measure_server(args, wrk_path, backend, seed, url, workers, scripts, built, log, rows)
            except RuntimeError as exc:
                errors.append(f"{backend.name} {human_count(apps)} w{workers}: {exc}")
                print(f"!! {errors[-1]}", file=sys.stderr, flush=True)


def git_state() -> dict[str, Any]:
    """The commit measured, and whether the work tree differed from it (the server runs from src/)."""
    def git(*command: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *command], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "HEAD") or None, "src_modified": bool(git("status", "--porcelain", "src"))}


def load_warning() -> str | None:
    """A warning when other processes already keep the cores busy (the figures would be noisy)."""
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        return (f"WARNING: the 1-minute load average is {load:.1f} before the run: other processes are using "
                "the cores, so these figures will be lower and noisier than on an idle machine.")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import matplotlib  # noqa: F401  (checked now rather than after the whole run)
    except ImportError:
        print("error: matplotlib is needed for the chart: .venv/bin/pip install matplotlib", file=sys.stderr)
        return 2
    try:
        wrk_path = wrk.ensure_wrk()
    except wrk.WrkUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    started = datetime.now(UTC)
    notice = core_notice()
    print(notice)
    load_before = [round(x, 2) for x in os.getloadavg()]
    busy = load_warning()
    if busy:
        print(busy)
    print(f"wrk: -t{args.threads} -c{args.connections} -d{args.duration:g}s after a {args.warmup:g}s warm-up; "
          f"datasets {', '.join(human_count(n) for n in args.sizes)}; workers {args.workers}", flush=True)

    rows: list[Row] = []
    seeds: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    errors: list[str] = []
    failure: BaseException | None = None
    with tempfile.TemporaryDirectory(prefix="connectapps-bench-") as tmp_name:
        tmp = Path(tmp_name)
        backends: list[Backend] = []
        if "sqlite" in args.backends:
            backends.append(SqliteBackend(tmp))
        pooled = PgBouncerBackend(args.postgres_url)
        for candidate in (PostgresBackend(args.postgres_url), pooled):
            if candidate.name not in args.backends:
                continue
            why = candidate.reachable()
            if why is None:
                backends.append(candidate)
            else:
                skipped[candidate.name] = why
                print(f"{candidate.name} not usable at {args.postgres_url} ({why}): skipping its runs.")
        try:
            for backend in backends:
                for apps in args.sizes:
                    bench_dataset(args, wrk_path, backend, apps, tmp, seeds, rows, errors)
        except (Exception, KeyboardInterrupt) as exc:
            failure = exc
            print(f"\nerror: {type(exc).__name__}: {exc}\n(reporting what was measured so far)", file=sys.stderr)
        finally:
            pooled.close()

    print("\n" + report.table(rows))
    print("\nratio = req/s over /health req/s of the same server in the same run.")
    print(notice)
    if busy:
        print(busy)
    if skipped:
        print("skipped: " + "; ".join(f"{name} ({why})" for name, why in skipped.items()))
    for error in errors:
        print(f"!! FAILED: {error.splitlines()[0]}")
    if any(r.flag for r in rows):
        print("!! some runs had non-2xx answers or socket errors: see the errors column.")

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    metadata: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": failure is None and not errors,
        "errors": errors,
        "command": " ".join([Path(sys.executable).name, "-m", "bench", *(argv if argv is not None else sys.argv[1:])]),
        "git": git_state(),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "warnings": [w for w in (busy,) if w],
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "wrk": {"version": wrk.version(wrk_path), "threads": args.threads, "connections": args.connections,
                "duration_s": args.duration, "warmup_s": args.warmup},
        "note": notice,
        "skipped": skipped,
        "seeds": seeds,
        "endpoints": {name: endpoints.DESCRIPTIONS[name] for name in args.endpoint_names},
    }
    paths = [args.results_dir / f"{stamp}.json", args.results_dir / "latest.json"]
    for path in paths:
        report.write_json(path, metadata, rows)
    chart = args.results_dir / "latest.png"
    if rows:
        subtitle = f"{os.cpu_count()} cores shared by wrk, server and database; wrk -c{args.connections}, {stamp}"
        report.write_chart(chart, rows, subtitle)
    print(f"\nwrote {', '.join(str(p) for p in paths)}" + (f", {chart}" if rows else ""))
    if failure is not None:
        return 130 if isinstance(failure, KeyboardInterrupt) else 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
