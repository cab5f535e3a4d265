"""Getting back in from the command line: accounts, apps and users listed (auth tokens only when
asked for), a new password for a person, and errors that say which SID is wrong."""

from __future__ import annotations

import json

from connectapps.domain import authorizations, users
from connectapps.store import open_store
from tests.cli_helpers import cli, fails


def test_accounts_list_shows_tokens_only_when_asked(database_url: str) -> None:
    person = cli(database_url, "users", "create", "--email", "ada@example.com", "--password", "long enough")
    plain = cli(database_url, "accounts", "create", "--friendly-name", "Plain")
    listed = cli(database_url, "accounts", "list")
    assert [a["sid"] for a in listed] == [person["sid"], plain["sid"]]  # oldest first
    assert listed[0] == {
        "sid": person["sid"], "friendly_name": "ada@example.com's account", "status": "active", "type": "main",
        "owner_account_sid": None, "user": "ada@example.com", "date_created": listed[0]["date_created"],
    }
    text = json.dumps(listed)
    assert person["auth_token"] not in text and plain["auth_token"] not in text
    shown = cli(database_url, "accounts", "list", "--show-tokens")
    assert [a["auth_token"] for a in shown] == [person["auth_token"], plain["auth_token"]]


def test_apps_list_all_or_one_accounts(database_url: str) -> None:
    first = cli(database_url, "accounts", "create")
    second = cli(database_url, "accounts", "create")
    a = cli(database_url, "apps", "create", "--account", first["sid"], "--friendly-name", "A")
    b = cli(database_url, "apps", "create", "--account", second["sid"], "--friendly-name", "B")
    assert [app["sid"] for app in cli(database_url, "apps", "list")] == [a["sid"], b["sid"]]
    assert cli(database_url, "apps", "list", "--account", second["sid"]) == [b]


def test_users_list_and_set_password(database_url: str) -> None:
    created = cli(database_url, "users", "create", "--email", "grace@example.com", "--password", "first password")
    [listed] = cli(database_url, "users", "list")
    assert (listed["email"], listed["accounts"]) == ("grace@example.com", [created["sid"]])
    assert "password" not in json.dumps(listed)
    done = cli(database_url, "users", "set-password", "--email", "Grace@Example.com", "--password", "-",
               stdin="second password\n")
    assert done.strip() == "password changed for grace@example.com; every session of theirs has ended"
    store = open_store(database_url)
    try:
        assert users.sign_in(store, "grace@example.com", "second password", "127.0.0.1").id == listed["id"]
    finally:
        store.close()
    assert fails(database_url, "users", "set-password", "--email", "nobody@example.com", "--password",
                 "whatever1").strip() == "error: no user nobody@example.com (connectapps users list shows who there is)"
    assert "at least 8 characters" in fails(database_url, "users", "set-password", "--email",
                                             "grace@example.com", "--password", "short")


def test_revoke_with_the_wrong_account_says_that_account_has_no_authorization(database_url: str) -> None:
    owner = cli(database_url, "accounts", "create")
    granter = cli(database_url, "accounts", "create")
    bystander = cli(database_url, "accounts", "create")
    app = cli(database_url, "apps", "create", "--account", owner["sid"], "--authorize-redirect-url",
              "https://e.example/a")
    store = open_store(database_url)
    try:
        found, account = store.find_connect_app(app["sid"]), store.get_account(granter["sid"])
        assert found and account
        authorizations.authorize(store, found, account)
    finally:
        store.close()
    wrong = fails(database_url, "authorizations", "revoke", "--account", bystander["sid"], "--app", app["sid"])
    assert wrong.strip() == (f"error: account {bystander['sid']} has no authorization for Connect App {app['sid']} "
                             "(connectapps authorizations list shows who has)")
    unknown_app = "CN" + "0" * 32
    assert fails(database_url, "authorizations", "revoke", "--account", granter["sid"], "--app",
                 unknown_app).strip() == f"error: there is no Connect App {unknown_app}"
    assert fails(database_url, "authorizations", "revoke", "--account", "AC" + "0" * 32, "--app",
                 app["sid"]).strip() == f"error: there is no account AC{'0' * 32}"
    cli(database_url, "authorizations", "revoke", "--account", granter["sid"], "--app", app["sid"])
    again = fails(database_url, "authorizations", "revoke", "--account", granter["sid"], "--app", app["sid"])
    assert f"error: account {granter['sid']}'s authorization for Connect App {app['sid']} already ended on " in again


def test_apps_delete_with_the_wrong_account_says_so(database_url: str) -> None:
    owner = cli(database_url, "accounts", "create")
    other = cli(database_url, "accounts", "create")
    app = cli(database_url, "apps", "create", "--account", owner["sid"])
    assert fails(database_url, "apps", "delete", "--account", other["sid"], "--app", app["sid"]).strip() == (
        f"error: account {other['sid']} does not own Connect App {app['sid']}")
    assert cli(database_url, "apps", "list") != []
