"""``python -m bench ab``: two source trees side by side, under the same load, minute by minute.

On a shared host one server's throughput swings by a third from one minute to the next, so a "before"
measured ten minutes ahead of the "after" compares the host as much as the code. This seeds one
database (with tree A's code) and serves it from both trees at once, both pinned to the same core and
wrk to the other; for each endpoint it loads A then B, round after round (B first every other round,
so neither side always runs first), and each round's B/A compares figures taken seconds apart. Beside
req/s and latencies it reports each server's CPU µs per request: the user + system time of its whole
process group over the run (/proc/PID/stat), divided by the requests wrk completed.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import common, dataset, endpoints, report, rounds, servers, wrk
from bench.databases import Backend
from bench.endpoints import Endpoint
from bench.report import human_count
from bench.servers import Server

SIDES = ("A", "B")
Runs = dict[str, list["Run"]]  # each side's runs of one endpoint, in round order


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench ab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, required=True, help="tree A's src/ folder (the baseline), e.g. "
                        "/tmp/a/src after `git archive <commit> src | tar -x -C /tmp/a`")
    parser.add_argument("--b", type=Path, default=common.ROOT / "src", help="tree B's src/ folder "
                        "(default: this checkout's)")
    common.add_dataset_arguments(parser)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run (default 4)")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="warm-up seconds of each side before each endpoint's rounds (default 1; 0: none)")
    common.add_load_arguments(parser, rounds=7, endpoint_names=(endpoints.FETCH, endpoints.UPDATE))
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    for name in ("a", "b"):
        tree = getattr(args, name).resolve()
        if not (tree / "connectapps" / "__init__.py").is_file():
            parser.error(f"--{name} {tree} holds no connectapps package: give the src/ folder itself")
        setattr(args, name, tree)
    common.settle(args)
    return args


@dataclass(frozen=True)
class Run:
    """One side's wrk run in one round, and the CPU time its server's processes used meanwhile."""

    result: wrk.WrkResult
    cpu_s: float

    @property
    def cpu_us(self) -> float:
        """Worker CPU µs per request completed."""
        return self.cpu_s * 1e6 / self.result.requests if self.result.requests else float("nan")

    def record(self) -> dict[str, Any]:
        return {**asdict(self.result), "cpu_s": round(self.cpu_s, 3), "cpu_us_per_request": round(self.cpu_us, 1)}


@dataclass(frozen=True)
class Summary:
    """One endpoint's medians over the rounds both sides completed."""

    rounds: int
    rps_a: float
    rps_b: float
    ratio_of_medians: float
    median_ratio: float
    """The median of the rounds' B/A: each compares two runs seconds apart."""
    cpu_us_a: float
    cpu_us_b: float
    p50_ms_a: float
    p50_ms_b: float
    p99_ms_a: float
    p99_ms_b: float
    errors_a: int
    errors_b: int


def round_order(number: int) -> tuple[str, ...]:
    """A then B in even rounds (0-based), B then A in odd ones: neither side always runs first."""
    return SIDES if number % 2 == 0 else SIDES[::-1]


def ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """B/A of each round both sides completed (inf where A's figure is 0)."""
    return [y / x if x else float("inf") for x, y in zip(a, b, strict=False)]


def summarize(runs: Runs) -> Summary | None:
    """The medians over the complete rounds; None before the first one."""
    complete = min(len(runs[side]) for side in SIDES)
    if complete == 0:
        return None
    a, b = runs["A"][:complete], runs["B"][:complete]
    ma, mb = (rounds.median_result([run.result for run in side]) for side in (a, b))
    return Summary(
        rounds=complete, rps_a=ma.rps, rps_b=mb.rps, ratio_of_medians=ratios([ma.rps], [mb.rps])[0],
        median_ratio=statistics.median(ratios([r.result.rps for r in a], [r.result.rps for r in b])),
        cpu_us_a=statistics.median(r.cpu_us for r in a), cpu_us_b=statistics.median(r.cpu_us for r in b),
        p50_ms_a=ma.p50_ms, p50_ms_b=mb.p50_ms, p99_ms_a=ma.p99_ms, p99_ms_b=mb.p99_ms,
        errors_a=ma.errors, errors_b=mb.errors,
    )


