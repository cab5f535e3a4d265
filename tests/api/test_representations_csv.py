"""``.csv`` over HTTP, read back with Python's csv module; and JSON unchanged by the routing of representations,
through twilio-python's async client (AsyncTwilioHttpClient), which, like every client, asks for ``.json``."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest
import requests
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from connectapps.domain.models import Account
from tests.api.test_representations_xml import FULL, pascal
from tests.conftest import Server

CSV = "text/csv; charset=utf-8"
APP_COLUMNS = [
    "AccountSid", "AuthorizeRedirectUrl", "CompanyName", "DeauthorizeCallbackMethod", "DeauthorizeCallbackUrl",
    "Description", "FriendlyName", "HomepageUrl", "Permissions", "Sid", "Uri",
]


def rows(resp: requests.Response) -> list[list[str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == CSV
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8"), newline="")))


def test_a_list_as_csv_has_a_header_row_and_a_row_per_item(server: Server) -> None:
    owner = server.account()
    for n in range(3):
        app = server.app(owner)
        resp = server.post(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{app.sid}.json", owner,
                           data=FULL | {"FriendlyName": f"App, \"{n}\"", "Description": "line one\r\nline two"})
        assert resp.status_code == 200, resp.text
    base = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps"
    table = rows(server.get(base + ".csv", owner))
    items = server.get(base + ".json", owner).json()["connect_apps"]
    assert table[0] == APP_COLUMNS and len(table) == 1 + len(items) == 4
    for row, item in zip(table[1:], items, strict=True):
        record = dict(zip(table[0], row, strict=True))
        assert record["FriendlyName"] == item["friendly_name"]  # commas, quotes and line breaks survive
        assert record["Description"] == item["description"] == "line one\r\nline two"
        assert record["Permissions"] == "get-all,post-all"
        assert record["DeauthorizeCallbackUrl"] == ""  # null
        assert record["Sid"] == item["sid"] and record["Uri"] == re.sub(r"\.json$", "", item["uri"])
    paged = rows(server.get(base + ".csv?PageSize=2", owner))
    assert [r[APP_COLUMNS.index("Sid")] for r in paged[1:]] == [i["sid"] for i in items[:2]]


def test_an_empty_list_still_has_its_header_row(server: Server) -> None:
    owner = server.account()
    assert rows(server.get(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.csv", owner)) == [APP_COLUMNS]
    calls = rows(server.get(f"/2010-04-01/Accounts/{owner.sid}/Calls.csv", owner))
    assert len(calls) == 1 and {"Sid", "To", "From", "Status", "DateCreated", "Uri"} <= set(calls[0])


def test_accounts_and_spec_resources_as_csv(server: Server) -> None:
    main = server.account("Main")
    sub = server.account("Sub", owner=main)
    table = rows(server.get("/2010-04-01/Accounts.csv", main))
    assert table[0][:2] == ["AuthToken", "DateCreated"]
    assert {row[table[0].index("Sid")] for row in table[1:]} == {main.sid, sub.sid}
    message = server.post(f"/2010-04-01/Accounts/{main.sid}/Messages.json", main, data={
        "To": "+15005550006", "From": "+15005550001", "Body": "hello",
    }).json()
    table = rows(server.get(f"/2010-04-01/Accounts/{main.sid}/Messages.csv", main))
    record = dict(zip(table[0], table[1], strict=True))
    assert table[0] == [pascal(key) for key in message]
    assert (record["Sid"], record["Body"], record["To"]) == (message["sid"], "hello", "+15005550006")
    assert record["NumSegments"] == message["num_segments"]


def test_an_instance_as_csv_is_one_row(server: Server) -> None:
    owner = server.account()
    table = rows(server.get(f"/2010-04-01/Accounts/{owner.sid}.csv", owner))
    assert len(table) == 2 and dict(zip(*table, strict=True))["Sid"] == owner.sid


@pytest.mark.parametrize(("name", "cell"), [
    ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
    ("@SUM(A1)", "'@SUM(A1)"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("Plain", "Plain"),
])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(server: Server, name: str, cell: str) -> None:
    owner = server.account()
    server.app(owner, friendly_name=name)
    table = rows(server.get(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.csv", owner))
    assert table[1][APP_COLUMNS.index("FriendlyName")] == cell


def test_phone_numbers_are_not_taken_for_formulas(server: Server) -> None:
    owner = server.account()
    server.post(f"/2010-04-01/Accounts/{owner.sid}/Messages.json", owner, data={
        "To": "+15005550006", "From": "+15005550001", "Body": "x",
    })
    table = rows(server.get(f"/2010-04-01/Accounts/{owner.sid}/Messages.csv", owner))
    assert dict(zip(table[0], table[1], strict=True))["To"] == "+15005550006"


# --- JSON unchanged: the async client ---------------------------------------------------------------------------


def async_client(server: Server, account: Account) -> Client:
    client = Client(account.sid, account.auth_token, http_client=AsyncTwilioHttpClient(),
                    environment={"TWILIO_TEST": "1"})
    client.api.base_url = server.url
    return client


# twilio-python 9.13's async client passes credentials the way aiohttp deprecates: its warnings, not ours.
@pytest.mark.filterwarnings("ignore:.*(BasicAuth|'auth' parameter) is deprecated:DeprecationWarning")
def test_the_async_client_sees_json_unchanged(server: Server) -> None:
    owner = server.account("Owner")
    sub = server.account("Sub", owner=owner)
    apps = [server.app(owner, friendly_name=f"app {n}") for n in range(3)]

    async def walk() -> None:
        client = async_client(server, owner)
        try:
            listed = await client.api.v2010.accounts(owner.sid).connect_apps.list_async(page_size=2)
            assert sorted(a.sid for a in listed) == sorted(a.sid for a in apps)
            fetched = await client.api.v2010.accounts(owner.sid).connect_apps(apps[0].sid).fetch_async()
            assert fetched.friendly_name == "app 0" and fetched.uri.endswith(".json")
            updated = await client.api.v2010.accounts(owner.sid).connect_apps(apps[0].sid).update_async(
                friendly_name="renamed", permissions=["get-all"],
            )
            assert (updated.friendly_name, updated.permissions) == ("renamed", ["get-all"])
            account = await client.api.v2010.accounts(sub.sid).fetch_async()
            assert account.type == "Full" and len(account.subresource_uris) == 20
            accounts = await client.api.v2010.accounts.list_async()
            assert {a.sid for a in accounts} == {owner.sid, sub.sid}
        finally:
            await client.http_client.close()

    asyncio.run(walk())
    plain = server.get(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{apps[0].sid}.json", owner)
    assert plain.headers["Content-Type"] == "application/json; charset=utf-8"
    assert plain.json()["friendly_name"] == "renamed"
