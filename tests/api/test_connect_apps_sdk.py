"""The official twilio-python client (9.13.0), unchanged but for its base URL, against a real server.

What a developer does with ``client.api.v2010.account.connect_apps`` must work as on Twilio: every
property, every update, every way of paging, and errors that carry our code and message.
"""

import re
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.api.v2010.account.connect_app import ConnectAppInstance, ConnectAppList

from connectapps.domain.models import Account, ConnectApp
from tests.conftest import Server

PROPERTIES = (
    "account_sid", "authorize_redirect_url", "company_name", "deauthorize_callback_method",
    "deauthorize_callback_url", "description", "friendly_name", "homepage_url", "permissions", "sid", "uri",
)
FULL = {
    "friendly_name": "Full app",
    "company_name": "Example Co",
    "description": "Reads your call logs \N{SNOWMAN}",
    "homepage_url": "https://example.com/",
    "authorize_redirect_url": "https://example.com/authorize",
    "deauthorize_callback_url": "https://example.com/deauthorize",
    "deauthorize_callback_method": "POST",
    "permissions": ["get-all", "post-all"],
}
UNSET: dict[str, Any] = {name: None for name in FULL} | {"deauthorize_callback_method": "GET", "permissions": []}
URI = re.compile(r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/ConnectApps/CN[0-9a-f]{32}\.json$")


def connect_apps(server: Server, account: Account) -> ConnectAppList:
    return server.client(account).api.v2010.account.connect_apps


def properties(instance: ConnectAppInstance) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in PROPERTIES}


def expected(owner: Account, app: ConnectApp, **fields: Any) -> dict[str, Any]:
    """The 11 properties an app with these fields must show (null/[] where unset, GET by default)."""
    return UNSET | fields | {
        "account_sid": owner.sid,
        "sid": app.sid,
        "uri": f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{app.sid}.json",
    }


def apps_of(server: Server, count: int) -> tuple[Account, list[str]]:
    """A fresh account with ``count`` apps; their SIDs in the order the API lists them."""
    owner = server.account()
    sids = [server.app(owner, friendly_name=f"app {i}").sid for i in range(count)]
    return owner, sorted(sids)


# --- fetch -------------------------------------------------------------------------------------------------------


def test_fetch_returns_all_eleven_properties(server: Server) -> None:
    owner = server.account()
    app = server.app(owner, **FULL)
    assert properties(connect_apps(server, owner)(app.sid).fetch()) == expected(owner, app, **FULL)


def test_fetch_of_an_app_with_nothing_set_gives_nulls(server: Server) -> None:
    """Unset properties are null, never missing or ""; permissions is still a list."""
    owner = server.account()
    app = server.app(owner)
    assert properties(connect_apps(server, owner)(app.sid).fetch()) == expected(owner, app)


@pytest.mark.parametrize("permissions", [[], ["get-all"], ["post-all"], ["get-all", "post-all"]])
def test_permissions_are_always_a_list(server: Server, permissions: list[str]) -> None:
    owner = server.account()
    app = server.app(owner, permissions=permissions)
    assert connect_apps(server, owner)(app.sid).fetch().permissions == permissions


def test_uri_is_the_host_relative_instance_path(server: Server) -> None:
    owner = server.account()
    app = server.app(owner)
    uri = connect_apps(server, owner)(app.sid).fetch().uri
    assert uri is not None and URI.match(uri)
    assert uri == f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{app.sid}.json"


# --- update ------------------------------------------------------------------------------------------------------

ONE_FIELD_UPDATES = [
    ("friendly_name", "Renamed", "Renamed"),
    ("company_name", "Other Co", "Other Co"),
    ("description", "Now posts too", "Now posts too"),
    ("homepage_url", "http://other.example.org/home", "http://other.example.org/home"),
    ("authorize_redirect_url", "https://other.example.org/cb?x=1", "https://other.example.org/cb?x=1"),
    ("deauthorize_callback_url", "http://localhost:8080/deauth", "http://localhost:8080/deauth"),
    ("deauthorize_callback_method", "get", "GET"),
    ("permissions", ["get-all"], ["get-all"]),
]


