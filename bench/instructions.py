"""``python -m bench instructions``: what each endpoint costs in machine instructions per request, counted
by Valgrind, beside the ceiling's (bench/ceiling.py), on SQLite.

On these shared machines a timed figure moves by a third from one minute to the next, and the in-process
timings of ``python -m bench profile`` by as much (one run put a fetch under the ceiling, the next at twice
it). An instruction count of the same code on the same data does not move with the host: compare two trees
(``--source OLD/src``) with one run each. What it leaves out: Granian, the kernel, and the instructions'
unequal prices (a cache miss costs more than an add), so it finds where work is, not the served ratio.

Each endpoint runs in a fresh interpreter under ``valgrind --tool=cachegrind``, twice, over its own copy of
one seeded database: ``--warmup`` requests, then ``--warmup`` + ``--count``. The difference, over
``--count``, is the endpoint's own. The interpreters log as ``serve`` does (JSON access lines, read and
dropped), so a request's access line is counted, as it is paid when served. Runs go two at a time: a
count does not depend on what else the machine does.
"""

import argparse
import gc
import json
import logging.config
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from bench import endpoints, servers
from bench.databases import SqliteBackend
from bench.endpoints import Endpoint

CEILING = "ceiling"
_REFS = re.compile(r"^==\d+== I\s+refs:\s+([\d,]+)\s*$", re.M)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=1_000, help="Connect Apps seeded (default 1000)")
    parser.add_argument("--endpoints", nargs="+", choices=endpoints.DEFAULT_ORDER,
                        default=list(endpoints.DEFAULT_ORDER))
    parser.add_argument("--warmup", type=int, default=200, help="requests before the counted ones (default 200)")
    parser.add_argument("--count", type=int, default=1_000, help="requests counted (default 1000)")
    parser.add_argument("--source", type=Path, help="a src/ folder to count instead of this checkout's")
    return parser.parse_args(argv)


def instructions(log: str) -> int:
    """The instructions a run executed, from Valgrind's summary (``==PID== I refs: 1,391,480,689``)."""
    found = _REFS.search(log)
    if found is None:
        raise RuntimeError(f"no instruction count in Valgrind's output:\n{log[-2000:]}")
    return int(found.group(1).replace(",", ""))


def counted(command: Sequence[str], env: dict[str, str] | None = None) -> int:
    """The instructions ``command`` executes under Valgrind (its own output is dropped)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        done = subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                               f"--log-file={log.name}", *command],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        return instructions(log.read())


def per_request(endpoint: Endpoint, database: Path, args: argparse.Namespace, work: Path) -> float:
    """``endpoint``'s instructions per request: two counted runs, ``--count`` requests apart."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts in every run
    if args.source is not None:
        env["PYTHONPATH"] = f"{args.source}{os.pathsep}{Path(__file__).resolve().parent.parent}"
    spec = work / f"{endpoint.name}.json"
    spec.write_text(json.dumps(asdict(endpoint)))

    def run(requests: int) -> int:
        copy = work / f"{endpoint.name}-{requests}.db"
        shutil.copyfile(database, copy)  # every run starts from the same data (an update changes it)
        command = [sys.executable, "-m", "bench.instructions", "--child", str(spec), str(copy), str(requests)]
        return counted(command, env)

    with ThreadPoolExecutor(2) as pool:
        short, long = pool.map(run, (args.warmup, args.warmup + args.count))
    return (long - short) / int(args.count)


def child(spec: Path, database: Path, requests: int) -> None:
    """In the counted interpreter: ``requests`` requests of the endpoint in ``spec``, logged as served."""
    from bench import ceiling
    from bench.profile import call
    from connectapps.app import create_app
    from connectapps.ops import logs
    from connectapps.store import open_store

    fields = json.loads(spec.read_text())
    endpoint = Endpoint(**{**fields, "paths": tuple(fields["paths"]),
                           "headers": tuple(tuple(pair) for pair in fields["headers"])})
    logging.config.dictConfig(logs.dict_config("json", "info"))  # to stderr, which the parent drops
    store = open_store(f"sqlite:///{database}")
    app = ceiling.app if endpoint.name == CEILING else create_app(store)
    gc.collect()
    gc.freeze()  # as a worker does
    for n in range(requests):
        status = call(app, endpoint, endpoint.paths[n % len(endpoint.paths)])
        if not status.startswith("2"):
            raise RuntimeError(f"{endpoint.name}: {endpoint.paths[0]} answered {status}")
    logs.flush_access()
    store.close()


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--child"]:
        child(Path(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    args = parse_args(argv)
    print(f"sqlite, {args.apps:,} apps; instructions per request over {args.count:,} requests after "
          f"{args.warmup:,}, counted by Valgrind{f'; code from {args.source}' if args.source else ''}", flush=True)
    with tempfile.TemporaryDirectory(prefix="connectapps-instructions-") as tmp:
        work = Path(tmp)
        backend = SqliteBackend(work)
        with backend.fresh("instructions") as url:
            seed = servers.seed(url, args.apps, args.source)
            backend.after_seed(url)
            built = endpoints.build(tuple(args.endpoints), backend, url, seed)
            database = Path(url.removeprefix("sqlite:///"))
            base = per_request(Endpoint(CEILING, ("/health",)), database, args, work)
            print(f"\n{'endpoint':15} {'instructions/request':>21} {'÷ ceiling':>10}")
            print(f"{CEILING:15} {base:21,.0f} {1.0:10.2f}", flush=True)
            for endpoint in built:
                count = per_request(endpoint, database, args, work)
                print(f"{endpoint.name:15} {count:21,.0f} {count / base:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
