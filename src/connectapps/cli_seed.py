"""The command line for other people's test suites: ``seed apply``, and what ``serve`` does with
``--seed``, ``--admin-token`` and ``--random-seed`` before it starts (cli.py)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from connectapps import config
from connectapps.cli_lists import CommandError
from connectapps.domain import sids
from connectapps.domain.store import Store

if TYPE_CHECKING:  # loaded with the first seed file: other commands never import it (or YAML)
    from connectapps import seeding
    from connectapps.domain.snapshots import Snapshot


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--seed", metavar="FILE", help="apply this seed file (YAML or JSON) before serving; "
                       "the server does not start if it is wrong (docs/testing.md)")
    serve.add_argument("--admin-token", metavar="TOKEN", help="turn the admin API on under /__admin/, reached "
                       f"with Authorization: Bearer TOKEN (default: ${config.ADMIN_TOKEN_ENV}; off without one)")
    serve.add_argument("--admin", action="store_true", help="turn the admin API on; on loopback without a "
                       "token, one is made and printed (beyond loopback a token is required)")
    serve.add_argument("--random-seed", metavar="VALUE", help="make new SIDs and tokens reproducible (tests "
                       f"only: they become predictable; default: ${config.RANDOM_SEED_ENV})")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser,
                 opener: Callable[[argparse.Namespace], Store]) -> None:
    seed_cmd = commands.add_parser("seed", help="seed files").add_subparsers(dest="sub", required=True)
    apply = seed_cmd.add_parser("apply", parents=[common], help="apply a seed file to the database (idempotent)")
    apply.add_argument("file", help="a YAML or JSON seed file")
    apply.add_argument("--random-seed", metavar="VALUE", help="tokens and SIDs the file leaves out: reproducible")
    apply.set_defaults(func=lambda args: cmd_seed_apply(args, opener))
    check = seed_cmd.add_parser("check", help="check a seed file without applying it")
    check.add_argument("file")
    check.set_defaults(func=cmd_seed_check)


def load(path: str) -> seeding.Seed:
    from connectapps import seeding

    try:
        return seeding.load(path)
    except seeding.SeedError as exc:
        raise CommandError(f"bad seed file: {exc}") from None


def _apply(store: Store, seed: seeding.Seed) -> Snapshot:
    from connectapps.seeding import loading

    return loading.apply(store, seed)


def cmd_seed_check(args: argparse.Namespace) -> int:
    print(f"{args.file}: {load(args.file).describe()}")
    return 0


def cmd_seed_apply(args: argparse.Namespace, opener: Callable[[argparse.Namespace], Store]) -> int:
    seed = load(args.file)  # checked before the database is even opened
    random_seed = args.random_seed or config.random_seed()
    sids.seed_random(random_seed)
    store = opener(args)
    snapshot = _apply(store, seed)
    store.close()
    print(f"applied {args.file}: {seed.describe()} ({snapshot.records} records saved for reset)")
    return 0


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback one (a name is resolved)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def prepare_serve(args: argparse.Namespace) -> None:
    """Check and export the admin and reproducibility settings before any worker starts;
    CommandError (the server does not start) if they are unsafe or inconsistent."""
    if args.random_seed:
        os.environ[config.RANDOM_SEED_ENV] = args.random_seed
    token = args.admin_token or config.admin_token()
    if args.admin and not token:
        if not is_loopback(args.host):
            raise CommandError(f"the admin API needs --admin-token (or ${config.ADMIN_TOKEN_ENV}) when listening "
                               f"on {args.host}, beyond loopback")
        token = secrets.token_urlsafe(24)
        print(f"Admin API: http://{args.host}:{args.port}/__admin/ with Authorization: Bearer {token}", flush=True)
    if token:
        if len(token) < config.ADMIN_TOKEN_MIN and not is_loopback(args.host):
            raise CommandError(f"an admin token must be at least {config.ADMIN_TOKEN_MIN} characters when "
                               "listening beyond loopback")
        if args.workers != 1:
            raise CommandError("the admin API keeps its request journal and faults in the serving process: "
                               "serve it with --workers 1")
        os.environ[config.ADMIN_TOKEN_ENV] = token
    if config.random_seed() and args.workers != 1:
        raise CommandError("--random-seed needs --workers 1 (each worker would make the same SIDs)")
    config.journal_size()


def seed_before_serving(args: argparse.Namespace, store: Store) -> None:
    if not args.seed:
        return
    seed = load(args.seed)
    sids.seed_random(config.random_seed())
    snapshot = _apply(store, seed)
    print(f"Seeded from {args.seed}: {seed.describe()} ({snapshot.records} records; reset returns here)",
          file=sys.stdout, flush=True)