@pytest.mark.parametrize(("field", "sent", "stored"), ONE_FIELD_UPDATES, ids=[u[0] for u in ONE_FIELD_UPDATES])
def test_update_changes_only_the_sent_field(server: Server, field: str, sent: Any, stored: Any) -> None:
    owner = server.account()
    app = server.app(owner, **FULL)
    resource = connect_apps(server, owner)(app.sid)
    want = expected(owner, app, **FULL) | {field: stored}
    assert properties(resource.update(**{field: sent})) == want
    assert properties(resource.fetch()) == want


@pytest.mark.parametrize("field", [name for name in FULL if name != "permissions"])
def test_update_with_empty_string_clears_the_field(server: Server, field: str) -> None:
    """twilio-python sends ``""`` as ``Field=``: the property becomes null (the method goes back to GET,
    as the spec's enum has no null)."""
    owner = server.account()
    app = server.app(owner, **FULL)
    resource = connect_apps(server, owner)(app.sid)
    resource.update(**{field: ""})
    assert properties(resource.fetch()) == expected(owner, app, **FULL) | {field: UNSET[field]}


def test_update_of_every_field_at_once(server: Server) -> None:
    owner = server.account()
    app = server.app(owner)
    resource = connect_apps(server, owner)(app.sid)
    assert properties(resource.update(**FULL)) == expected(owner, app, **FULL)
    assert properties(resource.fetch()) == expected(owner, app, **FULL)


@pytest.mark.parametrize(
    "permissions",
    [["get-all", "post-all"], "get-all,post-all", ["get-all", "post-all", "get-all"]],
    ids=["repeated-keys", "comma-string", "duplicates"],
)
def test_permissions_as_list_or_comma_string(server: Server, permissions: list[str] | str) -> None:
    owner = server.account()
    app = server.app(owner)
    resource = connect_apps(server, owner)(app.sid)
    assert resource.update(permissions=permissions).permissions == ["get-all", "post-all"]
    assert resource.fetch().permissions == ["get-all", "post-all"]


def test_empty_permission_list_changes_nothing_and_keeps_the_connection(server: Server) -> None:
    """twilio-python sends ``permissions=[]`` as an empty chunked body on a keep-alive connection.

    Nothing is sent, so nothing changes; and the next call on the same connection must still work.
    """
    owner = server.account()
    app = server.app(owner, **FULL)
    resource = connect_apps(server, owner)(app.sid)
    assert resource.update(permissions=[]).permissions == FULL["permissions"]
    assert properties(resource.fetch()) == expected(owner, app, **FULL)


# --- list, stream, page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3, 5, 10])
def test_list_with_limit(server: Server, limit: int) -> None:
    owner, sids = apps_of(server, 5)
    assert [app.sid for app in connect_apps(server, owner).list(limit=limit)] == sids[:limit]


def test_list_returns_full_instances(server: Server) -> None:
    owner = server.account()
    app = server.app(owner, **FULL)
    (listed,) = connect_apps(server, owner).list()
    assert properties(listed) == expected(owner, app, **FULL)


def test_list_of_an_account_without_apps_is_empty(server: Server) -> None:
    assert connect_apps(server, server.account()).list() == []


@pytest.mark.parametrize("count", [1, 4, 5])
def test_stream_yields_every_app_once_in_sid_order(server: Server, count: int) -> None:
    """Page by page (size 2): odd and even counts, so the last page is full or partial."""
    owner, sids = apps_of(server, count)
    assert [app.sid for app in connect_apps(server, owner).stream(page_size=2)] == sids


def test_stream_shows_only_the_callers_apps(server: Server) -> None:
    owner, sids = apps_of(server, 3)
    apps_of(server, 3)  # another account's apps, interleaved in SID order
    assert [app.sid for app in connect_apps(server, owner).stream(page_size=2)] == sids


def page_sids(page: Any) -> list[str]:
    return [record.sid for record in page]


def test_page_next_page_to_the_end_then_previous_page(server: Server) -> None:
    owner, sids = apps_of(server, 5)
    page = connect_apps(server, owner).page(page_size=2)
    pages = [page_sids(page)]
    while (following := page.next_page()) is not None:
        page = following
        pages.append(page_sids(page))
    assert pages == [sids[0:2], sids[2:4], sids[4:5]]
    back = page.previous_page()
    assert back is not None and page_sids(back) == sids[2:4]
    first = back.previous_page()
    assert first is not None and page_sids(first) == sids[0:2]
    assert first.previous_page() is None
    again = first.next_page()
    assert again is not None and page_sids(again) == sids[2:4]


