"""``python -m bench``: load-test the ConnectApps server with wrk on SQLite and PostgreSQL (and
PostgreSQL through PgBouncer in transaction mode, if asked).

For each backend and dataset size it seeds a fresh database and starts ``connectapps serve`` pinned
to one core (``taskset``), beside the ceiling — a minimal Falcon app under its own Granian, pinned to
the same core — and drives both with wrk pinned to the other core: the ceiling and every endpoint in
turn, in alternating rounds; the medians of the rounds and their ratio to the ceiling's are reported,
with a table, bench/results/*.json and a PNG chart. ``python -m bench profile`` measures the same
endpoints in-process instead (µs per request and a cProfile; see bench/profile.py); ``python -m bench ab``
loads two source trees side by side (see bench/ab.py); ``python -m bench instructions`` counts each
endpoint's machine instructions per request under Valgrind, a figure the host's noise does not move
(see bench/instructions.py); ``python -m bench floor`` serves each path's store work alone beside it, the
most the path could reach (see bench/floor.py); ``python -m bench write`` measures what group commit and
fewer indexes would save a SQLite update (see bench/write.py).
"""

import argparse
import importlib
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import common, dataset, endpoints, report, rounds, servers, wrk
from bench.common import core_notice
from bench.databases import Backend, PgBouncerBackend, PostgresBackend, SqliteBackend
from bench.endpoints import Endpoint
from bench.report import Row, human_count
from bench.servers import CeilingServer, Seed, Server

QUICK_SIZES = (1_000, 20_000)
QUICK_DURATION_S = 2.0
QUICK_WARMUP_S = 1.0
CEILING_THREADS = 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000, help="small dataset size (default 1000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="large dataset size (default 1000000)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_SIZES[0]} and {QUICK_SIZES[1]} apps, "
                             f"{QUICK_DURATION_S:.0f}s runs, {QUICK_WARMUP_S:.0f}s warm-up")
    parser.add_argument("--duration", type=float, help="seconds per round and endpoint (default 4; --quick: 2)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each endpoint's first round (default 1)")
    common.add_load_arguments(parser, rounds=3, endpoint_names=endpoints.DEFAULT_ORDER)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="server worker counts (default 1)")
    parser.add_argument("--source", type=Path, help="a src/ folder to run connectapps from (seed and serve) instead "
                        "of this checkout's, e.g. an older commit's `git archive` for a before/after")
    parser.add_argument("--ceiling-threads", type=int, default=CEILING_THREADS,
                        help=f"the ceiling's Granian blocking threads (default {CEILING_THREADS})")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres", "pgbouncer"],
                        default=["sqlite", "postgres"],
                        help="pgbouncer: PostgreSQL through a PgBouncer in transaction mode (default: sqlite postgres)")
    args = parser.parse_args(argv)
    args.sizes = QUICK_SIZES if args.quick else tuple(dict.fromkeys((args.small, args.large)))  # --large = --small: one
    if args.duration is None:
        args.duration = QUICK_DURATION_S if args.quick else 4.0
    if args.warmup is None:
        args.warmup = QUICK_WARMUP_S
    common.settle(args)
    return args


def measure_server(args: argparse.Namespace, wrk_path: str, backend: Backend, seed: Seed, url: str, workers: int,
                   scripts: dict[str, Path], built: list[Endpoint], tmp: Path, rows: list[Row],
                   starts: list[dict[str, Any]]) -> None:
    """Start the server and the ceiling and measure them in alternating rounds; appends to ``rows``."""
    settings = wrk.WrkSettings(threads=args.threads, connections=args.connections, duration_s=args.duration,
                               cores=args.wrk_cores)
    log = tmp / f"server-{backend.name}-{seed.apps}-w{workers}.log"
    ceiling_log = tmp / f"ceiling-{backend.name}-{seed.apps}-w{workers}.log"
    with (Server(url, workers, log, tuple(args.serve_flag), cores=args.server_cores, source=args.source) as server,
          CeilingServer(ceiling_log, args.ceiling_threads, cores=args.server_cores) as ceiling):
        starts.append({"backend": backend.name, "apps": seed.apps, "workers": workers,
                       "seconds_to_first_200": round(server.start_seconds, 3)})
        print(f"  serve answered its first 200 after {server.start_seconds:.2f}s", flush=True)
        rows += rounds.measure(wrk_path, settings, args.warmup, args.rounds, ceiling, server, built, scripts,
                               (backend.name, seed.apps, workers))
        memory = server.memory()
        starts[-1].update(memory.as_json())
        print(f"  largest worker after the load: {memory.rss_mib:.1f} MiB RSS, {memory.anon_mib:.1f} MiB "
              "of it its own (anonymous)", flush=True)


