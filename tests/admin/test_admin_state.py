"""Reset, snapshots and authorize-without-a-browser, over HTTP on every backend."""

from urllib.parse import parse_qs, urlsplit

from tests.admin.conftest import AdminServer
from tests.envelope import assert_error
from tests.seeding.seeds import APP, CUSTOMER, CUSTOMER_TOKEN, EMAIL, OWNER, OWNER_TOKEN

APP_PATH = f"Accounts/{OWNER}/ConnectApps/{APP}.json"


def app_name(admin: AdminServer) -> str:
    answer = admin.api("GET", APP_PATH, (OWNER, OWNER_TOKEN))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["friendly_name"])


def test_reset_goes_back_to_the_seed(admin: AdminServer) -> None:
    assert admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "Changed"}).status_code == 200
    made = admin.api("POST", "Accounts.json", (OWNER, OWNER_TOKEN), data={"FriendlyName": "New sub"}).json()
    answer = admin.admin("POST", "reset")
    assert answer.status_code == 200
    body = answer.json()
    assert body["reset_to"] == "seed" and body["records"] == 9
    print(f"reset to a seed of {body['records']} records: {body['duration_ms']} ms (server-side)")
    assert app_name(admin) == "Seeded app"
    listed = admin.api("GET", "Accounts.json", (OWNER, OWNER_TOKEN)).json()["accounts"]
    assert made["sid"] not in [a["sid"] for a in listed] and len(listed) == 2


def test_reset_to_empty(admin: AdminServer) -> None:
    answer = admin.admin("POST", "reset", json={"to": "empty"})
    assert answer.status_code == 200 and answer.json()["reset_to"] == "empty"
    assert_error(admin.api("GET", APP_PATH, (OWNER, OWNER_TOKEN)), 401, 20003)
    assert admin.admin("POST", "reset", data={"to": "seed"}).json()["reset_to"] == "seed"  # form-encoded too
    assert app_name(admin) == "Seeded app"
    assert_error(admin.admin("POST", "reset", json={"to": "yesterday"}), 400, 20001)


def test_snapshots_save_and_restore_by_name(admin: AdminServer) -> None:
    admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "In snapshot one"})
    saved = admin.admin("PUT", "snapshots/one")
    assert saved.status_code == 201 and saved.json()["name"] == "one"
    admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "After the snapshot"})
    restored = admin.admin("POST", "snapshots/one/restore")
    assert restored.status_code == 200, restored.text
    assert app_name(admin) == "In snapshot one"
    names = [s["name"] for s in admin.admin("GET", "snapshots").json()["snapshots"]]
    assert "one" in names and "@seed" in names
    assert admin.admin("GET", "snapshots/one").json()["records"] == restored.json()["records"]
    assert admin.admin("DELETE", "snapshots/one").status_code == 204
    assert_error(admin.admin("POST", "snapshots/one/restore"), 404, 20404)
    assert_error(admin.admin("PUT", "snapshots/a%20b"), 400, 20001)
    assert_error(admin.admin("PUT", "snapshots/@seed"), 400, 20001)  # the seed's own cannot be overwritten


