"""Our X-Twilio-Signature is exactly what twilio-python's RequestValidator accepts."""

import pytest
from twilio.request_validator import RequestValidator

from connectapps.delivery.worker import Settings, backoff
from connectapps.wire.signing import signature

TOKEN = "12345678901234567890123456789012"


def test_post_signature_validates() -> None:
    params = {"AccountSid": "AC" + "a" * 32, "ConnectAppSid": "CN" + "b" * 32}
    url = "https://example.com/deauthorize?x=1"
    assert RequestValidator(TOKEN).validate(url, params, signature(TOKEN, url, params))


def test_get_signature_covers_the_query() -> None:
    url = f"http://127.0.0.1:8080/cb?AccountSid=AC{'a' * 32}&ConnectAppSid=CN{'b' * 32}"
    sig = signature(TOKEN, url)
    assert RequestValidator(TOKEN).validate(url, {}, sig)
    assert not RequestValidator(TOKEN).validate(url.replace("a", "c"), {}, sig)


def test_another_token_does_not_validate() -> None:
    assert not RequestValidator("x" * 32).validate("https://e.example/", {}, signature(TOKEN, "https://e.example/"))


@pytest.mark.parametrize("attempts", [1, 2, 5, 30])
def test_backoff_grows_with_full_jitter_and_a_ceiling(attempts: int) -> None:
    settings = Settings(backoff_base=2.0, backoff_max=60.0)
    ceiling = min(60.0, 2.0 * 2 ** (attempts - 1))
    delays = [backoff(settings, attempts) for _ in range(200)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(set(delays)) > 1  # jittered
