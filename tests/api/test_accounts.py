"""Accounts and subaccounts over the official client and plain HTTP: list, fetch, update, create."""

import re
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from connectapps.domain.models import Account
from connectapps.domain.resources.spec import document
from tests.api.resources.spec_schemas import assert_answer
from tests.conftest import Server
from tests.envelope import assert_error

ACCOUNT_KEYS = [
    "auth_token", "date_created", "date_updated", "friendly_name", "owner_account_sid", "sid", "status",
    "subresource_uris", "type", "uri",
]


def account_path(sid: str) -> str:
    return f"/2010-04-01/Accounts/{sid}.json"


def test_fetch_has_twilios_representation(server: Server) -> None:
    main = server.account("Main")
    body = server.get(account_path(main.sid), main).json()
    assert list(body) == ACCOUNT_KEYS
    assert body["sid"] == main.sid and body["owner_account_sid"] == main.sid
    assert body["auth_token"] == main.auth_token
    assert body["status"] == "active" and body["type"] == "Full"
    assert body["uri"] == account_path(main.sid)
    assert body["subresource_uris"]["connect_apps"] == f"/2010-04-01/Accounts/{main.sid}/ConnectApps.json"
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", body["date_created"])
    assert parsedate_to_datetime(body["date_created"]).tzinfo is not None


def test_create_a_subaccount_with_the_sdk(server: Server) -> None:
    main = server.account("Main")
    sub = server.client(main).api.v2010.accounts.create(friendly_name="Team A")
    assert sub.friendly_name == "Team A"
    assert sub.owner_account_sid == main.sid
    assert sub.status == "active"
    # The new subaccount's own credentials work, on itself.
    own = server.client(Account(sub.sid, sub.auth_token, "", main.sid, "active", main.date_created,
                                main.date_updated))
    assert own.api.v2010.accounts(sub.sid).fetch().sid == sub.sid


def test_create_answers_201(server: Server) -> None:
    main = server.account()
    resp = server.post("/2010-04-01/Accounts.json", main, data={"FriendlyName": "x"})
    assert resp.status_code == 201
    assert resp.json()["friendly_name"] == "x"


def test_a_subaccount_cannot_create_subaccounts(server: Server) -> None:
    main = server.account()
    sub = server.account(owner=main)
    resp = server.post("/2010-04-01/Accounts.json", sub, data={"FriendlyName": "x"})
    assert_error(resp, 403, 20006, "Access Denied: Creating a subaccount needs a main account's own credentials")


def test_list_is_the_account_and_its_subaccounts_in_sid_order(server: Server) -> None:
    main = server.account()
    subs = [server.account(owner=main) for _ in range(4)]
    other = server.account()
    server.account(owner=other)
    listed = [a.sid for a in server.client(main).api.v2010.accounts.list(page_size=2)]
    assert listed == sorted([main.sid, *(s.sid for s in subs)])
    # A subaccount sees only itself.
    assert [a.sid for a in server.client(subs[0]).api.v2010.accounts.list()] == [subs[0].sid]


def test_list_envelope_keys(server: Server) -> None:
    main = server.account()
    body = server.get("/2010-04-01/Accounts.json", main).json()
    assert set(body) == {
        "accounts", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri",
    }
    assert body["first_page_uri"] == "/2010-04-01/Accounts.json?Page=0&PageSize=50"


def test_rename(server: Server) -> None:
    main = server.account("Old")
    assert server.client(main).api.v2010.accounts(main.sid).update(friendly_name="New").friendly_name == "New"


def test_friendly_name_over_64_is_20002(server: Server) -> None:
    main = server.account()
    resp = server.post(account_path(main.sid), main, data={"FriendlyName": "x" * 65})
    assert_error(resp, 400, 20002, "FriendlyName must be between 1 and 64 characters long")


@pytest.mark.parametrize("name", ["a\x00b", "new\nline", "\x1b[31mred"])
def test_friendly_name_with_a_control_character_is_20001(server: Server, name: str) -> None:
    main = server.account("Kept")
    assert_error(server.post(account_path(main.sid), main, data={"FriendlyName": name}), 400, 20001,
                 "FriendlyName must not contain control characters")
    assert_error(server.post("/2010-04-01/Accounts.json", main, data={"FriendlyName": name}), 400, 20001,
                 "FriendlyName must not contain control characters")
    assert server.get(account_path(main.sid), main).json()["friendly_name"] == "Kept"


def test_suspend_then_the_subaccount_cannot_authenticate_then_reactivate(server: Server) -> None:
    main = server.account()
    sub = server.account(owner=main)
    parent = server.client(main).api.v2010.accounts(sub.sid)
    assert parent.update(status="suspended").status == "suspended"
    assert_error(server.get(account_path(sub.sid), sub), 401, 20003, "Authenticate")
    assert parent.update(status="active").status == "active"
    assert server.get(account_path(sub.sid), sub).status_code == 200


