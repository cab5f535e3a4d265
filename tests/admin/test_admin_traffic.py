"""Callbacks on demand, the request journal and fault injection, over HTTP on every backend."""

import time
from typing import Any

from twilio.request_validator import RequestValidator

from tests.admin.conftest import TOKEN, AdminServer
from tests.envelope import assert_error
from tests.receiver import Received, receiving
from tests.seeding.seeds import APP, CONNECT_SUB, CUSTOMER, CUSTOMER_TOKEN, OWNER, OWNER_TOKEN

APP_PATH = f"Accounts/{OWNER}/ConnectApps/{APP}.json"


def test_callbacks_listed_with_attempts_and_delivered_now(admin: AdminServer) -> None:
    slow = admin.admin("POST", "callbacks/settings", json={"backoff_base": 1800, "backoff_max": 3600})
    assert slow.status_code == 200 and slow.json()["backoff_base"] == 1800
    answers = [500]

    def behaviour(received: Received) -> tuple[int, dict[str, str]]:
        return (answers[0], {})

    with receiving() as receiver:
        url = f"{receiver.url}/deauthorize?team=7"
        changed = admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"DeauthorizeCallbackUrl": url,
                                                                           "DeauthorizeCallbackMethod": "POST"})
        assert changed.status_code == 200
        receiver.behaviour = behaviour
        # The customer closes the Connect subaccount: the authorization ends, its callback is queued.
        closed = admin.api("POST", f"Accounts/{CONNECT_SUB}.json", (CUSTOMER, CUSTOMER_TOKEN),
                           data={"Status": "closed"})
        assert closed.status_code == 200, closed.text
        receiver.wait_for(lambda got: len(got) == 1)
        pending = _wait_listed(admin, "pending", attempts=1)
        assert pending["url"] == url and pending["account_sid"] == CONNECT_SUB
        assert pending["attempts"][0]["status_code"] == 500
        answers[0] = 204
        delivered = admin.admin("POST", "callbacks/deliver")  # no hour-long backoff to wait out
        assert delivered.status_code == 200 and delivered.json()["attempted"] == 1
        (callback,) = delivered.json()["callbacks"]
        assert callback["status"] == "delivered"
        assert [a["status_code"] for a in callback["attempts"]] == [500, 204]
        assert [c["id"] for c in admin.admin("GET", "callbacks?status=delivered").json()["callbacks"]] == [
            callback["id"]]
        assert admin.admin("GET", "callbacks?status=pending").json()["callbacks"] == []
        second = receiver.requests[1]
        form = {name: values[-1] for name, values in second.form.items()}
        assert form == {"AccountSid": CONNECT_SUB, "ConnectAppSid": APP}
        assert RequestValidator(OWNER_TOKEN).validate(url, form, second.headers["X-Twilio-Signature"])
    assert admin.admin("POST", "callbacks/deliver").json()["attempted"] == 0


