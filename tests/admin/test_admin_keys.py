"""Seeded API keys over HTTP on every backend: ``serve --seed`` makes them work as credentials
(a Standard key reaches its own account but not Accounts and Keys; a Main key reaches everything
its account's token reaches), and a reset brings them back as seeded."""

from tests.admin.conftest import AdminServer
from tests.envelope import assert_error
from tests.seeding.seeds import (
    APP,
    CUSTOMER,
    MAIN_KEY,
    MAIN_SECRET,
    OWNER,
    OWNER_TOKEN,
    STANDARD_KEY,
    STANDARD_SECRET,
    SUB,
)

STANDARD = (STANDARD_KEY, STANDARD_SECRET)
MAIN = (MAIN_KEY, MAIN_SECRET)


def test_a_seeded_standard_key_reaches_its_account_but_not_accounts_and_keys(admin: AdminServer) -> None:
    answer = admin.api("GET", f"Accounts/{CUSTOMER}/AuthorizedConnectApps.json", STANDARD)
    assert answer.status_code == 200, answer.text
    assert [a["connect_app_sid"] for a in answer.json()["authorized_connect_apps"]] == [APP]
    for method, path in (("GET", "Accounts.json"), ("GET", f"Accounts/{CUSTOMER}.json"),
                         ("GET", f"Accounts/{CUSTOMER}/Keys.json"),
                         ("GET", f"Accounts/{CUSTOMER}/Keys/{STANDARD_KEY}.json")):
        assert_error(admin.api(method, path, STANDARD), 401, 20003)
    assert_error(admin.api("GET", f"Accounts/{OWNER}/ConnectApps.json", STANDARD), 401, 20003)
    assert_error(admin.api("GET", f"Accounts/{CUSTOMER}/AuthorizedConnectApps.json", (STANDARD_KEY, MAIN_SECRET)),
                 401, 20003)


def test_a_seeded_main_key_reaches_everything_of_its_account(admin: AdminServer) -> None:
    listed = admin.api("GET", "Accounts.json", MAIN)
    assert listed.status_code == 200, listed.text
    assert {a["sid"] for a in listed.json()["accounts"]} == {OWNER, SUB}
    keys = admin.api("GET", f"Accounts/{OWNER}/Keys.json", MAIN).json()["keys"]
    assert [(k["sid"], k["friendly_name"]) for k in keys] == [(MAIN_KEY, "Owner's main key")]
    assert admin.api("GET", f"Accounts/{OWNER}/ConnectApps/{APP}.json", MAIN).json()["sid"] == APP
    assert admin.api("GET", f"Accounts/{SUB}.json", MAIN).json()["status"] == "suspended"


def test_a_reset_brings_the_keys_back_as_seeded(admin: AdminServer) -> None:
    owner = (OWNER, OWNER_TOKEN)
    assert admin.api("DELETE", f"Accounts/{OWNER}/Keys/{MAIN_KEY}.json", owner).status_code == 204
    assert admin.api("POST", f"Accounts/{OWNER}/Keys/{MAIN_KEY}.json", MAIN).status_code == 401
    made = admin.api("POST", f"Accounts/{OWNER}/Keys.json", owner, data={"FriendlyName": "made"}).json()
    assert admin.admin("POST", "reset").status_code == 200
    assert admin.api("GET", f"Accounts/{OWNER}/Keys/{MAIN_KEY}.json", MAIN).json()["friendly_name"] == \
        "Owner's main key"
    assert_error(admin.api("GET", f"Accounts/{OWNER}/ConnectApps.json", (made["sid"], made["secret"])), 401, 20003)
    assert admin.admin("POST", "reset", json={"to": "empty"}).status_code == 200
    assert_error(admin.api("GET", f"Accounts/{CUSTOMER}/AuthorizedConnectApps.json", STANDARD), 401, 20003)
    assert admin.admin("POST", "reset").status_code == 200
    assert admin.api("GET", f"Accounts/{CUSTOMER}/AuthorizedConnectApps.json", STANDARD).status_code == 200
