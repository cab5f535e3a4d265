"""``connectapps.testing.ConnectAppsServer`` used directly (as moto's ThreadedMotoServer is): a real
server in this process, and the callback receiver's signature check."""

import urllib.request
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from connectapps.testing import (
    CONNECT_APP_SID,
    CUSTOMER_EMAIL,
    CUSTOMER_SID,
    DEVELOPER_SID,
    DEVELOPER_TOKEN,
    AdminError,
    ConnectAppsServer,
)
from connectapps.testing.receiver import CallbackReceiver


def test_a_real_server_on_a_free_port() -> None:
    with ConnectAppsServer() as server:
        assert requests.get(f"{server.base_url}/health", timeout=5).json() == {"status": "ok"}
        assert server.credentials[DEVELOPER_SID] == DEVELOPER_TOKEN
        account = server.client().api.v2010.accounts(DEVELOPER_SID).fetch()
        assert account.friendly_name == "Connect App developer"
        with pytest.raises(AdminError) as caught:
            server.authorize("CN" + "0" * 32, user=CUSTOMER_EMAIL)
        assert caught.value.status == 404
        url = server.base_url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=5)


def test_the_same_random_seed_makes_the_same_sids() -> None:
    made = []
    for _ in range(2):
        with ConnectAppsServer(random_seed="ci-run") as server:
            answer = server.authorize(CONNECT_APP_SID, user=CUSTOMER_EMAIL)
            sub = server.client(CUSTOMER_SID).api.v2010.accounts(answer["account_sid"]).fetch()
            made.append((answer["account_sid"], sub.auth_token))
    assert made[0] == made[1]
    with ConnectAppsServer(random_seed="another") as server:
        assert server.authorize(CONNECT_APP_SID, user=CUSTOMER_EMAIL)["account_sid"] != made[0][0]


def test_the_receiver_checks_signatures() -> None:
    with ConnectAppsServer() as server:
        receiver = CallbackReceiver(server)
        receiver.start()
        try:
            params = {"AccountSid": "AC" + "7" * 32, "ConnectAppSid": CONNECT_APP_SID}
            good = RequestValidator(DEVELOPER_TOKEN).compute_signature(receiver.url, params)
            for signature in (good, "forged"):
                request = urllib.request.Request(receiver.url, data=urlencode(params).encode(), method="POST",
                                                 headers={"X-Twilio-Signature": signature})
                urllib.request.urlopen(request, timeout=5).close()
            first, second = receiver.wait(2)
            assert (first.signature_valid, second.signature_valid) == (True, False)
            assert first.account_sid == params["AccountSid"]
        finally:
            receiver.stop()