def bench_dataset(args: argparse.Namespace, wrk_path: str, backend: Backend, apps: int, tmp: Path,
                  seeds: list[dict[str, Any]], rows: list[Row], errors: list[str],
                  starts: list[dict[str, Any]]) -> None:
    """Seed a fresh database with ``apps`` apps and measure it with every worker count; appends to ``rows``.

    A server that fails (does not start, dies under load, answers errors to the first request) is
    recorded in ``errors`` and the run goes on with the next configuration.
    """
    with backend.fresh(human_count(apps)) as url:
        data = dataset.prepare(backend, url, apps, args.endpoint_names, tmp, args.source,
                               extra=[Endpoint(endpoints.CEILING, ("/",))])
        seeds.append({"backend": backend.name, "apps": apps, "seed_seconds": round(data.seed.seconds, 2),
                      "after_seed_seconds": round(data.after_seed_seconds, 2)})
        for workers in args.workers:
            try:
                measure_server(args, wrk_path, backend, data.seed, url, workers, data.scripts, data.built, tmp, rows,
                               starts)
            except RuntimeError as exc:
                errors.append(f"{backend.name} {human_count(apps)} w{workers}: {exc}")
                print(f"!! {errors[-1]}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import matplotlib  # noqa: F401  (checked now rather than after the whole run)
    except ImportError:
        print("error: matplotlib is needed for the chart: .venv/bin/pip install matplotlib", file=sys.stderr)
        return 2
    wrk_path = common.find_wrk()
    if wrk_path is None:
        return 2

    servers.compile_bytecode(args.source)
    started = datetime.now(UTC)
    notice = core_notice(args)
    print(notice)
    load_before = common.load_average()
    busy = common.load_warning()
    if busy:
        print(busy)
    print(f"wrk: -t{args.threads} -c{args.connections} -d{args.duration:g}s, {args.rounds} alternating rounds after a "
          f"{args.warmup:g}s warm-up; datasets {', '.join(human_count(n) for n in args.sizes)}; "
          f"workers {args.workers}", flush=True)

    rows: list[Row] = []
    seeds: list[dict[str, Any]] = []
    starts: list[dict[str, Any]] = []
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
                    bench_dataset(args, wrk_path, backend, apps, tmp, seeds, rows, errors, starts)
        except (Exception, KeyboardInterrupt) as exc:
            failure = exc
            print(f"\nerror: {type(exc).__name__}: {exc}\n(reporting what was measured so far)", file=sys.stderr)
        finally:
            pooled.close()

    print("\n" + report.table(rows))
    print("\nratio = median req/s over the ceiling's median req/s (same core, same run).")
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
        "command": common.command_line(argv if argv is not None else sys.argv[1:]),
        "git": common.git_state(),
        "load_average": {"before": load_before, "after": common.load_average()},
        "warnings": [w for w in (busy,) if w],
        "machine": common.machine(),
        "wrk": {"version": wrk.version(wrk_path), "threads": args.threads, "connections": args.connections,
                "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds},
        "cores": {"servers": args.server_cores, "wrk": args.wrk_cores, "ceiling_threads": args.ceiling_threads},
        "serve_flags": args.serve_flag,
        "starts": starts,
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
        pinning = (f"servers on core {args.server_cores}, wrk on {args.wrk_cores}" if args.server_cores
                   else "wrk shares the cores")
        subtitle = f"{pinning}; wrk -c{args.connections}, medians of {args.rounds} rounds; {stamp}"
        report.write_chart(chart, rows, subtitle)
    print(f"\nwrote {', '.join(str(p) for p in paths)}" + (f", {chart}" if rows else ""))
    if failure is not None:
        return 130 if isinstance(failure, KeyboardInterrupt) else 1
    return 1 if errors else 0


SUBCOMMANDS = ("profile", "ab", "floor", "instructions", "write")  # each a module of bench with its own main(argv)


if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in SUBCOMMANDS:
        sys.exit(importlib.import_module(f"bench.{sys.argv[1]}").main(sys.argv[2:]))
    sys.exit(main())
