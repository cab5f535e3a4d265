"""A Connect Apps list page asked again before anything commits answers the body made the first time
(wire/fragments.py ``PageBodies``); any commit, through this store or another connection, makes it anew."""

import base64
import json
from typing import Any

import falcon.testing
import pytest

from connectapps.app import create_app
from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import Account
from connectapps.domain.store import Store
from connectapps.store import open_store


@pytest.fixture
def owner(store: Store) -> Account:
    owner = accounts.create(store, "Owner")
    for n in range(3):
        connect_apps.create(store, owner.sid, {"friendly_name": f"App {n}"})
    return owner


def list_page(client: falcon.testing.TestClient, owner: Account, query: str = "") -> dict[str, Any]:
    auth = "Basic " + base64.b64encode(f"{owner.sid}:{owner.auth_token}".encode()).decode()
    resp = client.simulate_get(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.json", query_string=query,
                               headers={"Authorization": auth})
    assert resp.status_code == 200, resp.text
    page: dict[str, Any] = resp.json
    return page


def names(page: dict[str, Any]) -> list[str]:
    return [app["friendly_name"] for app in page["connect_apps"]]


def test_the_same_page_asked_again_is_the_same_answer(store: Store, owner: Account) -> None:
    client = falcon.testing.TestClient(create_app(store))
    first = list_page(client, owner, "PageSize=2")
    assert list_page(client, owner, "PageSize=2") == first
    assert first["uri"].endswith("?PageSize=2&Page=0")
    bare = list_page(client, owner)  # no query: its uri is the bare path, its page size the default
    assert (bare["uri"], bare["page_size"], len(bare["connect_apps"])) == (
        f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.json", 50, 3)
    other = accounts.create(store, "Other")
    assert list_page(client, other)["connect_apps"] == []  # another account's page is its own


def test_a_commit_through_the_same_store_is_seen_by_the_next_page(store: Store, owner: Account) -> None:
    client = falcon.testing.TestClient(create_app(store))
    before = list_page(client, owner)
    sid = before["connect_apps"][0]["sid"]
    connect_apps.update(store, owner.sid, sid, {"friendly_name": "Renamed"})
    assert names(list_page(client, owner))[0] == "Renamed"


def test_a_commit_through_another_connection_is_seen_by_the_next_page(
    store: Store, owner: Account, database_url: str
) -> None:
    client = falcon.testing.TestClient(create_app(store))
    before = list_page(client, owner)
    elsewhere = open_store(database_url)  # another connection, as another worker or process has
    try:
        connect_apps.update(elsewhere, owner.sid, before["connect_apps"][1]["sid"], {"friendly_name": "Elsewhere"})
        connect_apps.create(elsewhere, owner.sid, {"friendly_name": "New"})
    finally:
        elsewhere.close()
    after = list_page(client, owner)
    assert "Elsewhere" in names(after) and "New" in names(after)
    assert len(after["connect_apps"]) == 4
    assert json.dumps(after) != json.dumps(before)
