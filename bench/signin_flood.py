"""``python -m bench.signin_flood``: how the API answers during a 20 s flood of sign-ins.

Starts ``connectapps serve`` on a fresh database (SQLite by default), creates a user, an account
and a Connect App, then for ``--duration`` seconds floods ``POST /signin`` from ``--clients``
concurrent connections (in a process of its own, so the flood's client threads do not slow the
probes' measurements) while two probes send ``GET /health`` and a ConnectApp fetch one after
another, and reports the probes' latency percentiles, idle and under the flood, and what the
sign-ins got.

Floods: ``valid`` (the right password every time: every attempt needs a password check, whatever
the throttle), ``spray`` (wrong passwords at ever new emails), ``guess`` (wrong passwords at the
user's email). To measure another checkout's server (say main, for a before/after), point
``--source`` at its ``src`` folder: the server and the seeding commands then run from there.

    python -m bench.signin_flood                              # after: this checkout, SQLite
    python -m bench.signin_flood --source /tmp/main/src        # before (git archive main | tar -x -C /tmp/main)
    python -m bench.signin_flood --backend postgres --flood spray
"""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from bench.databases import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV, PostgresBackend, SqliteBackend
from bench.servers import CONNECTAPPS, Server

PASSWORD = "the flood's right password"
PROBE_PAUSE_S = 0.02


@dataclass(frozen=True)
class Latency:
    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.signin_flood", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--flood", choices=["valid", "spray", "guess"], default="valid")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of flood (default 20)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of probes before the flood (default 5)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent sign-in connections (default 16)")
    parser.add_argument("--flood-nice", type=int, default=0, metavar="N",
                        help="run the flood at this CPU niceness (default 0): on a machine it shares with the server, "
                             "10 keeps the flood client's own CPU use from counting against the server, as a remote "
                             "attacker's would not")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--serve-flag", action="append", default=[], metavar="FLAG",
                        help="one more flag for connectapps serve (repeatable), e.g. --serve-flag=--blocking-threads=4")
    parser.add_argument("--source", type=Path, help="a src folder to run the server from (default: this checkout)")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    parser.add_argument("--json", type=Path, help="also write the result here")
    return parser.parse_args(argv)


def run_cli(*args: str) -> Any:
    done = subprocess.run([*CONNECTAPPS, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"connectapps {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def seed(database_url: str) -> dict[str, str]:
    """A user (whose account owns a Connect App): what the flood signs in as and the probe fetches."""
    email = f"flood-{uuid.uuid4().hex[:8]}@example.com"
    created = run_cli("users", "create", "--email", email, "--password", PASSWORD, "--database", database_url)
    app = run_cli("apps", "create", "--account", created["sid"], "--friendly-name", "Probe",
                  "--database", database_url)
    return {"email": email, "account_sid": created["sid"], "auth_token": created["auth_token"], "app_sid": app["sid"]}


def flood(base_url: str, email: str, mode: str, clients: int, seconds: float, nice: int, results: Any) -> None:
    """Sign-in attempts from ``clients`` threads for ``seconds``; puts a Counter of outcomes in ``results``."""
    os.nice(nice)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        http = requests.Session()
        page = http.get(f"{base_url}/signin", timeout=30)
        cookie = page.headers["Set-Cookie"].split(";")[0]
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        n = 0
        while time.monotonic() < deadline:
            n += 1
            login = email if mode != "spray" else f"nobody-{uuid.uuid4().hex[:10]}@example.com"
            password = PASSWORD if mode == "valid" else f"wrong {n}"
            try:
                resp = http.post(f"{base_url}/signin", data={"csrf": token, "email": login, "password": password},
                                 headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
                outcome = str(resp.status_code)
            except requests.RequestException as exc:
                outcome = f"{type(exc).__name__}: {str(exc)[-90:]}"
            http.cookies.clear()  # keep signing in from the same signed-out session
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(dict(outcomes))


def probe(url: str, auth: tuple[str, str] | None, stop: threading.Event, samples: list[float],
          errors: list[str]) -> None:
    """One request after another (with a short pause) until ``stop``: each latency in ms."""
    http = requests.Session()
    while not stop.is_set():
        started = time.perf_counter()
        try:
            resp = http.get(url, auth=auth, timeout=30)
            if resp.status_code != 200:
                errors.append(str(resp.status_code))
        except requests.RequestException as exc:
            errors.append(type(exc).__name__)
        samples.append((time.perf_counter() - started) * 1000)
        stop.wait(PROBE_PAUSE_S)


def summarise(samples: list[float], errors: list[str]) -> Latency:
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return Latency(len(samples), len(errors), round(cuts[49], 2), round(cuts[94], 2), round(cuts[98], 2),
                   round(max(samples), 2))


def measure(base_url: str, ids: dict[str, str], seconds: float) -> dict[str, Latency]:
    """The probes' latencies over ``seconds``."""
    auth = (ids["account_sid"], ids["auth_token"])
    targets = {
        "health": (f"{base_url}/health", None),
        "fetch": (f"{base_url}/2010-04-01/Accounts/{ids['account_sid']}/ConnectApps/{ids['app_sid']}.json", auth),
    }
    stop = threading.Event()
    collected = {name: ([], []) for name in targets}  # type: dict[str, tuple[list[float], list[str]]]
    threads = [threading.Thread(target=probe, args=(url, credentials, stop, *collected[name]))
               for name, (url, credentials) in targets.items()]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return {name: summarise(*collected[name]) for name in targets}


def database(args: argparse.Namespace, folder: Path) -> AbstractContextManager[str]:
    if args.backend == "postgres":
        return PostgresBackend(args.postgres_url).fresh("signin-flood")
    return SqliteBackend(folder).fresh("signin-flood")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.source is not None:
        os.environ["PYTHONPATH"] = str(args.source.resolve())  # the server and the CLI run from there
    with tempfile.TemporaryDirectory(prefix="signin-flood-") as tmp, database(args, Path(tmp)) as url:
        ids = seed(url)
        log = Path(tmp) / "server.log"
        with Server(url, args.workers, log, tuple(args.serve_flag)) as server:
            idle = measure(server.base_url, ids, args.idle)
            results: Any = multiprocessing.get_context("spawn").Queue()
            flooder = multiprocessing.get_context("spawn").Process(
                target=flood, args=(server.base_url, ids["email"], args.flood, args.clients, args.duration,
                                    args.flood_nice, results))
            flooder.start()
            time.sleep(1.0)  # the flood's connections are up
            loaded = measure(server.base_url, ids, args.duration - 2.0)
            outcomes = results.get(timeout=args.duration + 120)
            flooder.join()
    report = {
        "source": str(args.source or "this checkout"), "backend": args.backend, "flood": args.flood,
        "clients": args.clients, "flood_nice": args.flood_nice, "seconds": args.duration, "workers": args.workers,
        "serve_flags": args.serve_flag,
        "cores": os.cpu_count(), "sign_ins": outcomes,
        "idle": {k: asdict(v) for k, v in idle.items()}, "during_flood": {k: asdict(v) for k, v in loaded.items()},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
