"""``connectapps serve``: the checks and settings before Granian starts the workers, and what the main
process runs beside them (the metrics listener)."""

import argparse
import logging
import os
import shutil
import tempfile
from typing import Any

from connectapps import cli_seed, config, firstrun, serving
from connectapps.cli_lists import CommandError
from connectapps.delivery.egress import Policy
from connectapps.delivery.worker import Settings
from connectapps.ops import lifecycle, limits, logs, metrics
from connectapps.store import open_store, opening

log = logging.getLogger("connectapps.server")


def _database_flag(args: argparse.Namespace) -> str:
    return f" --database {opening.redact(args.database)}" if args.database else ""


def cmd_serve(args: argparse.Namespace) -> int:
    cli_seed.prepare_serve(args)
    if args.seed:
        cli_seed.load(args.seed)  # a wrong seed file stops the start before anything is opened
    if serving.port_in_use(args.host, args.port):
        raise CommandError(f"{args.host}:{args.port} is already in use; stop the server there or choose another --port")
    settings = ((logs.FORMAT_ENV, args.log_format), (logs.LEVEL_ENV, args.log_level),
                (metrics.ADDRESS_ENV, args.metrics),
                (limits.LIMIT_ENV, None if args.account_concurrency is None else str(args.account_concurrency)))
    for name, value in settings:
        if value is not None:
            os.environ[name] = value
    try:
        log_config = logs.configure()  # the workers apply the same (through Granian)
        metrics_at = metrics.address()
        lifecycle.shutdown_timeout()
        allowed = limits.limit()
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    serving.raise_open_files_limit()
    serving.first_byte_timeout()  # a bad CONNECTAPPS_FIRST_BYTE_TIMEOUT fails here, not in every worker
    if args.cpu_policy is not None:
        os.environ[serving.CPU_POLICY_ENV] = args.cpu_policy
    try:
        batch = serving.apply_cpu_policy(serving.cpu_policy())
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    url = config.database_url(args.database)
    os.environ[config.DATABASE_ENV] = url  # the workers build their app from it
    if args.callback_allowed_hosts is not None:
        os.environ[config.CALLBACK_ALLOWED_HOSTS_ENV] = args.callback_allowed_hosts
    if config.callbacks_enabled():
        try:  # checked here, once, so that a bad setting stops the start with a clear message
            Settings.from_env()
            policy = Policy.from_env()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    fresh = opening.new_sqlite_file(url)
    store = open_store(url, create=True)
    if fresh is not None:
        logs.event(log, logging.INFO, "database_created", f"created a new SQLite database at {fresh}", path=fresh)
    applied = store.migrate()
    logs.event(log, logging.INFO, "migrations", f"schema version {store.schema_version()}; applied: "
               f"{applied or 'nothing'}", applied=applied, schema_version=store.schema_version())
    cli_seed.seed_before_serving(args, store)
    if config.callbacks_enabled():
        logs.event(log, logging.INFO, "callback_policy", f"Deauthorize callbacks may go to {policy.describe()} "
                   "(--callback-allowed-hosts).", destinations=policy.describe())
    if args.demo:
        print(firstrun.first_run(store, args.host, args.port, opening.redact(url), _database_flag(args)), flush=True)
    store.close()
    checks = config.sign_in_concurrency()
    os.environ[config.SIGNIN_CONCURRENCY_ENV] = str(checks)
    threads = args.blocking_threads or default_blocking_threads(url, checks)
    logs.event(log, logging.INFO, "start", f"serving on {args.host}:{args.port} with {args.workers} worker(s)",
               host=args.host, port=args.port, workers=args.workers, database=opening.redact(url),
               cpu_policy="batch" if batch else "normal")
    # Shared by the workers, made before they fork, removed at exit: counters and counts of this run only.
    run = tempfile.mkdtemp(prefix="connectapps-run-") if metrics_at is not None or allowed else None
    try:
        if run is not None and allowed:
            os.environ[limits.FILE_ENV] = os.path.join(run, "concurrency")
            limits.create_file(os.environ[limits.FILE_ENV])
            logs.event(log, logging.INFO, "concurrency_limit", f"at most {allowed} API requests in flight per "
                       "account", limit=allowed)
        if run is not None and metrics_at is not None:
            metrics.prepare_directory(run)
            metrics.serve(metrics_at, open_store(url).outbox_summary)
            logs.event(log, logging.INFO, "metrics", f"metrics at http://{metrics_at[0]}:{metrics_at[1]}/metrics",
                       host=metrics_at[0], port=metrics_at[1])
        _granian(args, threads, log_config)
    finally:
        if run is not None:
            shutil.rmtree(run, ignore_errors=True)
    logs.event(log, logging.INFO, "stop", "stopped")
    return 0