# --- errors ------------------------------------------------------------------------------------------------------

def unknown_permission(permission: str) -> str:
    return f"Permissions has an unknown permission '{permission}': use get-all or post-all"


BAD_UPDATES: list[tuple[dict[str, Any], int, str]] = [
    ({"homepage_url": "not a url"}, 21502, "HomepageUrl is not a valid URL: not a url"),
    ({"authorize_redirect_url": "ftp://example.com"}, 21502, "AuthorizeRedirectUrl is not a valid URL: ftp://example.com"),
    ({"deauthorize_callback_url": "example.com/x"}, 21502, "DeauthorizeCallbackUrl is not a valid URL: example.com/x"),
    ({"friendly_name": "a" * 65}, 20002, "FriendlyName must be between 1 and 64 characters long"),
    ({"deauthorize_callback_method": "PUT"}, 21403, "DeauthorizeCallbackMethod must be GET or POST, not 'PUT'"),
    ({"permissions": ["get-all", "admin"]}, 20001, unknown_permission("admin")),
    ({"permissions": "get-all,read-all"}, 20001, unknown_permission("read-all")),
]


@pytest.mark.parametrize(
    ("fields", "code", "message"), BAD_UPDATES, ids=[f"{next(iter(b[0]))}-{b[1]}" for b in BAD_UPDATES],
)
def test_invalid_update_raises_with_our_code_and_message(
    server: Server, fields: dict[str, Any], code: int, message: str,
) -> None:
    owner = server.account()
    app = server.app(owner, **FULL)
    resource = connect_apps(server, owner)(app.sid)
    with pytest.raises(TwilioRestException) as caught:
        resource.update(**fields)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert caught.value.msg == f"Unable to update record: {message}"
    assert properties(resource.fetch()) == expected(owner, app, **FULL)


def test_fetch_of_an_unknown_app_is_20404(server: Server) -> None:
    owner = server.account()
    sid = "CN" + "0" * 32
    with pytest.raises(TwilioRestException) as caught:
        connect_apps(server, owner)(sid).fetch()
    path = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{sid}.json"
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert caught.value.msg == f"Unable to fetch record: The requested resource {path} was not found"


def test_fetch_of_another_accounts_app_is_20404(server: Server) -> None:
    """Another account's SID on your own path is simply not there: no hint that it exists."""
    owner, other = server.account(), server.account()
    app = server.app(other, **FULL)
    with pytest.raises(TwilioRestException) as caught:
        connect_apps(server, owner)(app.sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_update_of_an_unknown_app_is_20404(server: Server) -> None:
    owner = server.account()
    sid = "CN" + "f" * 32
    with pytest.raises(TwilioRestException) as caught:
        connect_apps(server, owner)(sid).update(friendly_name="x")
    path = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{sid}.json"
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert caught.value.msg == f"Unable to update record: The requested resource {path} was not found"


def test_delete_is_not_allowed(server: Server) -> None:
    """The SDK carries delete(); Twilio's documentation says deleting is not supported."""
    owner = server.account()
    app = server.app(owner, **FULL)
    resource = connect_apps(server, owner)(app.sid)
    with pytest.raises(TwilioRestException) as caught:
        resource.delete()
    path = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{app.sid}.json"
    assert (caught.value.status, caught.value.code) == (405, 20004)
    assert caught.value.msg == f"Unable to delete record: Method not allowed: DELETE is not supported on {path}"
    assert properties(resource.fetch()) == expected(owner, app, **FULL)


@pytest.mark.parametrize("operation", ["fetch", "update", "delete"])
def test_wrong_auth_token_is_20003(server: Server, operation: str) -> None:
    owner = server.account()
    app = server.app(owner, **FULL)
    client = server.client(owner, password="0" * 32)
    with pytest.raises(TwilioRestException) as caught:
        getattr(client.api.v2010.account.connect_apps(app.sid), operation)()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert caught.value.msg == f"Unable to {operation} record: Authenticate"
    assert properties(connect_apps(server, owner)(app.sid).fetch()) == expected(owner, app, **FULL)