def test_a_closed_account_cannot_authenticate_nor_be_reopened(server: Server) -> None:
    main = server.account()
    sub = server.account(owner=main)
    assert server.post(account_path(sub.sid), main, data={"Status": "closed"}).json()["status"] == "closed"
    assert_error(server.get(account_path(sub.sid), sub), 401, 20003, "Authenticate")
    resp = server.post(account_path(sub.sid), main, data={"Status": "active"})
    assert_error(resp, 400, 20001, "A closed account cannot be reopened")
    assert server.get(account_path(sub.sid), main).json()["status"] == "closed"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [("frozen", 20001, "Status must be active, suspended or closed, not 'frozen'")],
)
def test_invalid_status(server: Server, status: str, code: int, message: str) -> None:
    main = server.account()
    sub = server.account(owner=main)
    assert_error(server.post(account_path(sub.sid), main, data={"Status": status}), 400, code, message)


def test_a_main_accounts_status_is_not_changed_through_the_api(server: Server) -> None:
    main = server.account()
    resp = server.post(account_path(main.sid), main, data={"Status": "suspended"})
    assert_error(resp, 400, 20001, "The status of a main account cannot be changed through the API")
    assert server.get(account_path(main.sid), main).json()["status"] == "active"


def test_a_subaccount_cannot_change_its_own_status(server: Server) -> None:
    main = server.account()
    sub = server.account(owner=main)
    resp = server.post(account_path(sub.sid), sub, data={"Status": "suspended"})
    assert_error(resp, 403, 20006)
    assert server.get(account_path(sub.sid), sub).json()["status"] == "active"


def test_sdk_errors_carry_code_and_message(server: Server) -> None:
    main = server.account()
    stranger = server.account()
    with pytest.raises(TwilioRestException) as caught:
        server.client(main).api.v2010.accounts(stranger.sid).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)


def test_list_filters_by_friendly_name_and_status_across_pages(server: Server) -> None:
    main = server.account("Filter main")
    teams = sorted((server.account("Team", owner=main) for _ in range(3)), key=lambda a: a.sid)
    server.account("Other", owner=main)
    suspended = server.account("Team", owner=main)
    server.post(account_path(suspended.sid), main, data={"Status": "suspended"})
    accounts = server.client(main).api.v2010.accounts
    listed = accounts.list(friendly_name="Team", status="active", page_size=1)
    assert [a.sid for a in listed] == [t.sid for t in teams]
    assert {a.sid for a in accounts.list(status="suspended")} == {suspended.sid}
    body = server.get("/2010-04-01/Accounts.json?FriendlyName=Team&Status=active&PageSize=1", main).json()
    assert body["next_page_uri"].startswith("/2010-04-01/Accounts.json?FriendlyName=Team&Status=active&PageSize=1")
    assert body["first_page_uri"] == "/2010-04-01/Accounts.json?FriendlyName=Team&Status=active&Page=0&PageSize=1"


def test_list_with_an_unknown_status_is_20001(server: Server) -> None:
    main = server.account()
    resp = server.get("/2010-04-01/Accounts.json?Status=frozen", main)
    assert_error(resp, 400, 20001, "Status must be active, suspended or closed, not 'frozen'")


def spec_example() -> dict[str, Any]:
    path = document()["paths"]["/2010-04-01/Accounts/{Sid}.json"]
    content = path["get"]["responses"]["200"]["content"]["application/json"]
    example: dict[str, Any] = content["examples"]["fetch"]["value"]
    return example


def test_accounts_carry_every_subresource_uri_of_the_spec_example(server: Server) -> None:
    """All 20 entries, in the example's order, for a main account and a subaccount (both ``Full``); each one
    the spec can list answers the account's own credentials; the whole answer validates, formats included."""
    main = server.account("Main")
    sub = server.account("Sub", owner=main)
    example = spec_example()
    for account in (main, sub):
        body = server.get(account_path(account.sid), account).json()
        assert_answer(body, "/2010-04-01/Accounts/{Sid}.json", "GET", 200)
        expected = {key: uri.replace(example["sid"], account.sid) for key, uri in example["subresource_uris"].items()}
        assert list(body["subresource_uris"].items()) == list(expected.items())
        assert len(expected) == 20 and body["type"] == example["type"] == "Full"
        fetched = server.client(main).api.v2010.accounts(account.sid).fetch()
        assert fetched.subresource_uris == expected and fetched.type == "Full"
    paths = document()["paths"]
    listable = {
        name: uri for name, uri in expected.items() if "get" in paths.get(uri.replace(sub.sid, "{AccountSid}"), {})
    }
    assert set(expected) - set(listable) == {"sip", "usage"}  # groups of resources, not lists, in the spec too
    for name, uri in listable.items():
        status = server.get(uri, sub).status_code
        # API keys and signing keys: the Keys module (issue 12's other half), 404 until it lands
        assert status == 200 or (name in {"keys", "signing_keys"} and status == 404), (uri, status)
