"""``python -m bench.observability_inprocess``: the access log's and the metrics' cost per request, in
microseconds, with no HTTP server in between (``bench.observability`` measures end to end, where a busy
machine moves the figures by more than what is measured).

For each server of ``bench.observability`` (``bare``, ``log``, ``log+metrics``) and each round, a fresh
process builds the WSGI application on a SQLite file and calls it directly, ``--requests`` times per
endpoint (``GET /health``, an authenticated Account fetch); the log goes to a line-buffered file, as a
server's standard error does. The best round of each is printed, with the difference to ``bare``.
"""

import argparse
import base64
import io
import json
import logging.config
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.observability import CONFIGS


def child(config: str, count: int, folder: str) -> dict[str, float]:
    """Microseconds per request for each endpoint, in this process, under ``config``."""
    os.environ["CONNECTAPPS_LOG_LEVEL"] = "warning" if config == "bare" else "info"
    sys.stderr = open(os.path.join(folder, f"{config}.log"), "w", buffering=1)  # noqa: SIM115 - the process's
    from connectapps import app
    from connectapps.domain import accounts
    from connectapps.ops import logs, metrics
    from connectapps.store import open_store

    logging.config.dictConfig(logs.dict_config(logs.log_format(), logs.log_level()))
    observe = None
    if config == "log+metrics":
        os.environ[metrics.DIR_ENV] = tempfile.mkdtemp(dir=folder)
        observe = metrics.install()
    store = open_store(f"sqlite:///{os.path.join(folder, config + '.db')}")
    store.migrate()
    account = accounts.create(store, "Bench")
    application = app.create_app(store, observe)
    credentials = base64.b64encode(f"{account.sid}:{account.auth_token}".encode()).decode()
    fetch = f"/2010-04-01/Accounts/{account.sid}.json"
    paths = {"/health": ("/health", {}), "Account fetch": (fetch, {"HTTP_AUTHORIZATION": f"Basic {credentials}"})}
    results = {}
    for name, (path, headers) in paths.items():
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "bench",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                   "wsgi.errors": sys.stderr, **headers}

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            assert status.startswith("200"), status
            return None

        for warm in (True, False):
            started = time.perf_counter()
            for _ in range(count // 10 if warm else count):
                application(environ | {"wsgi.input": io.BytesIO()}, start_response)
            results[name] = (time.perf_counter() - started) / count * 1e6
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000, help="per endpoint and round (default 20,000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.requests, args.folder)))
        return
    best: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-inprocess-") as folder:
        for number in range(args.rounds):
            for config in CONFIGS:
                where = os.path.join(folder, f"{number}-{config.replace('+', '-')}")
                os.mkdir(where)
                done = subprocess.run([sys.executable, "-m", "bench.observability_inprocess", "--child", config,
                                       "--requests", str(args.requests), "--folder", where],
                                      capture_output=True, text=True, check=True)
                for endpoint, micros in json.loads(done.stdout).items():
                    best[(config, endpoint)] = min(micros, best.get((config, endpoint), micros))
    print(f"in-process, {args.requests} requests per endpoint, best of {args.rounds} rounds")
    print(f"{'endpoint':<15} {'server':<12} {'us/request':>11} {'added':>8}")
    for endpoint in ("/health", "Account fetch"):
        floor = best[("bare", endpoint)]
        for config in CONFIGS:
            micros = best[(config, endpoint)]
            print(f"{endpoint:<15} {config:<12} {micros:>11.1f} {micros - floor:>+8.1f}")


if __name__ == "__main__":
    main()
