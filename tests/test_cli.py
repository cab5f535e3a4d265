"""The command line that scripts and tests depend on: its commands, flags and JSON output."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectapps.domain import authorizations, sessions, users
from connectapps.domain.connect_apps import UPDATABLE_FIELDS
from connectapps.store import open_store
from tests.cli_helpers import cli, fails


def test_accounts_create_prints_the_account_with_its_token(database_url: str) -> None:
    account = cli(database_url, "accounts", "create", "--friendly-name", "Acme")
    assert account["friendly_name"] == "Acme"
    assert account["sid"].startswith("AC") and len(account["sid"]) == 34
    assert len(account["auth_token"]) == 32


@pytest.mark.parametrize("name", ["x" * 65, "line\nbreak"])
def test_accounts_create_checks_the_name_as_the_api_does(database_url: str, name: str) -> None:
    assert "FriendlyName" in fails(database_url, "accounts", "create", "--friendly-name", name)
    assert cli(database_url, "accounts", "list") == []


def test_apps_create_with_every_flag(database_url: str) -> None:
    account = cli(database_url, "accounts", "create")
    app = cli(
        database_url, "apps", "create", "--account", account["sid"], "--friendly-name", "App",
        "--company-name", "Co", "--description", "D", "--homepage-url", "https://e.example",
        "--authorize-redirect-url", "https://e.example/a", "--deauthorize-callback-url", "https://e.example/d",
        "--deauthorize-callback-method", "POST", "--permissions", "get-all,post-all",
    )
    assert app == {
        "account_sid": account["sid"], "authorize_redirect_url": "https://e.example/a", "company_name": "Co",
        "deauthorize_callback_method": "POST", "deauthorize_callback_url": "https://e.example/d",
        "description": "D", "friendly_name": "App", "homepage_url": "https://e.example",
        "permissions": ["get-all", "post-all"], "sid": app["sid"],
        "uri": f"/2010-04-01/Accounts/{account['sid']}/ConnectApps/{app['sid']}.json",
    }


def test_apps_create_has_a_flag_for_every_updatable_field() -> None:
    """A Connect App field the domain lets people set is settable from the command line too."""
    usage = subprocess.run([sys.executable, "-m", "connectapps", "apps", "create", "--help"],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    assert UPDATABLE_FIELDS and all(f"--{field.replace('_', '-')}" in usage for field in UPDATABLE_FIELDS)


def test_apps_create_refuses_invalid_input_with_the_api_message(database_url: str) -> None:
    account = cli(database_url, "accounts", "create")
    err = fails(database_url, "apps", "create", "--account", account["sid"], "--homepage-url", "ftp://x")
    assert "HomepageUrl is not a valid URL: ftp://x (Twilio code 21502)" in err
    assert "no account" in fails(database_url, "apps", "create", "--account", "AC" + "0" * 32)


def test_database_url_from_the_environment(database_url: str) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "CONNECTAPPS_DATABASE_URL"}
    env["CONNECTAPPS_DATABASE_URL"] = database_url
    account = cli(database_url, "accounts", "create", "--friendly-name", "FromEnv", env=env)
    store = open_store(database_url)
    try:
        stored = store.get_account(account["sid"])
        assert stored is not None and stored.friendly_name == "FromEnv"
    finally:
        store.close()


def test_users_create_password_from_stdin_and_second_main_account(database_url: str) -> None:
    created = cli(database_url, "users", "create", "--email", "Ada@Example.com", "--password", "-",
                  stdin="correct horse\n")
    assert created["user"]["email"] == "ada@example.com"
    assert created["sid"] == created["account"]["sid"] and created["auth_token"]
    assert "correct horse" not in json.dumps(created)
    second = cli(database_url, "accounts", "create", "--user", "ada@example.com", "--friendly-name", "Second")
    store = open_store(database_url)
    try:
        user = store.get_user_by_email("ada@example.com")
        assert user is not None
        assert {a.sid for a in store.accounts_of_user(user.id)} == {created["sid"], second["sid"]}
    finally:
        store.close()
    assert "already registered" in fails(database_url, "users", "create", "--email", "ada@example.com",
                                          "--password", "whatever1")


def test_users_set_password_ends_every_session(database_url: str) -> None:
    created = cli(database_url, "users", "create", "--email", "kay@example.com", "--password", "first password")
    store = open_store(database_url)
    try:
        now = datetime.now(UTC)
        sessions.begin(store, created["user"]["id"], "c" * 32, now + timedelta(hours=1), now)
        out = cli(database_url, "users", "set-password", "--email", "KAY@example.com", "--password", "-",
                  stdin="second password\n")
        assert "every session of theirs has ended" in out and "second password" not in out
        assert sessions.user_of(store, "c" * 32, created["user"]["id"], now) is None
        assert users.sign_in(store, "kay@example.com", "second password", "192.0.2.1").email == "kay@example.com"
    finally:
        store.close()
    assert "at least 8 characters" in fails(database_url, "users", "set-password", "--email", "kay@example.com",
                                  "--password", "short")
    assert "no user nobody@example.com" in fails(database_url, "users", "set-password", "--email",
                                                 "nobody@example.com", "--password", "long enough")


def test_authorizations_list_revoke_callbacks_list_and_apps_delete(database_url: str) -> None:
    owner = cli(database_url, "accounts", "create")
    user = cli(database_url, "accounts", "create")
    app = cli(database_url, "apps", "create", "--account", owner["sid"], "--authorize-redirect-url",
              "https://e.example/a", "--deauthorize-callback-url", "https://e.example/d", "--permissions", "get-all")
    store = open_store(database_url)
    try:
        app_record = store.find_connect_app(app["sid"])
        user_record = store.get_account(user["sid"])
        assert app_record and user_record
        authorizations.authorize(store, app_record, user_record)
    finally:
        store.close()
    (listed,) = cli(database_url, "authorizations", "list", "--account", user["sid"])
    assert (listed["connect_app_sid"], listed["status"], listed["permissions"]) == (app["sid"], "active", ["get-all"])
    assert "revoked" in cli(database_url, "authorizations", "revoke", "--account", user["sid"], "--app", app["sid"])
    (callback,) = cli(database_url, "callbacks", "list", "--app", app["sid"])
    assert (callback["account_sid"], callback["url"], callback["status"]) == (
        listed["subaccount_sid"], "https://e.example/d", "pending")
    assert "already ended" in fails(database_url, "authorizations", "revoke", "--account", user["sid"], "--app",
                                    app["sid"])
    assert "deleted" in cli(database_url, "apps", "delete", "--account", owner["sid"], "--app", app["sid"])
    assert "there is no Connect App" in fails(database_url, "apps", "delete", "--account", owner["sid"], "--app",
                                              app["sid"])


@pytest.mark.parametrize("count", [2500])
def test_dev_seed_bulk(database_url: str, count: int) -> None:
    seeded = cli(database_url, "dev", "seed-bulk", "--apps", str(count))
    assert seeded["apps"] == count
    store = open_store(database_url)
    try:
        from connectapps.domain.models import PageRequest

        page = store.list_connect_apps(seeded["account_sid"], PageRequest(size=1000, offset=count - 10))
        assert len(page.items) == 10 and not page.has_more
    finally:
        store.close()


@pytest.mark.parametrize(("env", "flags", "message"), [
    ({"CONNECTAPPS_CALLBACK_TIMEOUT": "5", "CONNECTAPPS_CALLBACK_LEASE": "6"}, [],
     "CONNECTAPPS_CALLBACK_LEASE (6 s) must exceed CONNECTAPPS_CALLBACK_TIMEOUT (5 s) plus a 5 s margin"),
    ({"CONNECTAPPS_CALLBACK_TIMEOUT": "soon"}, [], "CONNECTAPPS_CALLBACK_TIMEOUT must be a number, not 'soon'"),
    ({}, ["--callback-allowed-hosts", "loopback,10.0.0.0/33"],
     "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS: cannot read '10.0.0.0/33'"),
    ({"CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "private,http://metadata"}, [],
     "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS: cannot read 'http://metadata'"),
])
def test_serve_refuses_to_start_with_unusable_callback_settings(
    database_url: str, env: dict[str, str], flags: list[str], message: str
) -> None:
    """Checked once at start, with a clear message — not in each worker, and not at the first send."""
    done = subprocess.run(
        [sys.executable, "-m", "connectapps", "serve", "--port", "0", "--database", database_url, *flags],
        capture_output=True, text=True, timeout=30, check=False, env=os.environ | env,
    )
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_command_other_than_serve_loads_neither_the_web_stack_nor_yaml(tmp_path: Path) -> None:
    """Falcon, Granian and YAML are what ``serve`` and ``seed`` need (~0.2 s of every command's start): the
    other commands, an error among them, import none of them. Then ``serve``'s own module brings Granian."""
    database = f"sqlite:///{tmp_path / 'lean.db'}"
    script = f"""
import contextlib, io, sys
from connectapps.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["accounts", "create", "--friendly-name", "Lean", "--database", {database!r}]) == 0
    assert main(["apps", "create", "--account", "AC" + "0" * 32, "--database", {database!r}]) != 0
print(*(name in sys.modules for name in ("falcon", "granian", "yaml")))
from connectapps import serving
serving.http_settings()
print("granian" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False", "True"]
