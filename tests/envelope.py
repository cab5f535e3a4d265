"""Assertions on Twilio's error envelope, shared by the API tests."""

import requests

JSON = "application/json; charset=utf-8"


def assert_error(resp: requests.Response, status: int, code: int, message: str | None = None) -> None:
    """The whole Twilio error envelope, and nothing else (``message`` checked when given)."""
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == JSON
    body = resp.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (code, status)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    if message is not None:
        assert body["message"] == message