def test_authorize_without_a_browser(admin: AdminServer) -> None:
    answer = admin.admin("POST", "authorize", json={"connect_app_sid": APP, "user": EMAIL, "state": "s 1&2"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    redirect = urlsplit(body["redirect_url"])
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == "https://seed.example.com/authorized"
    query = parse_qs(redirect.query)
    assert query == {"from": ["seed"], "AccountSid": [body["account_sid"]], "state": ["s 1&2"]}
    assert body["authorizing_account_sid"] == CUSTOMER and body["account_sid"] != CUSTOMER
    # The app now acts for the customer through the new Connect subaccount, with its owner's token.
    fetched = admin.api("GET", f"Accounts/{body['account_sid']}.json", (body["account_sid"], OWNER_TOKEN))
    assert fetched.status_code == 200 and fetched.json()["owner_account_sid"] == CUSTOMER
    listed = admin.api("GET", f"Accounts/{CUSTOMER}/AuthorizedConnectApps.json", (CUSTOMER, CUSTOMER_TOKEN))
    assert [a["connect_app_sid"] for a in listed.json()["authorized_connect_apps"]] == [APP]


def test_deny_without_a_browser(admin: AdminServer) -> None:
    admin.admin("POST", "reset", json={"to": "empty"})
    admin.admin("POST", "snapshots/one/restore")  # nothing to restore: the seed's records stay gone
    admin.admin("POST", "reset")
    answer = admin.admin("POST", "authorize", json={"connect_app_sid": APP, "account_sid": CUSTOMER,
                                                    "state": "xyz", "decision": "deny"})
    assert answer.status_code == 200, answer.text
    query = parse_qs(urlsplit(answer.json()["redirect_url"]).query)
    assert query == {"from": ["seed"], "error": ["unauthorized_client"], "state": ["xyz"]}
    assert answer.json()["account_sid"] is None


def test_authorize_refuses_what_the_consent_page_would(admin: AdminServer) -> None:
    assert_error(admin.admin("POST", "authorize", json={"connect_app_sid": APP, "user": EMAIL,
                                                        "account_sid": OWNER}), 400, 20001)
    assert_error(admin.admin("POST", "authorize", json={"connect_app_sid": APP, "user": "no@example.com"}),
                 400, 20001)
    assert_error(admin.admin("POST", "authorize", json={"connect_app_sid": "CN" + "9" * 32, "user": EMAIL}),
                 404, 20404)
    assert_error(admin.admin("POST", "authorize", json={"connect_app_sid": APP}), 400, 20001)
    assert_error(admin.admin("POST", "authorize", data="[1]", headers={"Content-Type": "application/json"}),
                 400, 20001)


def test_deauthorize_without_a_browser(admin: AdminServer) -> None:
    answer = admin.admin("POST", "deauthorize", json={"connect_app_sid": APP, "account_sid": CUSTOMER})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "revoked" and answer.json()["connect_app_sid"] == APP
    listed = admin.api("GET", f"Accounts/{CUSTOMER}/AuthorizedConnectApps.json", (CUSTOMER, CUSTOMER_TOKEN))
    assert listed.json()["authorized_connect_apps"] == []
    (queued,) = admin.admin("GET", "callbacks").json()["callbacks"]
    assert (queued["connect_app_sid"], queued["authorizing_account_sid"]) == (APP, CUSTOMER)
    assert_error(admin.admin("POST", "deauthorize", json={"connect_app_sid": APP, "account_sid": CUSTOMER}),
                 404, 20404)


def test_a_restored_app_changed_again_is_answered_as_it_is_now(admin: AdminServer) -> None:
    """A restore puts an app back at an earlier version; changing it again reaches a version number the
    server has answered before with other content (wire/fragments.py keys its JSON by sid and version)."""
    admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "Before"})
    assert admin.admin("PUT", "snapshots/before").status_code == 201
    admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "First timeline"})
    assert app_name(admin) == "First timeline"  # read, so its JSON is kept
    listed = admin.api("GET", f"Accounts/{OWNER}/ConnectApps.json", (OWNER, OWNER_TOKEN)).json()["connect_apps"]
    assert "First timeline" in [a["friendly_name"] for a in listed]
    assert admin.admin("POST", "snapshots/before/restore").status_code == 200
    admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "Second timeline"})
    assert app_name(admin) == "Second timeline"
    listed = admin.api("GET", f"Accounts/{OWNER}/ConnectApps.json", (OWNER, OWNER_TOKEN)).json()["connect_apps"]
    assert "Second timeline" in [a["friendly_name"] for a in listed]
    admin.admin("POST", "reset")
    assert app_name(admin) == "Seeded app"
