"""connectapps: a Twilio Connect server. Command groups: serve, accounts, users, apps,
authorizations, callbacks, db, dev. Every command takes --database."""

import argparse
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from connectapps import cli_keys, cli_lists, cli_seed, cli_serve, config
from connectapps.cli_lists import CommandError
from connectapps.domain import accounts, authorizations, connect_apps, users
from connectapps.domain.connect_apps import UPDATABLE_FIELDS
from connectapps.domain.errors import DomainError
from connectapps.domain.models import ACTIVE, CALLBACK_METHODS, PERMISSIONS
from connectapps.domain.store import Store
from connectapps.store import open_store, opening
from connectapps.wire import render
from connectapps.wire.errors import from_domain

log = logging.getLogger("connectapps.server")


def _print_json(body: Any) -> None:
    sys.stdout.write(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n")


def _open(args: argparse.Namespace, create: bool = False) -> Store:
    """The store ``--database`` names. Only commands that write may ``create`` a new SQLite
    file (and they say so, and where); the others refuse a path where there is no database."""
    url = config.database_url(args.database)
    fresh = opening.new_sqlite_file(url) if create else None
    store = open_store(url, create=create)
    if fresh is not None:
        print(f"connectapps: created a new SQLite database at {fresh}", file=sys.stderr, flush=True)
    return store


def _store(args: argparse.Namespace, create: bool = False) -> Store:
    """``_open``, with the schema migrated."""
    store = _open(args, create)
    store.migrate()
    return store


def cmd_accounts_create(args: argparse.Namespace) -> int:
    """A main account; with --user, one more main account for an existing person."""
    store = _store(args, create=True)
    user_id = None
    if args.user:
        user = store.get_user_by_email(users.normalise_email(args.user))
        if user is None:
            return _fail(f"no user {args.user}")
        user_id = user.id
    account = accounts.create(store, args.friendly_name, user_id=user_id)
    _print_json(render.account(account))
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password == "-" else args.password
    created = users.create(_store(args, create=True), args.email, password)
    _print_json({
        "user": {"id": created.user.id, "email": created.user.email,
                 "date_created": render.date(created.user.date_created)},
        "account": render.account(created.account),
        "sid": created.account.sid,
        "auth_token": created.account.auth_token,
    })
    return 0


def cmd_authorizations_list(args: argparse.Namespace) -> int:
    store = _store(args)
    _print_json([
        {
            "account_sid": a.account_sid, "connect_app_sid": a.connect_app_sid,
            "subaccount_sid": a.subaccount_sid, "permissions": list(a.permissions), "status": a.status,
            "date_created": render.date(a.date_created), "date_updated": render.date(a.date_updated),
        }
        for a in store.all_authorizations(args.account)
    ])
    return 0


def cmd_authorizations_revoke(args: argparse.Namespace) -> int:
    store = _store(args)
    _check_authorization(store, args.account, args.app)
    ended = authorizations.revoke(store, args.account, args.app)
    print(f"revoked: {ended.connect_app_sid} on {ended.account_sid} (subaccount {ended.subaccount_sid})")
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_apps_create(args: argparse.Namespace) -> int:
    store = _store(args)
    if store.get_account(args.account) is None:
        return _fail(f"no account {args.account}")
    raw = {f: getattr(args, f) for f in UPDATABLE_FIELDS if getattr(args, f) is not None}
    _print_json(render.connect_app(connect_apps.create(store, args.account, raw)))
    return 0


def cmd_dev_seed_bulk(args: argparse.Namespace) -> int:
    from connectapps import dev

    store = _store(args, create=True)
    account = store.get_account(args.account) if args.account else accounts.create(store, "Bulk seed account")
    if account is None:
        return _fail(f"no account {args.account}")
    count = dev.seed_bulk(store, account.sid, args.apps)
    _print_json({"account_sid": account.sid, "auth_token": account.auth_token, "apps": count})
    return 0


def _app_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per updatable Connect App field (domain/connect_apps.py), checked by the domain."""
    for field in UPDATABLE_FIELDS:
        flag = "--" + field.replace("_", "-")
        if field == connect_apps.METHOD:
            parser.add_argument(flag, choices=CALLBACK_METHODS)
        elif field == "permissions":
            parser.add_argument(flag, help=f"comma-separated: {','.join(PERMISSIONS)}")
        else:
            parser.add_argument(flag)


def _check_authorization(store: Store, account_sid: str, app_sid: str) -> None:
    """Say which part of ``--account``/``--app`` is wrong, rather than a bare "not found"."""
    if store.find_connect_app(app_sid) is None:
        raise CommandError(f"there is no Connect App {app_sid}")
    if store.get_account(account_sid) is None:
        raise CommandError(f"there is no account {account_sid}")
    authorization = store.get_authorization(account_sid, app_sid)
    if authorization is None:
        raise CommandError(f"account {account_sid} has no authorization for Connect App {app_sid} "
                           "(connectapps authorizations list shows who has)")
    if authorization.status != ACTIVE:
        raise CommandError(f"account {account_sid}'s authorization for Connect App {app_sid} "
                           f"already ended on {render.date(authorization.date_updated)}")


def cmd_apps_delete(args: argparse.Namespace) -> int:
    store = _store(args)
    app = store.find_connect_app(args.app)
    if app is None:
        raise CommandError(f"there is no Connect App {args.app}")
    if app.account_sid != args.account:
        raise CommandError(f"account {args.account} does not own Connect App {args.app}")
    connect_apps.delete(store, args.account, args.app)
    print(f"deleted: {args.app}")
    return 0


def cmd_callbacks_list(args: argparse.Namespace) -> int:
    store = _store(args)
    from connectapps.admin.callbacks import describe  # the admin package brings Falcon: only here

    _print_json([describe(store, c) for c in store.list_callbacks(args.app)])
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    store = _open(args, create=True)
    applied = store.migrate()
    print(f"applied: {applied or 'nothing'}; schema version {store.schema_version()}")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    store = _open(args)
    print(f"schema version {store.schema_version()}")
    return 0


def _account_and_app(parser: argparse.ArgumentParser, account_help: str) -> None:
    parser.add_argument("--account", required=True, help=account_help)
    parser.add_argument("--app", required=True, help="the ConnectApp SID")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connectapps", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", help=f"database URL (default: ${config.DATABASE_ENV} or "
                        f"{config.DEFAULT_DATABASE_URL})")
    commands = parser.add_subparsers(dest="command", required=True)

    cli_serve.add(commands, common)

    accounts_cmd = commands.add_parser("accounts", help="accounts and subaccounts").add_subparsers(
        dest="sub", required=True)
    create_account = accounts_cmd.add_parser("create", parents=[common], help="a new main account")
    create_account.add_argument("--friendly-name")
    create_account.add_argument("--user", metavar="EMAIL", help="owned by this existing user")
    create_account.set_defaults(func=cmd_accounts_create)

    users_cmd = commands.add_parser("users", help="people who sign in").add_subparsers(dest="sub", required=True)
    create_user = users_cmd.add_parser("create", parents=[common], help="a person and their main account")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--password", required=True, help="the password, or - to read it from stdin")
    create_user.set_defaults(func=cmd_users_create)

    auth_cmd = commands.add_parser("authorizations", help="authorized Connect Apps").add_subparsers(
        dest="sub", required=True)
    list_auth = auth_cmd.add_parser("list", parents=[common], help="every authorization, active and ended")
    list_auth.add_argument("--account", help="only those granted by this account")
    list_auth.set_defaults(func=cmd_authorizations_list)
    revoke = auth_cmd.add_parser("revoke", parents=[common], help="end one (its deauthorize callback is sent)")
    _account_and_app(revoke, "the authorizing Account SID")
    revoke.set_defaults(func=cmd_authorizations_revoke)

    apps_cmd = commands.add_parser("apps", help="Connect Apps").add_subparsers(dest="sub", required=True)
    create_app = apps_cmd.add_parser("create", parents=[common], help="a new Connect App")
    create_app.add_argument("--account", required=True, help="owner Account SID")
    _app_flags(create_app)
    create_app.set_defaults(func=cmd_apps_create)
    delete_app = apps_cmd.add_parser("delete", parents=[common], help="delete a Connect App")
    _account_and_app(delete_app, "owner Account SID")
    delete_app.set_defaults(func=cmd_apps_delete)

    callbacks_cmd = commands.add_parser("callbacks", help="deauthorize callbacks").add_subparsers(
        dest="sub", required=True)
    list_callbacks = callbacks_cmd.add_parser("list", parents=[common], help="the delivery log, newest first")
    list_callbacks.add_argument("--app", help="only this ConnectApp SID")
    list_callbacks.set_defaults(func=cmd_callbacks_list)

    db_cmd = commands.add_parser("db", help="schema migrations").add_subparsers(dest="sub", required=True)
    db_cmd.add_parser("upgrade", parents=[common], help="create or migrate the database").set_defaults(
        func=cmd_db_upgrade)
    status = db_cmd.add_parser("status", parents=[common], help="the schema version (creates nothing)")
    status.set_defaults(func=cmd_db_status)

    dev_cmd = commands.add_parser("dev", help="developer tools").add_subparsers(dest="sub", required=True)
    seed = dev_cmd.add_parser("seed-bulk", parents=[common], help="insert many Connect Apps fast")
    seed.add_argument("--apps", type=int, required=True)
    seed.add_argument("--account", help="owner Account SID (default: a new account)")
    seed.set_defaults(func=cmd_dev_seed_bulk)
    cli_seed.add_commands(commands, common, lambda args: _store(args, create=True))
    groups = {"accounts": accounts_cmd, "apps": apps_cmd, "users": users_cmd}
    cli_lists.add(groups, common, _reading)
    cli_keys.add(commands, common, _reading, CommandError)
    return parser


def _reading(command: Callable[[Store, argparse.Namespace], object]) -> Callable[[argparse.Namespace], int]:
    """A command that reads an existing database and prints what ``command`` returns."""

    def run(args: argparse.Namespace) -> int:
        result = command(_store(args), args)
        if isinstance(result, str):
            print(result)
        else:
            _print_json(result)
        return 0

    return run


def _database_errors() -> tuple[type[Exception], ...]:
    """The drivers' error classes (psycopg's only if it was loaded)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, psycopg.Error) if psycopg is not None else (sqlite3.Error,)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DomainError as exc:
        error = from_domain(exc, str(exc))
        return _fail(f"{error.message} (Twilio code {error.code})")
    except (CommandError, opening.DatabaseError) as exc:
        return _fail(str(exc))
    except _database_errors() as exc:
        url = opening.redact(config.database_url(getattr(args, "database", None)))
        return _fail(f"database error on {url}: {opening.short_reason(str(exc))}")
