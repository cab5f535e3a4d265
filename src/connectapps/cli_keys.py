"""``connectapps keys create|list|delete``: API keys from the command line. Output is JSON.

The one place besides the console where a Main key is made (the API makes Standard keys only). A new
key's secret is printed once, by ``create``; nothing stores or shows it again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from connectapps.domain import keys
from connectapps.domain.errors import NotFound
from connectapps.domain.keys import ApiKey
from connectapps.domain.store import Store
from connectapps.wire import render

Runner = Callable[[Callable[[Store, argparse.Namespace], object]], Callable[[argparse.Namespace], int]]


def key_row(key: ApiKey) -> dict[str, Any]:
    """The key as the API shows it, with its account and type (which the API does not show)."""
    return render.key(key) | {"account_sid": key.account_sid, "type": key.key_type}


def create(store: Store, args: argparse.Namespace, error: type[Exception]) -> dict[str, Any]:
    account = store.get_account(args.account)
    if account is None:
        raise error(f"no account {args.account} (connectapps accounts list shows them)")
    made = keys.create(store, account, args.friendly_name, args.type)
    print("connectapps: the secret is shown only now: store it somewhere safe", file=sys.stderr, flush=True)
    return key_row(made.key) | {"secret": made.secret}


def list_keys(store: Store, args: argparse.Namespace) -> list[dict[str, Any]]:
    return [key_row(k) for k in store.all_keys(args.account)]


def delete(store: Store, args: argparse.Namespace, error: type[Exception]) -> str:
    try:
        keys.delete(store, args.account, args.key)
    except NotFound:
        raise error(f"no key {args.key} in account {args.account} (connectapps keys list shows them)") from None
    return f"deleted {args.key}: it authenticates nothing from now on"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser,
        run: Runner, error: type[Exception]) -> None:
    """The ``keys`` command group; ``error`` is the command line's one-line failure."""
    group = commands.add_parser("keys", help="API keys").add_subparsers(dest="sub", required=True)
    made = group.add_parser("create", parents=[common], help="a new API key (prints its secret once)")
    made.add_argument("--account", required=True, help="the Account SID the key authenticates as")
    made.add_argument("--friendly-name")
    made.add_argument("--type", choices=keys.KEY_TYPES, default=keys.STANDARD,
                      help="standard (default: not the Accounts and Keys resources) or main (everything)")
    made.set_defaults(func=run(lambda store, args: create(store, args, error)))
    listed = group.add_parser("list", parents=[common], help="API keys (never their secrets)")
    listed.add_argument("--account", help="only this Account SID's")
    listed.set_defaults(func=run(list_keys))
    gone = group.add_parser("delete", parents=[common], help="delete an API key (it stops working at once)")
    gone.add_argument("--account", required=True)
    gone.add_argument("--key", required=True, help="the key's SID (SK…)")
    gone.set_defaults(func=run(lambda store, args: delete(store, args, error)))
