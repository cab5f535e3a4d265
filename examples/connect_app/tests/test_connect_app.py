"""The app's whole life with a user, against a real Connect server: authorize, act, deauthorize."""

from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from conftest import APP_SID, CUSTOMER_EMAIL, CUSTOMER_SID
from connect_app import ConnectApp


def follow(url: str) -> tuple[int, str]:
    """What the user's browser does with the redirect URL the consent page produced."""
    try:
        with urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except Exception as exc:  # an HTTP error answer
        return int(getattr(exc, "code", 0)), str(getattr(exc, "read", lambda: b"")().decode())


def test_a_user_authorizes_then_deauthorizes(app: tuple[ConnectApp, str], connectapps: Any,
                                             connectapps_authorize: Any) -> None:
    connect_app, _ = app
    granted = connectapps_authorize(APP_SID, user=CUSTOMER_EMAIL, state="signup-42")
    status, text = follow(granted["redirect_url"])
    assert status == 200, text
    sid = granted["account_sid"]
    # The app called Twilio with the AccountSid it was given and its own token.
    assert connect_app.connected == {sid: {"friendly_name": "Subaccount for ConnectApp: Example Connect App",
                                           "state": "signup-42"}}
    connectapps.deauthorize(APP_SID, CUSTOMER_SID)  # the user revokes the app
    connectapps.deliver_callbacks()  # the signed callback, now: no retry schedule to wait for
    assert connect_app.connected == {}
    (callback,) = connectapps.callbacks()
    assert callback["status"] == "delivered" and callback["attempts"][0]["status_code"] == 204


def test_a_user_declines(app: tuple[ConnectApp, str], connectapps_authorize: Any) -> None:
    connect_app, _ = app
    denied = connectapps_authorize(APP_SID, user=CUSTOMER_EMAIL, state="signup-43", deny=True)
    assert follow(denied["redirect_url"])[0] == 200
    assert connect_app.declined == ["signup-43"] and connect_app.connected == {}


def test_a_forged_callback_is_refused(app: tuple[ConnectApp, str], connectapps_authorize: Any) -> None:
    connect_app, url = app
    granted = connectapps_authorize(APP_SID, user=CUSTOMER_EMAIL)
    sid = granted["account_sid"]
    assert follow(granted["redirect_url"])[0] == 200
    forged = Request(f"{url}/connect/deauthorized", method="POST", headers={"X-Twilio-Signature": "forged"},
                     data=urlencode({"AccountSid": sid, "ConnectAppSid": APP_SID}).encode())
    assert follow_request(forged) == 403
    assert sid in connect_app.connected


def follow_request(request: Request) -> int:
    try:
        with urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except Exception as exc:
        return int(getattr(exc, "code", 0))


def test_twilio_failing_is_handled(app: tuple[ConnectApp, str], connectapps: Any,
                                   connectapps_authorize: Any) -> None:
    connect_app, _ = app
    connectapps.fault(method="GET", path="/2010-04-01/Accounts/*.json", status=503, code=20503, times=1)
    status, text = follow(connectapps_authorize(APP_SID, user=CUSTOMER_EMAIL)["redirect_url"])
    assert (status, text) == (502, "Twilio answered 503 (20503)")
    assert connect_app.connected == {}
    (failed,) = connectapps.requests(status="503")
    assert failed["error_code"] == 20503