def default_blocking_threads(url: str, checks: int) -> int:
    """A worker's request threads: those that wait on password checks (at most ``checks``) must leave others
    to answer the API; on PostgreSQL more, as a thread waits for each round trip."""
    return checks + 1 if url.startswith("sqlite:") else max(4, checks + 2)


def _granian(args: argparse.Namespace, threads: int, log_config: dict[str, Any]) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    from connectapps.app import preload

    http1, http2 = serving.http_settings()
    lifecycle.exact_worker_liveness()
    preload()  # the workers, forked below, inherit it
    Granian(
        target="connectapps.app:create_app_from_env",
        factory=True,
        interface=Interfaces.WSGI,
        address=args.host,
        port=args.port,
        workers=args.workers,
        blocking_threads=threads,
        log_access=False,
        workers_kill_timeout=lifecycle.shutdown_timeout(),
        log_level=LogLevels(logs.log_level()),
        log_dictconfig=log_config,
        http1_settings=http1,
        http2_settings=http2,
    ).serve()



def add(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[common], help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--blocking-threads", type=int, help="Python threads per worker (default on SQLite: "
                       f"one more than the concurrent password checks (${config.SIGNIN_CONCURRENCY_ENV}), as more "
                       "only contend for the GIL; on PostgreSQL: 4, or two more than the checks)")
    serve.add_argument("--cpu-policy", choices=serving.CPU_POLICIES, help="batch: the workers' threads do not "
                       "preempt each other on wake-up (Linux SCHED_BATCH; fewer context switches per request, "
                       "see docs/benchmarks.md); normal: the system's default "
                       f"(default: ${serving.CPU_POLICY_ENV}, or batch)")
    serve.add_argument("--demo", action="store_true", help="on an empty database, create a demo person, account "
                       "and Connect App and print how to sign in; otherwise print how to get back in")
    serve.add_argument("--callback-allowed-hosts", metavar="LIST", help="where deauthorize callbacks may go "
                       "besides public addresses: comma-separated loopback, private, *, CIDRs, host names "
                       f"(default: ${config.CALLBACK_ALLOWED_HOSTS_ENV}, or public addresses only)")
    serve.add_argument("--log-format", choices=logs.FORMATS, help="json: one JSON object per line (default: "
                       f"${logs.FORMAT_ENV}, or json); text: for a terminal")
    serve.add_argument("--log-level", choices=logs.LEVELS, help=f"default: ${logs.LEVEL_ENV}, or info "
                       "(warning leaves out the access log)")
    serve.add_argument("--metrics", metavar="ADDRESS", help="serve Prometheus metrics at http://ADDRESS/metrics: "
                       f"PORT (loopback only) or HOST:PORT (default: ${metrics.ADDRESS_ENV}, or off)")
    serve.add_argument("--account-concurrency", type=int, metavar="N", help="answer an account's API requests "
                       "beyond N in flight with 429 / 20429, as Twilio does (default: "
                       f"${limits.LIMIT_ENV}, or 0: no limit)")
    cli_seed.add_serve_options(serve)
    serve.set_defaults(func=cmd_serve)
