"""``python -m bench profile``: the cost of each endpoint without wrk, HTTP or a second process.

It seeds a database as ``python -m bench`` does, builds the WSGI app in this process and calls it
directly, ``--requests`` times per batch, ``--batches`` batches per endpoint (rotating over the
endpoint's paths as wrk does), and prints the median CPU µs per request of each endpoint beside the
ceiling app's (bench/ceiling.py) — our own work is the difference. Then a cProfile of ``--top``
functions for each endpoint named with ``--profile``. On PostgreSQL the CPU figure leaves out the
database server's own work; the wall figure includes it.
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bench import common, endpoints, resources, servers
from bench.databases import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV, Backend
from bench.endpoints import Endpoint

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CEILING = "ceiling"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_dataset_arguments(parser)
    parser.add_argument("--requests", type=int, default=300, help="requests per batch (default 300)")
    parser.add_argument("--batches", type=int, default=7, help="batches per endpoint; the median counts (default 7)")
    choices = [n for n in endpoints.ALL if n != endpoints.HEALTH]
    parser.add_argument("--endpoints", nargs="+", choices=choices,
                        default=[endpoints.FETCH, endpoints.LIST_FIRST, endpoints.LIST_DEEP, endpoints.UPDATE])
    parser.add_argument("--profile", nargs="*", choices=choices, default=[endpoints.FETCH],
                        help="endpoints to cProfile (default fetch; none: no profile)")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile (default 25)")
    parser.add_argument("--sort", choices=["tottime", "cumulative"], default="tottime",
                        help="the profile's order: own time, or time with callees (default tottime)")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    return parser.parse_args(argv)


def environ(endpoint: Endpoint, path: str) -> dict[str, Any]:
    """The WSGI environ of one of ``endpoint``'s requests, as a server would build it."""
    target, _, query = path.partition("?")
    body = (endpoint.body or "").encode()
    env: dict[str, Any] = {
        "REQUEST_METHOD": endpoint.method, "PATH_INFO": target, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8080", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in endpoint.headers:
        key = name.upper().replace("-", "_")
        env[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return env


def call(app: Wsgi, endpoint: Endpoint, path: str) -> str:
    """One request; its status line (the body is read, as a server would)."""
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    env = environ(endpoint, path)
    for _ in app(env, start_response):
        pass
    return status[0]


def batch(app: Wsgi, endpoint: Endpoint, count: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per request over ``count`` requests rotating over the endpoint's paths."""
    paths = endpoint.paths
    cpu, wall = time.thread_time(), time.perf_counter()
    for n in range(count):
        call(app, endpoint, paths[n % len(paths)])
    return (time.thread_time() - cpu) * 1e6 / count, (time.perf_counter() - wall) * 1e6 / count


def measure(app: Wsgi, endpoint: Endpoint, args: argparse.Namespace) -> tuple[float, float]:
    """Median (CPU µs, wall µs) per request over the batches, after one warm-up batch."""
    status = call(app, endpoint, endpoint.paths[0])
    if not status.startswith("2"):
        raise RuntimeError(f"{endpoint.name}: {endpoint.method} {endpoint.paths[0]} answered {status}")
    batch(app, endpoint, args.requests)
    runs = [batch(app, endpoint, args.requests) for _ in range(args.batches)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def profile(app: Wsgi, endpoint: Endpoint, args: argparse.Namespace) -> str:
    """The top functions (by own time) over one batch of ``endpoint``."""
    profiler = cProfile.Profile()
    profiler.enable()
    batch(app, endpoint, args.requests)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(args.sort).print_stats(args.top)
    return out.getvalue()


def run(args: argparse.Namespace, backend: Backend, url: str) -> None:
    from bench import ceiling
    from connectapps.app import create_app
    from connectapps.store import open_store

    print(f"[{backend.name}] seeding {args.apps:,} Connect Apps …", flush=True)
    seed = servers.seed(url, args.apps)
    messages = 0
    if set(args.endpoints) & set(endpoints.MESSAGE_ENDPOINTS):
        messages = resources.seed_messages(url, seed.account_sid, min(args.apps, resources.MAX_MESSAGES))
    backend.after_seed(url)
    built = endpoints.build(tuple(args.endpoints), backend, url, seed, messages)
    store = open_store(url)
    try:
        app: Wsgi = create_app(store)
        gc.collect()
        gc.freeze()  # as create_app_from_env does in a worker
        hello = Endpoint(CEILING, ("/health",))
        base_cpu, base_wall = measure(ceiling.app, hello, args)
        print(f"\n{'endpoint':15} {'CPU µs/req':>11} {'wall µs/req':>12} {'÷ ceiling':>10}")
        print(f"{CEILING:15} {base_cpu:11.1f} {base_wall:12.1f} {1.0:10.2f}")
        for endpoint in built:
            cpu, wall = measure(app, endpoint, args)
            print(f"{endpoint.name:15} {cpu:11.1f} {wall:12.1f} {cpu / base_cpu:10.2f}", flush=True)
        for endpoint in built:
            if endpoint.name in args.profile:
                print(f"\n--- cProfile: {endpoint.name}, {args.requests} requests ---")
                print(profile(app, endpoint, args))
    finally:
        store.close()


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    print(f"{args.backend}, {args.apps:,} apps, median of {args.batches} batches of {args.requests} requests, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="connectapps-profile-") as tmp:
        backend = common.dataset_backend(args, Path(tmp))
        with backend.fresh("profile") as url:
            run(args, backend, url)
    return 0
