"""Deauthorize callbacks end to end: queued with the revocation, sent signed, retried, logged.

The server runs with short timings (CONNECTAPPS_CALLBACK_*) so retries happen in milliseconds.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from connectapps.domain import authorizations
from connectapps.domain.models import Account, ConnectApp
from tests.conftest import Server, fresh_server
from tests.delivery.helpers import FAST, wait_for_status
from tests.receiver import Received, Receiver, receiving


@pytest.fixture(scope="module")
def sender(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_server(backend, tmp_path_factory.mktemp(f"delivery-{backend}"), env=FAST) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def authorized_app(
    server: Server, callback_url: str | None, method: str = "POST"
) -> tuple[Account, Account, ConnectApp]:
    owner = server.account("Owner")
    user = server.account("User")
    app = server.app(
        owner, friendly_name="Deauth app", authorize_redirect_url="https://vendor.example/cb",
        deauthorize_callback_method=method, **({"deauthorize_callback_url": callback_url} if callback_url else {}),
    )
    authorizations.authorize(server.store, app, user)
    return owner, user, app


def test_post_callback_is_signed_and_carries_the_sids(sender: Server, receiver: Receiver) -> None:
    url = f"{receiver.url}/deauthorize?tenant=7"
    owner, user, app = authorized_app(sender, url)
    ended = authorizations.revoke(sender.store, user.sid, app.sid)
    (got,) = receiver.wait_for(lambda rs: len(rs) == 1)
    assert got.method == "POST"
    assert got.params == {"tenant": "7", "AccountSid": ended.subaccount_sid, "ConnectAppSid": app.sid}
    assert got.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[-1] for k, v in got.form.items()}
    assert RequestValidator(owner.auth_token).validate(url, form, got.headers["X-Twilio-Signature"])
    assert not RequestValidator(user.auth_token).validate(url, form, got.headers["X-Twilio-Signature"])


def test_get_callback_has_the_parameters_in_the_query(sender: Server, receiver: Receiver) -> None:
    owner, user, app = authorized_app(sender, f"{receiver.url}/deauth", method="GET")
    ended = authorizations.revoke(sender.store, user.sid, app.sid)
    (got,) = receiver.wait_for(lambda rs: len(rs) == 1)
    assert got.method == "GET" and got.form == {}
    assert got.params == {"AccountSid": ended.subaccount_sid, "ConnectAppSid": app.sid}
    full_url = f"{receiver.url}/deauth?AccountSid={ended.subaccount_sid}&ConnectAppSid={app.sid}"
    assert RequestValidator(owner.auth_token).validate(full_url, {}, got.headers["X-Twilio-Signature"])


def test_an_app_without_a_callback_url_gets_no_callback(sender: Server) -> None:
    _, user, app = authorized_app(sender, None)
    authorizations.revoke(sender.store, user.sid, app.sid)
    assert sender.store.list_callbacks(app.sid) == []


def test_failures_are_retried_until_success_and_every_attempt_is_logged(sender: Server, receiver: Receiver) -> None:
    failures = 3

    def flaky(received: Received) -> tuple[int, dict[str, str]]:
        return (503, {}) if len(receiver.requests) < failures else (204, {})

    receiver.behaviour = flaky
    _, user, app = authorized_app(sender, f"{receiver.url}/deauth")
    authorizations.revoke(sender.store, user.sid, app.sid)
    receiver.wait_for(lambda rs: len(rs) == failures + 1)
    (callback,) = wait_for_status(sender, app.sid, "delivered")
    log = sender.store.callback_attempts(callback.id)
    assert [a.status_code for a in log] == [503] * failures + [204]
    assert [a.error for a in log] == ["HTTP 503"] * failures + [None]
    assert all(a.latency_ms >= 0 and a.sender for a in log)
    assert callback.attempts == failures + 1


def test_a_redirect_is_not_followed(sender: Server, receiver: Receiver) -> None:
    calls: list[str] = []

    def redirecting(received: Received) -> tuple[int, dict[str, str]]:
        calls.append(received.path)
        if received.path == "/elsewhere":
            return 200, {}
        return 302, {"Location": f"{receiver.url}/elsewhere"}

    receiver.behaviour = redirecting
    _, user, app = authorized_app(sender, f"{receiver.url}/deauth")
    authorizations.revoke(sender.store, user.sid, app.sid)
    receiver.wait_for(lambda rs: len(rs) >= 2)
    assert set(calls) == {"/deauth"}
    (callback,) = sender.store.list_callbacks(app.sid)
    assert sender.store.callback_attempts(callback.id)[0].status_code == 302


def test_gives_up_after_the_configured_period(backend: str, tmp_path: Any, receiver: Receiver) -> None:
    receiver.behaviour = lambda received: (500, {})
    with fresh_server(backend, tmp_path, env=FAST | {"CONNECTAPPS_CALLBACK_GIVE_UP_AFTER": "0.5"}) as server:
        _, user, app = authorized_app(server, f"{receiver.url}/deauth")
        authorizations.revoke(server.store, user.sid, app.sid)
        (callback,) = wait_for_status(server, app.sid, "failed")
        assert callback.attempts == len(server.store.callback_attempts(callback.id)) >= 2


def test_closing_the_connect_subaccount_sends_the_callback(sender: Server, receiver: Receiver) -> None:
    """Closing the account the app acts through ends the authorization, callback included."""
    _, user, app = authorized_app(sender, f"{receiver.url}/deauth")
    authorization = sender.store.get_authorization(user.sid, app.sid)
    assert authorization is not None
    closed = sender.post(
        f"/2010-04-01/Accounts/{authorization.subaccount_sid}.json", user, data={"Status": "closed"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    (got,) = receiver.wait_for(lambda rs: len(rs) == 1)
    assert got.params == {"AccountSid": authorization.subaccount_sid, "ConnectAppSid": app.sid}
    ended = sender.store.get_authorization(user.sid, app.sid)
    assert ended is not None and ended.status == "revoked"
