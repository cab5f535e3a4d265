"""The command line's lists and the password reset: ``accounts list``, ``apps list``,
``users list``, ``users set-password``. Output is JSON, like every other command's.

Auth tokens are secrets: ``accounts list`` prints them only with ``--show-tokens``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from connectapps.domain import users
from connectapps.domain.errors import NotFound
from connectapps.domain.models import Account
from connectapps.domain.store import Store
from connectapps.wire import render


class CommandError(Exception):
    """A command that cannot do what was asked: one line for the person, exit code 2."""


def account_row(account: Account, emails: dict[str, str], show_token: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "sid": account.sid,
        "friendly_name": account.friendly_name,
        "status": account.status,
        "type": "subaccount" if account.is_subaccount else "main",
        "owner_account_sid": account.owner_account_sid,
        "user": emails.get(account.user_id or ""),
        "date_created": render.date(account.date_created),
    }
    if show_token:
        row["auth_token"] = account.auth_token
    return row


def accounts_list(store: Store, args: argparse.Namespace) -> list[dict[str, Any]]:
    emails = {u.id: u.email for u in store.all_users()}
    return [account_row(a, emails, args.show_tokens) for a in store.all_accounts()]


def apps_list(store: Store, args: argparse.Namespace) -> list[dict[str, Any]]:
    return [render.connect_app(app) for app in store.all_connect_apps(args.account)]


def users_list(store: Store, args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {"id": u.id, "email": u.email, "date_created": render.date(u.date_created),
         "accounts": [a.sid for a in store.accounts_of_user(u.id)]}
        for u in store.all_users()
    ]


def read_password(given: str | None) -> str:
    """``--password``'s value; ``-`` or none: a line from stdin (asked for, unechoed, on a terminal)."""
    if given is not None and given != "-":
        return given
    if sys.stdin.isatty():
        return getpass.getpass("New password: ")
    return sys.stdin.readline().rstrip("\n")


def set_password(store: Store, args: argparse.Namespace) -> str:
    try:
        user = users.set_password(store, args.email, read_password(args.password))
    except NotFound:
        raise CommandError(f"no user {args.email} (connectapps users list shows who there is)") from None
    return f"password changed for {user.email}; every session of theirs has ended"


def add(groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]], common: argparse.ArgumentParser,
        run: Callable[[Callable[[Store, argparse.Namespace], object]], Callable[[argparse.Namespace], int]]) -> None:
    """Add the lists and ``users set-password`` to their command groups."""
    accounts = groups["accounts"].add_parser("list", parents=[common], help="every account and subaccount")
    accounts.add_argument("--show-tokens", action="store_true", help="include each account's auth token")
    accounts.set_defaults(func=run(accounts_list))
    apps = groups["apps"].add_parser("list", parents=[common], help="every Connect App")
    apps.add_argument("--account", help="only those this Account SID owns")
    apps.set_defaults(func=run(apps_list))
    groups["users"].add_parser("list", parents=[common], help="every person who signs in").set_defaults(
        func=run(users_list))
    reset = groups["users"].add_parser("set-password", parents=[common],
                                       help="give a person a new password (ends their sessions)")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password", help="the new password, or - to read it from stdin (default: asked for)")
    reset.set_defaults(func=run(set_password))
