"""A tiny Twilio Connect app, in plain WSGI: what a team whose product is a Connect App writes.

- ``GET /connect/authorized`` is the app's Authorize Redirect URL: Twilio sends the user's browser
  here with ``AccountSid`` (the Connect subaccount the user granted) and the ``state`` the app
  sent, or with ``error=unauthorized_client`` if the user declined. The app then calls Twilio
  with that AccountSid and *its own* auth token.
- ``POST /connect/deauthorized`` is its Deauthorize Callback URL: Twilio tells it a user revoked
  access. The request is signed (``X-Twilio-Signature``); the app checks it and forgets the account.

Nothing here knows about connectapps: pointed at Twilio, it works the same.
"""

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.util import request_uri

from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

StartResponse = Callable[..., Any]


class ConnectApp:
    def __init__(self, account_sid: str, auth_token: str, twilio_base_url: str | None = None) -> None:
        self.account_sid = account_sid  # the developer's own account, which owns the Connect App
        self.auth_token = auth_token
        self.twilio_base_url = twilio_base_url  # None: the real Twilio
        self.connected: dict[str, dict[str, str]] = {}  # Connect subaccount SID -> what the app knows
        self.declined: list[str] = []  # the state of each declined authorization

    def twilio(self, account_sid: str) -> Client:
        """A client acting for a connected account: its SID, the app owner's auth token."""
        client = Client(account_sid, self.auth_token)
        if self.twilio_base_url:
            client.api.base_url = self.twilio_base_url
        return client

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = (environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        if route == ("GET", "/connect/authorized"):
            return self.authorized(environ, start_response)
        if route == ("POST", "/connect/deauthorized"):
            return self.deauthorized(environ, start_response)
        return _answer(start_response, "404 Not Found", "not found")

    def authorized(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        state = query.get("state", "")
        if query.get("error") == "unauthorized_client":
            self.declined.append(state)
            return _answer(start_response, "200 OK", "You declined: nothing was connected.")
        sid = query.get("AccountSid", "")
        try:
            account = self.twilio(sid).api.v2010.accounts(sid).fetch()
        except TwilioRestException as exc:
            return _answer(start_response, "502 Bad Gateway", f"Twilio answered {exc.status} ({exc.code})")
        self.connected[sid] = {"friendly_name": account.friendly_name, "state": state}
        return _answer(start_response, "200 OK", f"Connected {sid}.")

    def deauthorized(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, 64 * 1024)).decode()
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        if not RequestValidator(self.auth_token).validate(request_uri(environ), form, signature):
            return _answer(start_response, "403 Forbidden", "bad signature")
        self.connected.pop(form.get("AccountSid", ""), None)
        return _answer(start_response, "204 No Content", "")


def _answer(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]
