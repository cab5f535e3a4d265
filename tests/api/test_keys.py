"""API keys over HTTP: the Keys resource with the official client, and keys as credentials.

Standard keys reach their own account but not its Accounts and Keys resources (401 / 20003, as
Twilio answers); Main keys reach what the auth token reaches, subaccounts included; a parent's
Standard key does not reach its subaccounts (docs/compatibility.md, "API keys").
"""

import asyncio

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from connectapps.domain import keys
from tests.api.resources.spec_schemas import assert_answer
from tests.api.test_delegated_access import grant
from tests.conftest import Server
from tests.envelope import assert_error

INVALID_USERNAME = "Authentication Error - invalid username"
KEYS = "/2010-04-01/Accounts/{AccountSid}/Keys.json"
KEY = "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json"


def key_client(server: Server, key_sid: str, secret: str, account_sid: str) -> Client:
    """``Client(api_key, api_secret, account_sid)``, as Twilio documents it, but for the base URL."""
    client = Client(key_sid, secret, account_sid, environment={"TWILIO_TEST": "1"})
    client.api.base_url = server.url
    return client


def test_create_list_fetch_update_delete_with_the_official_client(server: Server) -> None:
    owner = server.account("Keys")
    api = server.client(owner).api.v2010.account
    created = api.new_keys.create(friendly_name="Build server")
    assert created.sid.startswith("SK") and len(created.sid) == 34
    assert created.friendly_name == "Build server" and len(created.secret) == 32
    fetched = api.keys(created.sid).fetch()
    assert (fetched.sid, fetched.friendly_name) == (created.sid, "Build server")
    assert [k.sid for k in api.keys.list()] == [created.sid]
    assert api.keys(created.sid).update(friendly_name="Renamed").friendly_name == "Renamed"
    assert api.keys(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as raised:
        api.keys(created.sid).fetch()
    assert raised.value.status == 404


def test_answers_have_the_specs_shapes_and_the_secret_only_once(server: Server) -> None:
    owner = server.account()
    path = KEYS.replace("{AccountSid}", owner.sid)
    resp = server.post(path, owner, data={"FriendlyName": "k"})
    assert resp.status_code == 201
    body = resp.json()
    assert_answer(body, KEYS, "post", 201)
    assert set(body) == {"sid", "friendly_name", "date_created", "date_updated", "secret"}
    instance = f"/2010-04-01/Accounts/{owner.sid}/Keys/{body['sid']}.json"
    for resp in (server.get(instance, owner), server.post(instance, owner, data={"FriendlyName": "j"})):
        assert resp.status_code == 200
        assert_answer(resp.json(), KEY, "get", 200)
        assert "secret" not in resp.json() and body["secret"] not in resp.text
    listed = server.get(path, owner)
    assert_answer(listed.json(), KEYS, "get", 200)
    assert "secret" not in listed.json()["keys"][0] and body["secret"] not in listed.text
    deleted = server.request("DELETE", instance, owner)
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_the_list_is_paged_like_every_list(server: Server) -> None:
    owner = server.account()
    made = sorted(keys.create(server.store, owner, f"k{n}").key.sid for n in range(5))
    api = server.client(owner).api.v2010.account
    assert [k.sid for k in api.keys.list(page_size=2)] == made
    first = server.get(KEYS.replace("{AccountSid}", owner.sid) + "?PageSize=2", owner).json()
    assert [k["sid"] for k in first["keys"]] == made[:2]
    assert first["next_page_uri"].endswith(f"PageSize=2&Page=1&PageToken=PA{made[1]}")
    second = server.get(first["next_page_uri"], owner).json()
    assert [k["sid"] for k in second["keys"]] == made[2:4]
    bad = server.get(KEYS.replace("{AccountSid}", owner.sid) + "?PageToken=PAAC" + "0" * 32, owner)
    assert_error(bad, 400, 21481)


def test_bad_names_and_unknown_keys(server: Server) -> None:
    owner = server.account()
    path = KEYS.replace("{AccountSid}", owner.sid)
    assert_error(server.post(path, owner, data={"FriendlyName": "x" * 65}), 400, 20002)
    for sid in ("SK" + "0" * 32, "nonsense"):
        assert_error(server.get(f"/2010-04-01/Accounts/{owner.sid}/Keys/{sid}.json", owner), 404, 20404)
    # Another account's key is not found through this account's path.
    other = server.account()
    theirs = keys.create(server.store, other, "theirs").key
    assert_error(server.get(f"/2010-04-01/Accounts/{owner.sid}/Keys/{theirs.sid}.json", owner), 404, 20404)
    assert_error(server.request("DELETE", f"/2010-04-01/Accounts/{owner.sid}/Keys/{theirs.sid}.json", owner),
                 404, 20404)
    assert server.store.get_key(theirs.sid) is not None


def test_a_standard_key_authenticates_as_its_account(server: Server) -> None:
    owner = server.account()
    app = server.app(owner, friendly_name="Mine")
    new = server.client(owner).api.v2010.account.new_keys.create(friendly_name="std")
    client = key_client(server, new.sid, new.secret, owner.sid)
    assert [a.sid for a in client.api.v2010.account.connect_apps.list()] == [app.sid]
    assert client.api.v2010.account.connect_apps(app.sid).update(friendly_name="Via key").friendly_name == "Via key"
    message = client.messages.create(to="+15005550006", from_="+15005550001", body="hi")
    assert message.account_sid == owner.sid


def test_a_standard_key_gets_401_on_accounts_and_keys(server: Server) -> None:
    owner = server.account()
    new = keys.create(server.store, owner, "std")
    auth = (new.key.sid, new.secret)
    for method, path in (
        ("GET", "/2010-04-01/Accounts.json"), ("POST", "/2010-04-01/Accounts.json"),
        ("GET", f"/2010-04-01/Accounts/{owner.sid}.json"), ("POST", f"/2010-04-01/Accounts/{owner.sid}.json"),
        ("GET", KEYS.replace("{AccountSid}", owner.sid)), ("POST", KEYS.replace("{AccountSid}", owner.sid)),
        ("GET", f"/2010-04-01/Accounts/{owner.sid}/Keys/{new.key.sid}.json"),
        ("DELETE", f"/2010-04-01/Accounts/{owner.sid}/Keys/{new.key.sid}.json"),
    ):
        resp = server.request(method, path, auth=auth, data={"FriendlyName": "x"} if method == "POST" else None)
        assert_error(resp, 401, 20003, INVALID_USERNAME)
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert server.store.get_key(new.key.sid) is not None
    assert [a.sid for a in server.client(owner).api.v2010.accounts.list()] == [owner.sid]  # nothing created


def test_a_main_key_reaches_what_the_auth_token_reaches(server: Server) -> None:
    owner = server.account("Parent")
    sub = server.account("Child", owner=owner)
    sub_app = server.app(sub, friendly_name="Child app")
    new = keys.create(server.store, owner, "main", keys.MAIN)
    client = key_client(server, new.key.sid, new.secret, owner.sid)
    assert {a.sid for a in client.api.v2010.accounts.list()} == {owner.sid, sub.sid}
    made = client.api.v2010.account.new_keys.create(friendly_name="made by main")
    assert {k.sid for k in client.api.v2010.account.keys.list()} == {new.key.sid, made.sid}
    assert server.store.get_key(made.sid).key_type == keys.STANDARD  # type: ignore[union-attr]
    as_sub = key_client(server, new.key.sid, new.secret, sub.sid)
    assert [a.sid for a in as_sub.api.v2010.account.connect_apps.list()] == [sub_app.sid]
    created = client.api.v2010.accounts.create(friendly_name="Made with a Main key")
    assert created.owner_account_sid == owner.sid


def test_a_parents_standard_key_does_not_reach_its_subaccounts(server: Server) -> None:
    owner = server.account()
    sub = server.account(owner=owner)
    new = keys.create(server.store, owner, "std")
    resp = server.get(f"/2010-04-01/Accounts/{sub.sid}/ConnectApps.json", auth=(new.key.sid, new.secret))
    assert_error(resp, 401, 20003, "Authenticate")
    # A subaccount's own key reaches the subaccount, and nothing of its parent.
    own = keys.create(server.store, sub, "sub's")
    assert server.get(f"/2010-04-01/Accounts/{sub.sid}/ConnectApps.json", auth=(own.key.sid, own.secret)).ok
    resp = server.get(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.json", auth=(own.key.sid, own.secret))
    assert_error(resp, 401, 20003)


def test_wrong_secrets_deleted_keys_and_inactive_accounts_authenticate_nothing(server: Server) -> None:
    owner = server.account()
    sub = server.account(owner=owner)
    new = keys.create(server.store, sub, "k")
    path = f"/2010-04-01/Accounts/{sub.sid}/ConnectApps.json"
    assert server.get(path, auth=(new.key.sid, new.secret)).ok
    for auth in ((new.key.sid, new.secret[:-1] + "!"), (new.key.sid, ""), ("SK" + "0" * 32, new.secret)):
        assert_error(server.get(path, auth=auth), 401, 20003, "Authenticate")
    server.client(owner).api.v2010.accounts(sub.sid).update(status="suspended")
    assert_error(server.get(path, auth=(new.key.sid, new.secret)), 401, 20003)
    server.client(owner).api.v2010.accounts(sub.sid).update(status="active")
    assert server.get(path, auth=(new.key.sid, new.secret)).ok
    server.client(owner).api.v2010.accounts(sub.sid).keys(new.key.sid).delete()
    assert_error(server.get(path, auth=(new.key.sid, new.secret)), 401, 20003)


def test_a_connect_app_cannot_manage_keys(server: Server) -> None:
    """A key an app made in the Connect subaccount would outlive the authorization."""
    given = grant(server, ["get-all", "post-all"])
    for method in ("GET", "POST"):
        resp = given.delegated(server, method, KEYS.replace("{AccountSid}", given.connect_sid))
        assert_error(resp, 403, 20006,
                     "Access Denied: API keys are managed with the account's own credentials, not a Connect App's")
    assert given.client(server).api.v2010.account.connect_apps.list() == []  # delegation itself still works


def test_only_a_keyed_hash_of_the_secret_is_stored(server: Server) -> None:
    owner = server.account()
    new = server.client(owner).api.v2010.account.new_keys.create(friendly_name="hashed")
    stored = server.store.get_key(new.sid)
    assert stored is not None and new.secret not in repr(stored)
    assert stored.secret_hash == keys.secret_hash(server.store, new.secret) != new.secret
    assert keys.secret_matches(server.store, stored, new.secret)
    assert not keys.secret_matches(server.store, stored, new.secret[::-1])
    assert not keys.secret_matches(server.store, None, new.secret)


def test_the_async_client_with_a_key(server: Server) -> None:
    owner = server.account()
    app = server.app(owner, friendly_name="Async")
    new = keys.create(server.store, owner, "async")

    async def run() -> list[str]:
        http = AsyncTwilioHttpClient()
        client = Client(new.key.sid, new.secret, owner.sid, http_client=http, environment={"TWILIO_TEST": "1"})
        client.api.base_url = server.url
        try:
            made = await client.api.v2010.account.connect_apps(app.sid).update_async(friendly_name="Async 2")
            listed = await client.api.v2010.account.connect_apps.list_async()
            return [made.friendly_name, *(a.sid for a in listed)]
        finally:
            await http.session.close() if http.session else None

    assert asyncio.run(run()) == ["Async 2", app.sid]



def test_a_suspended_account_gets_no_new_keys_but_may_delete_them(server: Server) -> None:
    owner = server.account()
    sub = server.account(owner=owner)
    old = keys.create(server.store, sub, "old").key
    server.client(owner).api.v2010.accounts(sub.sid).update(status="suspended")
    path = KEYS.replace("{AccountSid}", sub.sid)
    assert_error(server.post(path, owner, data={"FriendlyName": "new"}), 403, 10001)
    instance = f"/2010-04-01/Accounts/{sub.sid}/Keys/{old.sid}.json"
    assert_error(server.post(instance, owner, data={"FriendlyName": "renamed"}), 403, 10001)
    assert server.get(path, owner).json()["keys"][0]["friendly_name"] == "old"
    assert server.request("DELETE", instance, owner).status_code == 204
