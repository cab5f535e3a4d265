"""The whole Twilio Connect flow in a real browser (headless Chromium driven by Playwright).

Sign in, consent, Authorize: the app's own HTTP server (a test double here) receives
``AccountSid`` and ``state``, and the official twilio client then calls the API as the app
(the Connect subaccount's SID with the app owner's auth token). Then Deny, and a wrong password.

Runs with JavaScript disabled in the page: the web pages need none. Needs Chromium at
/usr/bin/chromium (or ``CONNECTAPPS_TEST_CHROMIUM``); without it these tests fail, never skip.

Screenshots go to docs/screenshots/ when missing there or when ``CONNECTAPPS_UPDATE_SCREENSHOTS=1``
(each run's SIDs differ, so rewriting them every run would only churn the repository).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from connectapps.domain.models import ConnectApp
from tests.conftest import Server
from tests.e2e.browser import (
    new_context,
    save_screenshot,
    sign_in,
    watch_csp,
)
from tests.web.helpers import new_person


class Receiver:
    """The Connect App's own web server: records each request to its Authorize URL."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path != "/twilio/authorize":  # the browser's /favicon.ico
                    self.send_error(404)
                    return
                with receiver.arrived:
                    receiver.hits.append(self.path)
                    receiver.arrived.notify_all()
                body = b"<!doctype html><title>Connected</title><h1>Connected</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def next_hit(self, already: int, timeout: float = 10.0) -> dict[str, str]:
        """The query of the first request after the first ``already`` ones."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.hits) > already, timeout), "the app was never called"
            return dict(parse_qsl(urlsplit(self.hits[already]).query, keep_blank_values=True))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()




@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()








def make_app(server: Server, receiver: Receiver, permissions: list[str]) -> tuple[ConnectApp, str]:
    owner = server.account("Call Tracker developer")
    app = server.app(
        owner,
        friendly_name="Call Tracker",
        company_name="Example Telecom Tools Ltd",
        description="Shows your call history and costs on one dashboard.",
        homepage_url="https://example.com/call-tracker",
        authorize_redirect_url=f"{receiver.url}/twilio/authorize?from=e2e",
        permissions=permissions,
    )
    return app, owner.auth_token




def test_sign_in_authorize_call_the_api_as_the_app_then_deny(
    chromium: Browser, server: Server, receiver: Receiver, tmp_path: Path
) -> None:
    app, owner_token = make_app(server, receiver, ["get-all"])
    person = new_person(server.store, extra_accounts=1, email="grace.hopper@example.com")
    chosen = person.accounts[1]
    context = new_context(chromium, java_script_enabled=False, viewport={"width": 1000, "height": 900})
    page = context.new_page()
    violations = watch_csp(page)

    # Signed out: the consent link leads to sign-in first, then back with the state.
    page.goto(f"{server.url}/authorize/{app.sid}?state=e2e-state-123")
    assert urlsplit(page.url).path == "/signin"
    sign_in(page, person)
    page.wait_for_url(f"{server.url}/authorize/{app.sid}?state=e2e-state-123")
    assert "Call Tracker" in page.inner_text("h1")
    assert page.inner_text(".company-name") == "Example Telecom Tools Ltd"
    assert page.inner_text("ul.permissions") == "Read all account data"
    assert page.get_attribute(".homepage a", "rel") == "noopener noreferrer"
    assert page.is_checked(f"input[value='{person.accounts[0].sid}']")
    save_screenshot(page, tmp_path, "consent.png", publish=False)  # docs' come from test_first_run.py

    # Authorize, connecting the second account: the app's server gets AccountSid and state.
    page.check(f"input[value='{chosen.sid}']")
    page.click("button:has-text('Authorize')")
    hit = receiver.next_hit(0)
    page.wait_for_url(f"{receiver.url}/**")
    assert page.inner_text("h1") == "Connected"
    assert hit["state"] == "e2e-state-123"
    assert hit["from"] == "e2e"
    subaccount_sid = hit["AccountSid"]
    authorization = server.store.get_authorization(chosen.sid, app.sid)
    assert authorization is not None and authorization.subaccount_sid == subaccount_sid

    # The app calls the API for the user: the Connect subaccount's SID, the app owner's token.
    client = Client(subaccount_sid, owner_token)
    client.api.base_url = server.url
    account = client.api.v2010.accounts(chosen.sid).fetch()
    assert account.sid == chosen.sid
    assert account.friendly_name == chosen.friendly_name
    subaccount = client.api.v2010.accounts(subaccount_sid).fetch()
    assert subaccount.friendly_name == "Subaccount for ConnectApp: Call Tracker"
    with pytest.raises(TwilioRestException) as refused:
        client.api.v2010.accounts(subaccount_sid).update(friendly_name="x")  # get-all only: no POST
    assert (refused.value.status, refused.value.code) == (403, 20006)

    # Deny: the app hears error=unauthorized_client, with the state; nothing else changes.
    page.goto(f"{server.url}/authorize/{app.sid}?state=deny-state")
    page.click("button:has-text('Deny')")
    denied = receiver.next_hit(1)
    assert denied == {"from": "e2e", "error": "unauthorized_client", "state": "deny-state"}
    still = server.store.get_authorization(chosen.sid, app.sid)
    assert still is not None and still.subaccount_sid == subaccount_sid
    assert violations == []
    context.close()


def test_a_wrong_password_shows_the_error(chromium: Browser, server: Server) -> None:
    person = new_person(server.store)
    context = new_context(chromium, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/signin")
    sign_in(page, person, password="not my password")
    assert page.inner_text(".error") == "Incorrect email or password."
    assert urlsplit(page.url).path == "/signin"
    assert page.input_value("#email") == person.email
    assert page.input_value("#password") == ""
    page.goto(f"{server.url}/")
    assert urlsplit(page.url).path == "/signin"  # still signed out
    context.close()


def test_the_consent_page_on_a_phone(
    chromium: Browser, server: Server, receiver: Receiver, tmp_path: Path
) -> None:
    app, _ = make_app(server, receiver, ["get-all", "post-all"])
    person = new_person(server.store, extra_accounts=1, email="ada.lovelace@example.com")
    context = new_context(chromium, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                          is_mobile=True, has_touch=True)
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(f"{server.url}/authorize/{app.sid}?state=phone")
    sign_in(page, person)
    page.wait_for_url(f"{server.url}/authorize/{app.sid}?state=phone")
    # The stylesheet loaded under the CSP, and nothing is wider than the screen.
    color = page.eval_on_selector("button.primary", "e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(200, 16, 46)"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("button:has-text('Authorize')").bounding_box()
    assert box is not None and box["width"] > 150  # a full-width button, easy to tap
    save_screenshot(page, tmp_path, "consent-phone.png", publish=False)
    assert violations == []
    context.close()