def imported_from(tree: Path) -> Path:
    """Where a server given ``tree`` imports connectapps from (it must be ``tree``, not the installed copy)."""
    done = subprocess.run([sys.executable, "-c", "import connectapps; print(connectapps.__file__)"],
                          capture_output=True, text=True, check=True, cwd=common.ROOT,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    return Path(done.stdout.strip()).resolve().parent.parent


def timed(wrk_path: str, server: Server, endpoint: Endpoint, script: Path, settings: wrk.WrkSettings) -> Run:
    """One run of ``endpoint`` on ``server``, with the CPU time the server's process group used over it."""
    before = server.cpu_seconds()
    result = rounds.load(wrk_path, server, endpoint.name, script, settings)
    return Run(result, server.cpu_seconds() - before)


def measure(args: argparse.Namespace, wrk_path: str, sides: dict[str, Server], endpoint: Endpoint, script: Path,
            runs: Runs) -> None:
    """Warm each side up once, then ``args.rounds`` rounds of both; appends to ``runs`` as it goes, so an
    interrupted run keeps what it measured."""
    settings = wrk.WrkSettings(threads=1, connections=args.connections, duration_s=args.duration,
                               cores=args.wrk_cores)
    if args.warmup > 0:
        for side in SIDES:
            rounds.load(wrk_path, sides[side], endpoint.name, script, settings, duration_s=args.warmup)
    for number in range(args.rounds):
        for side in round_order(number):
            runs[side].append(timed(wrk_path, sides[side], endpoint, script, settings))
        a, b = runs["A"][-1], runs["B"][-1]
        print(f"  round {number + 1}/{args.rounds} ({''.join(round_order(number))}): A {a.result.rps:,.0f} req/s "
              f"{a.cpu_us:.0f} µs/req, B {b.result.rps:,.0f} req/s {b.cpu_us:.0f} µs/req, "
              f"B/A {ratios([a.result.rps], [b.result.rps])[0]:.3f}", flush=True)


def bench(args: argparse.Namespace, wrk_path: str, backend: Backend, tmp: Path, measured: dict[str, Runs],
          info: dict[str, Any]) -> None:
    """Seed one database, serve it from both trees at once and load each endpoint; fills ``measured`` and
    ``info`` as it goes. Both servers are stopped on the way out, whatever happens."""
    with backend.fresh(human_count(args.apps)) as url:
        data = dataset.prepare(backend, url, args.apps, args.endpoint_names, tmp, source=args.a)
        info["seed_seconds"] = round(data.seed.seconds, 2)
        flags = tuple(args.serve_flag)
        with (Server(url, 1, tmp / "a.log", flags, cores=args.server_cores, source=args.a) as a,
              Server(url, 1, tmp / "b.log", flags, cores=args.server_cores, source=args.b) as b):
            sides = {"A": a, "B": b}
            info["seconds_to_first_200"] = {side: round(s.start_seconds, 3) for side, s in sides.items()}
            for endpoint in data.built:
                for side, server in sides.items():
                    try:
                        rounds.check(server, endpoint)
                    except RuntimeError as exc:
                        raise RuntimeError(f"tree {side}: {exc}") from exc
            for endpoint in data.built:
                print(f"\n{endpoint.name}: {endpoints.DESCRIPTIONS[endpoint.name]}", flush=True)
                measured[endpoint.name] = {side: [] for side in SIDES}
                measure(args, wrk_path, sides, endpoint, data.scripts[endpoint.name], measured[endpoint.name])
            info["memory_after_load"] = {side: s.memory().as_json() for side, s in sides.items()}


def rounds_table(runs: Runs) -> str:
    """Each round's figures, then the medians: how far single rounds swing shows beside the result."""
    header = ("round", "order", "A req/s", "B req/s", "B/A", "A µs/req", "B µs/req", "A p50 ms", "B p50 ms",
              "A p99 ms", "B p99 ms", "errors A/B")
    lines = []
    for number, (a, b) in enumerate(zip(runs["A"], runs["B"], strict=False)):
        lines.append((str(number + 1), "".join(round_order(number)), f"{a.result.rps:,.0f}", f"{b.result.rps:,.0f}",
                      f"{ratios([a.result.rps], [b.result.rps])[0]:.3f}", f"{a.cpu_us:.1f}", f"{b.cpu_us:.1f}",
                      f"{a.result.p50_ms:.2f}", f"{b.result.p50_ms:.2f}", f"{a.result.p99_ms:.2f}",
                      f"{b.result.p99_ms:.2f}", f"{a.result.errors}/{b.result.errors}"))
    s = summarize(runs)
    if s is not None:
        lines.append(("median", "", f"{s.rps_a:,.0f}", f"{s.rps_b:,.0f}", f"{s.median_ratio:.3f}",
                      f"{s.cpu_us_a:.1f}", f"{s.cpu_us_b:.1f}", f"{s.p50_ms_a:.2f}", f"{s.p50_ms_b:.2f}",
                      f"{s.p99_ms_a:.2f}", f"{s.p99_ms_b:.2f}", f"{s.errors_a}/{s.errors_b}"))
    return "\n".join(report.aligned(header, lines, set(range(2, len(header)))))


def memory_line(memory: dict[str, dict[str, float]]) -> str:
    """Each side's largest worker after the load, as the JSON records it."""
    sides = (f"{side} {m['rss_mib_after_load']} MiB ({m['rss_anon_mib_after_load']} anonymous)"
             for side, m in memory.items())
    return "largest worker after the load: " + ", ".join(sides)


def summary_table(measured: dict[str, Runs]) -> str:
    """One line per endpoint: the medians of each side and both B/A figures."""
    header = ("endpoint", "A req/s", "B req/s", "B/A medians", "median B/A", "A µs/req", "B µs/req", "B/A µs",
              "A p50 ms", "B p50 ms", "A p99 ms", "B p99 ms", "errors A/B")
    lines = []
    for name, runs in measured.items():
        s = summarize(runs)
        if s is not None:
            lines.append((name, f"{s.rps_a:,.0f}", f"{s.rps_b:,.0f}", f"{s.ratio_of_medians:.3f}",
                          f"{s.median_ratio:.3f}", f"{s.cpu_us_a:.1f}", f"{s.cpu_us_b:.1f}",
                          f"{ratios([s.cpu_us_a], [s.cpu_us_b])[0]:.3f}", f"{s.p50_ms_a:.2f}", f"{s.p50_ms_b:.2f}",
                          f"{s.p99_ms_a:.2f}", f"{s.p99_ms_b:.2f}", f"{s.errors_a}/{s.errors_b}"))
    return "\n".join(report.aligned(header, lines, set(range(1, len(header)))))


def records(runs: Runs) -> list[dict[str, Any]]:
    """Every round of one endpoint for the JSON file (a side missing where a run was cut short)."""
    out = []
    for number in range(max(len(runs[side]) for side in SIDES)):
        entry: dict[str, Any] = {"round": number + 1, "order": "".join(round_order(number))}
        for side in SIDES:
            entry[side] = runs[side][number].record() if number < len(runs[side]) else None
        if entry["A"] and entry["B"]:
            entry["b_over_a"] = round(ratios([entry["A"]["rps"]], [entry["B"]["rps"]])[0], 4)
        out.append(entry)
    return out


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # as Ctrl-C: stop both servers, report what was measured


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    wrk_path = common.find_wrk()
    if wrk_path is None:
        return 2
    for side, tree in zip(SIDES, (args.a, args.b), strict=True):
        if (found := imported_from(tree)) != tree:
            print(f"error: with PYTHONPATH={tree}, connectapps is imported from {found}", file=sys.stderr)
            return 2
        servers.compile_bytecode(tree)
        print(f"tree {side}: {tree}")
    if common.backend_unusable(args):
        return 2
    signal.signal(signal.SIGTERM, _terminated)
    started = datetime.now(UTC)
    notice = common.core_notice(args)
    load_before, busy = common.load_average(), common.load_warning()
    print("\n".join(filter(None, (notice, busy))))
    print(f"{args.backend}, {args.apps:,} apps; wrk -t1 -c{args.connections} -d{args.duration:g}s, {args.rounds} "
          f"rounds of A and B after a {args.warmup:g}s warm-up of each", flush=True)
    measured: dict[str, Runs] = {}
    info: dict[str, Any] = {}
    failure: BaseException | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="connectapps-ab-") as tmp_name:
            tmp = Path(tmp_name)
            backend = common.dataset_backend(args, tmp)
            bench(args, wrk_path, backend, tmp, measured, info)
    except (Exception, KeyboardInterrupt) as exc:
        failure = exc
        print(f"\nerror: {type(exc).__name__}: {exc}\n(reporting what was measured so far)", file=sys.stderr)

    complete = {name: runs for name, runs in measured.items() if summarize(runs) is not None}
    for name, runs in complete.items():
        print(f"\n{name}:\n{rounds_table(runs)}")
    if complete:
        print(f"\n{summary_table(complete)}")
    if "memory_after_load" in info:
        print(f"\n{memory_line(info['memory_after_load'])}")
    print("\nB/A medians = B's median req/s over A's; median B/A = the median of the rounds' B/A (each round's two "
          "runs seconds apart); µs/req = the server's CPU time (all its processes) per request completed.")
    print(notice)
    if any(s.errors_a or s.errors_b for s in filter(None, map(summarize, measured.values()))):
        print("!! some runs had non-2xx answers or socket errors: see the errors column.")
    path = args.results_dir / "ab-latest.json"
    report.write_document(path, {
        "started": started.isoformat(timespec="seconds"), "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": failure is None, "error": None if failure is None else f"{type(failure).__name__}: {failure}",
        "command": common.command_line(["ab", *argv]), "git": common.git_state(),
        "trees": {"A": str(args.a), "B": str(args.b)}, "backend": args.backend, "apps": args.apps, **info,
        "load_average": {"before": load_before, "after": common.load_average()},
        "warnings": [w for w in (busy,) if w], "machine": common.machine(),
        "wrk": {"version": wrk.version(wrk_path), "threads": 1, "connections": args.connections,
                "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds},
        "cores": {"servers": args.server_cores, "wrk": args.wrk_cores}, "serve_flags": args.serve_flag,
        "note": notice,
        "endpoints": {name: {"description": endpoints.DESCRIPTIONS[name],
                             "summary": asdict(s) if (s := summarize(runs)) else None, "rounds": records(runs)}
                      for name, runs in measured.items()},
    })
    print(f"\nwrote {path}")
    if failure is not None:
        return 130 if isinstance(failure, KeyboardInterrupt) else 1
    return 0
