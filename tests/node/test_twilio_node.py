"""The official twilio-node client (npm ``twilio`` 6.3.1), unchanged but for its base URL.

``make test`` installs it into tests/node/node_modules from package-lock.json; if node or the
package is missing this test fails (it never skips).
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from connectapps.domain import authorizations
from tests.conftest import Server

HERE = Path(__file__).resolve().parent
RESOURCES = (
    "CreateMessage", "ListMessage", "FetchMessage", "UpdateMessage", "DeleteMessage", "CreateCall", "FetchCall",
    "ListCall", "DeleteCall", "CreateIncomingPhoneNumber", "UpdateIncomingPhoneNumber", "ListIncomingPhoneNumber",
    "DeleteIncomingPhoneNumber", "CreateApplication", "FetchApplication", "ListApplication", "DeleteApplication",
    "CreateQueue", "FetchQueue", "DeleteQueue", "ListMember", "FetchMember", "UpdateMember", "ListUsageRecord",
    "FetchBalance", "CreateAddress", "UpdateAddress", "ListAddress", "DeleteAddress",
)
COVERS = {
    "test_twilio_node_on_the_resources_a_connect_app_acts_on": RESOURCES,
}


def test_twilio_node_fetch_update_list_page_and_errors(server: Server) -> None:
    node = shutil.which("node")
    assert node, "node is required for the twilio-node test"
    assert (HERE / "node_modules" / "twilio").is_dir(), "run `make test` (it runs npm ci in tests/node)"
    owner = server.account("Node owner")
    apps = sorted(
        (server.app(owner, friendly_name=f"Node {n}", permissions=["get-all"]) for n in range(5)),
        key=lambda a: a.sid,
    )
    done = subprocess.run(
        [node, str(HERE / "client.js"), server.url, owner.sid, owner.auth_token, apps[0].sid],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["fetched"]["sid"] == apps[0].sid
    assert out["fetched"]["friendlyName"] == apps[0].friendly_name  # node camelCases snake_case keys
    assert out["fetched"]["permissions"] == ["get-all"]
    assert out["updated"]["friendlyName"] == "From node"
    assert out["updated"]["permissions"] == ["get-all", "post-all"]
    every = [a.sid for a in apps]
    assert out["listed"] == every
    assert out["each"] == every
    assert out["pages"] == [every[:2], every[2:4]]
    assert out["missing"]["status"] == 404 and out["missing"]["code"] == 20404
    assert out["missing"]["moreInfo"] == "https://www.twilio.com/docs/errors/20404"
    assert out["removed"] == {"status": 405, "code": 20004}


def run_node(server: Server, *args: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is required for the twilio-node test"
    assert (HERE / "node_modules" / "twilio").is_dir(), "run `make test` (it runs npm ci in tests/node)"
    done = subprocess.run([node, str(HERE / "resources.js"), server.url, *args],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def assert_crud(out: dict[str, Any], account_sid: str) -> None:
    assert out["messageStatuses"] == ["queued"] * 3 and out["fetchedStatus"] == "delivered"
    assert out["messagePages"] == [out["messageSids"][:2], out["messageSids"][2:]]
    assert out["redacted"] == "" and out["messageRemoved"] is True
    assert out["callStatuses"] == ["queued", "completed"] and out["callsListed"] == 1 and out["callRemoved"]
    assert (out["numberName"], out["numbersListed"], out["numberRemoved"]) == ("Main", 1, True)
    assert (out["appMethod"], out["appsListed"], out["appRemoved"]) == ("POST", 1, True)
    assert out["members"] == [out["waitingSid"]] and out["front"] == out["dequeued"] == out["waitingSid"]
    assert out["queueSize"] == 0 and out["queueRemoved"]
    assert out["usageCategories"] == ["calls", "phonenumbers", "recordings", "sms", "totalprice"]
    assert out["balance"] == {"accountSid": account_sid, "balance": "0.00", "currency": "USD"}
    assert (out["street"], out["addressesListed"], out["addressRemoved"]) == ("3 Main St", 1, True)
    assert out["missing"] == {"status": 404, "code": 20404}
    assert out["invalid"] == {"status": 400, "code": 21603}


def test_twilio_node_on_the_resources_a_connect_app_acts_on(server: Server) -> None:
    """As an account, as a parent on its subaccount, and as a Connect App (get-all reads, post-all writes)."""
    owner = server.account("Node resources")
    assert_crud(run_node(server, owner.sid, owner.auth_token, owner.sid), owner.sid)
    sub = server.account("Node sub", owner=owner)
    assert_crud(run_node(server, owner.sid, owner.auth_token, sub.sid), sub.sid)
    vendor = server.account("Node vendor")
    app = server.app(vendor, permissions=["get-all", "post-all"], authorize_redirect_url="https://v.example/cb")
    connect = authorizations.authorize(server.store, app, server.account("Node user")).subaccount_sid
    read_only = server.app(vendor, permissions=["get-all"], authorize_redirect_url="https://v.example/cb")
    reader = authorizations.authorize(server.store, read_only, server.account("Node reader")).subaccount_sid
    out = run_node(server, connect, vendor.auth_token, connect, reader, vendor.auth_token)
    assert_crud(out, connect)
    assert out["readOnlyList"] == 0  # get-all reads (nothing there yet)...
    assert out["readOnlyCreate"] == {"status": 403, "code": 20006}  # ...and writes nothing


def test_twilio_node_with_an_api_key(server: Server) -> None:
    """``newKeys.create`` with the auth token, then ``twilio(apiKey, apiSecret, {accountSid})``."""
    node = shutil.which("node")
    assert node, "node is required for the twilio-node test"
    owner = server.account("Node keys")
    app = server.app(owner, friendly_name="Node key app")
    done = subprocess.run([node, str(HERE / "keys.js"), server.url, owner.sid, owner.auth_token, app.sid],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    sid = out["created"]["sid"]
    assert out["created"] == {"sid": sid, "friendlyName": "From node", "secretLength": 32}
    assert out["listed"] == [sid] and out["renamed"] == "Renamed in node"
    assert out["viaKey"] == [app.sid] and out["fetchedViaKey"] == app.sid
    assert out["keysViaKey"]["status"] == 401 and out["keysViaKey"]["code"] == 20003  # a Standard key
    assert out["removed"] is True
    assert out["afterRemove"]["status"] == 401 and out["afterRemove"]["code"] == 20003
    assert server.store.get_key(sid) is None