def _wait_listed(admin: AdminServer, status: str, attempts: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = admin.admin("GET", f"callbacks?status={status}").json()["callbacks"]
        if found and len(found[0]["attempts"]) == attempts:
            return dict(found[0])
        time.sleep(0.05)
    raise AssertionError(f"no {status} callback with {attempts} attempts")


def test_fast_retries_setting(admin: AdminServer) -> None:
    fast = admin.admin("POST", "callbacks/settings", json={"fast": True})
    assert fast.status_code == 200
    assert fast.json()["backoff_base"] == 0.05 and fast.json()["poll_interval"] == 0.05
    assert_error(admin.admin("POST", "callbacks/settings", json={"backoff_base": -1}), 400, 20001)
    assert_error(admin.admin("POST", "callbacks/settings", json={"lease": 1}), 400, 20001)
    admin.admin("POST", "reset")
    assert admin.admin("GET", "callbacks/settings").json()["backoff_base"] == 2.0  # reset restores them


def test_the_request_journal(admin: AdminServer) -> None:
    assert admin.api("GET", APP_PATH, (OWNER, OWNER_TOKEN), params={"x": "1"}).status_code == 200
    assert admin.api("GET", f"Accounts/{OWNER}/ConnectApps/CN{'0' * 32}.json", (OWNER, OWNER_TOKEN)).status_code \
        == 404
    assert admin.api("GET", APP_PATH, (OWNER, "wrong-token")).status_code == 401
    admin.api("GET", f"Accounts/{CONNECT_SUB}.json", (CONNECT_SUB, OWNER_TOKEN))
    answer = admin.admin("GET", "requests")
    entries = answer.json()["requests"]
    assert [(e["method"], e["status"], e["error_code"]) for e in entries] == [
        ("GET", 200, None), ("GET", 404, 20404), ("GET", 401, 20003), ("GET", 200, None)]
    first = entries[0]
    assert (first["path"], first["query"]) == (f"/2010-04-01/{APP_PATH}", "x=1")
    assert (first["principal_kind"], first["principal_sid"]) == ("account", OWNER)
    assert first["duration_ms"] >= 0
    assert (entries[2]["principal_kind"], entries[2]["principal_sid"]) == ("none", None)
    assert (entries[3]["principal_kind"], entries[3]["connect_app_sid"]) == ("connect_app", APP)
    for secret in (OWNER_TOKEN, CUSTOMER_TOKEN, "wrong-token", TOKEN):
        assert secret not in answer.text
    assert [e["status"] for e in admin.admin("GET", "requests?status=404").json()["requests"]] == [404]
    assert len(admin.admin("GET", "requests?principal_kind=connect_app").json()["requests"]) == 1
    assert len(admin.admin("GET", f"requests?path=/2010-04-01/Accounts/{OWNER}/*").json()["requests"]) == 3
    assert len(admin.admin("GET", "requests?limit=1").json()["requests"]) == 1
    assert admin.admin("DELETE", "requests").json() == {"cleared": 4}
    assert admin.admin("GET", "requests").json()["requests"] == []
    assert_error(admin.admin("GET", "requests?limit=0"), 400, 20001)


def test_fault_injection_for_the_next_calls(admin: AdminServer) -> None:
    made = admin.admin("POST", "faults", json={"method": "GET", "path": "/2010-04-01/Accounts/*/ConnectApps/*.json",
                                               "status": 429, "code": 20429, "message": "Too Many Requests",
                                               "times": 2})
    assert made.status_code == 201, made.text
    assert admin.api("POST", APP_PATH, (OWNER, OWNER_TOKEN), data={"FriendlyName": "x"}).status_code == 200
    for _ in range(2):
        assert_error(admin.api("GET", APP_PATH, (OWNER, OWNER_TOKEN)), 429, 20429, "Too Many Requests")
    assert admin.api("GET", APP_PATH, (OWNER, OWNER_TOKEN)).status_code == 200
    assert admin.admin("GET", "faults").json()["faults"] == []  # spent
    codes = [e["error_code"] for e in admin.admin("GET", "requests?method=GET").json()["requests"]]
    assert codes == [20429, 20429, None]


def test_fault_latency_probability_listing_and_clearing(admin: AdminServer) -> None:
    late = admin.admin("POST", "faults", data={"path": "/2010-04-01/**", "latency_ms": "300"}).json()
    started = time.monotonic()
    assert admin.api("GET", APP_PATH, (OWNER, OWNER_TOKEN)).status_code == 200
    assert time.monotonic() - started >= 0.3  # the added latency is a lower bound, not a timing claim
    never = admin.admin("POST", "faults", json={"path": "/nowhere", "status": 500, "probability": 0.5}).json()
    listed = admin.admin("GET", "faults").json()["faults"]
    assert [(f["id"], f["matched"], f["applied"]) for f in listed] == [(late["id"], 1, 1), (never["id"], 0, 0)]
    assert admin.admin("DELETE", f"faults/{late['id']}").status_code == 204
    assert_error(admin.admin("DELETE", f"faults/{late['id']}"), 404, 20404)
    assert admin.admin("DELETE", "faults").json() == {"cleared": 1}
    for wrong in ({"path": "/x"}, {"path": "x", "status": 500}, {"path": "/x", "status": 200},
                  {"path": "/x", "status": 500, "probability": 0}, {"path": "/__admin/reset", "status": 500},
                  {"path": "/x", "latency_ms": 10**9}, {"path": "/x", "status": 500, "colour": "red"}):
        assert_error(admin.admin("POST", "faults", json=wrong), 400, 20001)
