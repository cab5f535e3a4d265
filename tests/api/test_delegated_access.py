"""Delegated access and AuthorizedConnectApps: a Connect App acting for the user who authorized it.

Credentials: username the Connect subaccount's SID, password the app owner's auth token.
``get-all`` reads the authorizing account, its subaccounts and their subresources; ``post-all``
writes to the Connect subaccount; anything else is 403 / 20006. An ended authorization stops
working on the very next request.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from connectapps.domain import authorizations
from connectapps.domain.models import Account, Authorization, ConnectApp
from tests.conftest import Server
from tests.envelope import assert_error


@dataclass
class Grant:
    owner: Account  # owns the Connect App
    user: Account  # the authorizing account
    app: ConnectApp
    authorization: Authorization

    @property
    def connect_sid(self) -> str:
        return self.authorization.subaccount_sid

    def delegated(self, server: Server, method: str, path: str, **kwargs: Any) -> requests.Response:
        return server.request(method, path, auth=(self.connect_sid, self.owner.auth_token), **kwargs)

    def client(self, server: Server) -> Client:
        client = Client(self.connect_sid, self.owner.auth_token, environment={"TWILIO_TEST": "1"})
        client.api.base_url = server.url
        return client


def grant(server: Server, permissions: list[str]) -> Grant:
    owner = server.account("App owner")
    user = server.account("User")
    app = server.app(
        owner, friendly_name="Helper", company_name="Vendor", permissions=permissions,
        authorize_redirect_url="https://vendor.example/connect?x=1",
    )
    return Grant(owner, user, app, authorizations.authorize(server.store, app, user))


def account(sid: str) -> str:
    return f"/2010-04-01/Accounts/{sid}.json"


def test_get_all_reads_the_users_account_without_its_token(server: Server) -> None:
    g = grant(server, ["get-all"])
    fetched = g.client(server).api.v2010.accounts(g.user.sid).fetch()
    assert fetched.sid == g.user.sid
    assert fetched.auth_token is None


def test_get_all_lists_the_users_accounts(server: Server) -> None:
    g = grant(server, ["get-all"])
    other_sub = server.account(owner=g.user)
    listed = {a.sid for a in g.client(server).api.v2010.accounts.list()}
    assert listed == {g.user.sid, g.connect_sid, other_sub.sid}


def test_get_all_reads_subresources_of_the_users_subaccounts(server: Server) -> None:
    g = grant(server, ["get-all"])
    other_sub = server.account(owner=g.user)
    app = server.app(other_sub, friendly_name="Theirs")
    path = f"/2010-04-01/Accounts/{other_sub.sid}/ConnectApps/{app.sid}.json"
    assert g.delegated(server, "GET", path).json()["friendly_name"] == "Theirs"


def test_get_all_alone_may_not_post(server: Server) -> None:
    g = grant(server, ["get-all"])
    with pytest.raises(TwilioRestException) as caught:
        g.client(server).api.v2010.accounts(g.connect_sid).update(friendly_name="x")
    assert (caught.value.status, caught.value.code) == (403, 20006)
    assert "post-all" in caught.value.msg


def test_post_all_writes_to_the_connect_subaccount_only(server: Server) -> None:
    g = grant(server, ["post-all"])
    resp = g.delegated(server, "POST", account(g.connect_sid), data={"FriendlyName": "Renamed by app"})
    assert resp.status_code == 200 and resp.json()["friendly_name"] == "Renamed by app"
    assert_error(g.delegated(server, "POST", account(g.user.sid), data={"FriendlyName": "x"}), 403, 20006)
    assert server.get(account(g.user.sid), g.user).json()["friendly_name"] == "User"


def test_post_all_alone_may_not_read(server: Server) -> None:
    g = grant(server, ["post-all"])
    assert_error(g.delegated(server, "GET", account(g.user.sid)), 403, 20006)
    assert_error(g.delegated(server, "GET", "/2010-04-01/Accounts.json"), 403, 20006)


def test_delegation_never_reaches_beyond_the_user(server: Server) -> None:
    g = grant(server, ["get-all", "post-all"])
    stranger = server.account()
    for method in ("GET", "POST"):
        assert_error(g.delegated(server, method, account(stranger.sid)), 401, 20003, "Authenticate")
    # Not the app owner's own account either: the owner's token is only a delegation here.
    assert_error(g.delegated(server, "GET", account(g.owner.sid)), 401, 20003, "Authenticate")


def test_delegated_callers_cannot_create_subaccounts(server: Server) -> None:
    g = grant(server, ["get-all", "post-all"])
    assert_error(g.delegated(server, "POST", "/2010-04-01/Accounts.json", data={"FriendlyName": "x"}), 403, 20006)


def test_a_wrong_password_is_20003(server: Server) -> None:
    g = grant(server, ["get-all"])
    resp = server.request("GET", account(g.user.sid), auth=(g.connect_sid, g.user.auth_token))
    assert_error(resp, 401, 20003, "Authenticate")


def test_revoked_stops_on_the_next_request_and_reauthorizing_restores(server: Server) -> None:
    g = grant(server, ["get-all"])
    assert g.delegated(server, "GET", account(g.user.sid)).status_code == 200
    authorizations.revoke(server.store, g.user.sid, g.app.sid)
    assert_error(g.delegated(server, "GET", account(g.user.sid)), 401, 20003, "Authenticate")
    again = authorizations.authorize(server.store, g.app, g.user)
    assert again.subaccount_sid == g.connect_sid  # the subaccount is reused
    assert g.delegated(server, "GET", account(g.user.sid)).status_code == 200


def test_permission_changes_apply_only_after_reauthorization(server: Server) -> None:
    g = grant(server, ["get-all"])
    server.client(g.owner).api.v2010.account.connect_apps(g.app.sid).update(permissions=["post-all"])
    assert g.delegated(server, "GET", account(g.user.sid)).status_code == 200  # still the old grant
    assert g.delegated(server, "POST", account(g.connect_sid), data={"FriendlyName": "x"}).status_code == 403
    authorizations.authorize(server.store, server.store.find_connect_app(g.app.sid) or g.app, g.user)
    assert_error(g.delegated(server, "GET", account(g.user.sid)), 403, 20006)
    assert g.delegated(server, "POST", account(g.connect_sid), data={"FriendlyName": "x"}).status_code == 200


def test_closing_the_connect_subaccount_ends_the_authorization(server: Server) -> None:
    g = grant(server, ["get-all"])
    closed = server.post(account(g.connect_sid), g.user, data={"Status": "closed"})
    assert closed.json()["status"] == "closed"
    assert_error(g.delegated(server, "GET", account(g.user.sid)), 401, 20003, "Authenticate")
    path = f"/2010-04-01/Accounts/{g.user.sid}/AuthorizedConnectApps/{g.app.sid}.json"
    assert_error(server.get(path, g.user), 404, 20404, f"The requested resource {path} was not found")
    # Authorizing again gives a fresh subaccount: a closed one cannot be reopened.
    again = authorizations.authorize(server.store, g.app, g.user)
    assert again.subaccount_sid != g.connect_sid


def test_a_suspended_app_owner_stops_delegation(server: Server) -> None:
    g = grant(server, ["get-all"])
    # Suspend the owner through the store: the API does not change a main account's status.
    server.store.update_account(g.owner.sid, {"status": "suspended"}, datetime.now(UTC))
    assert_error(g.delegated(server, "GET", account(g.user.sid)), 401, 20003, "Authenticate")


# --- AuthorizedConnectApps ----------------------------------------------------------------------


def test_authorized_connect_app_fetch_with_the_sdk(server: Server) -> None:
    g = grant(server, ["get-all", "post-all"])
    fetched = server.client(g.user).api.v2010.account.authorized_connect_apps(g.app.sid).fetch()
    assert fetched.account_sid == g.user.sid
    assert fetched.connect_app_sid == g.app.sid
    assert fetched.connect_app_friendly_name == "Helper"
    assert fetched.connect_app_company_name == "Vendor"
    assert fetched.connect_app_description is None
    assert fetched.permissions == ["get-all", "post-all"]
    assert fetched.uri == f"/2010-04-01/Accounts/{g.user.sid}/AuthorizedConnectApps/{g.app.sid}.json"


def test_authorized_connect_app_representation_keys(server: Server) -> None:
    g = grant(server, ["get-all"])
    path = f"/2010-04-01/Accounts/{g.user.sid}/AuthorizedConnectApps/{g.app.sid}.json"
    assert list(server.get(path, g.user).json()) == [
        "account_sid", "connect_app_company_name", "connect_app_description", "connect_app_friendly_name",
        "connect_app_homepage_url", "connect_app_sid", "permissions", "uri",
    ]


def test_authorized_connect_apps_list_pages_in_app_sid_order(server: Server) -> None:
    user = server.account("User")
    owner = server.account("Owner")
    apps = [server.app(owner, friendly_name=f"App {n}", authorize_redirect_url="https://v.example/") for n in range(5)]
    for app in apps:
        authorizations.authorize(server.store, app, user)
    authorizations.revoke(server.store, user.sid, apps[2].sid)
    listed = server.client(user).api.v2010.account.authorized_connect_apps.list(page_size=2)
    assert [a.connect_app_sid for a in listed] == sorted(a.sid for i, a in enumerate(apps) if i != 2)
    body = server.get(f"/2010-04-01/Accounts/{user.sid}/AuthorizedConnectApps.json?PageSize=2", user).json()
    assert set(body) == {
        "authorized_connect_apps", "end", "first_page_uri", "next_page_uri", "page", "page_size",
        "previous_page_uri", "start", "uri",
    }
    assert body["next_page_uri"].endswith(f"PageToken=PA{body['authorized_connect_apps'][-1]['connect_app_sid']}")


def test_unknown_authorized_connect_app_is_404(server: Server) -> None:
    user = server.account()
    path = f"/2010-04-01/Accounts/{user.sid}/AuthorizedConnectApps/CN{'0' * 32}.json"
    assert_error(server.get(path, user), 404, 20404, f"The requested resource {path} was not found")
    bad = f"/2010-04-01/Accounts/{user.sid}/AuthorizedConnectApps/nope.json"
    assert_error(server.get(bad, user), 404, 20404, f"The requested resource {bad} was not found")


def test_authorized_connect_apps_are_read_only(server: Server) -> None:
    g = grant(server, ["get-all"])
    path = f"/2010-04-01/Accounts/{g.user.sid}/AuthorizedConnectApps/{g.app.sid}.json"
    resp = server.request("DELETE", path, g.user)
    assert_error(resp, 405, 20004)
    assert resp.headers["Allow"] == "GET, HEAD, OPTIONS"
