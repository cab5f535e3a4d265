"""``connectapps keys create|list|delete``: a Main key made on the command line works over HTTP."""

import requests

from connectapps.domain import keys
from connectapps.store import open_store
from tests.cli_helpers import cli, fails
from tests.conftest import Server
from tests.envelope import assert_error


def test_create_list_delete(database_url: str) -> None:
    account = cli(database_url, "accounts", "create", "--friendly-name", "Keys")
    made = cli(database_url, "keys", "create", "--account", account["sid"], "--friendly-name", "ci", "--type", "main")
    assert made["sid"].startswith("SK") and len(made["secret"]) == 32
    assert (made["account_sid"], made["friendly_name"], made["type"]) == (account["sid"], "ci", "main")
    standard = cli(database_url, "keys", "create", "--account", account["sid"])
    assert standard["type"] == "standard" and standard["friendly_name"] is None
    listed = cli(database_url, "keys", "list", "--account", account["sid"])
    assert sorted(k["sid"] for k in listed) == sorted([made["sid"], standard["sid"]])
    assert all("secret" not in k for k in listed) and made["secret"] not in str(listed)
    store = open_store(database_url)
    try:
        stored = store.get_key(made["sid"])
        assert stored is not None and stored.key_type == keys.MAIN
        assert keys.secret_matches(store, stored, made["secret"])
    finally:
        store.close()
    assert "it authenticates nothing" in cli(database_url, "keys", "delete", "--account", account["sid"],
                                             "--key", made["sid"])
    assert [k["sid"] for k in cli(database_url, "keys", "list")] == [standard["sid"]]


def test_one_line_errors(database_url: str) -> None:
    account = cli(database_url, "accounts", "create")
    assert "no account AC" in fails(database_url, "keys", "create", "--account", "AC" + "0" * 32)
    missing = "SK" + "0" * 32
    assert f"no key {missing}" in fails(database_url, "keys", "delete", "--account", account["sid"], "--key", missing)


def test_a_main_key_from_the_command_line_reaches_accounts_and_subaccounts(server: Server) -> None:
    owner = server.account("Parent")
    sub = server.account("Child", owner=owner)
    main = cli(server.database_url, "keys", "create", "--account", owner.sid, "--type", "main")
    standard = cli(server.database_url, "keys", "create", "--account", owner.sid)
    main_auth, standard_auth = (main["sid"], main["secret"]), (standard["sid"], standard["secret"])
    listed = requests.get(f"{server.url}/2010-04-01/Accounts.json", auth=main_auth, timeout=10)
    assert {a["sid"] for a in listed.json()["accounts"]} == {owner.sid, sub.sid}
    assert requests.get(f"{server.url}/2010-04-01/Accounts/{sub.sid}/Keys.json", auth=main_auth, timeout=10).ok
    assert_error(requests.get(f"{server.url}/2010-04-01/Accounts.json", auth=standard_auth, timeout=10),
                 401, 20003, "Authentication Error - invalid username")
