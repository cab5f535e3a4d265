"""The console in a real browser (headless Chromium, JavaScript off), end to end.

The app's owner creates a Connect App in the console, pointing its redirect and deauthorize
callback at a receiving server; another user authorizes it on the consent page, the official
twilio client then acts for them, the user revokes it in the console, the receiver gets the signed
deauthorize callback, the client is refused, and the owner's console shows the delivery.

The screenshots in docs/ come from the first-run walk-through (test_first_run.py); these stay in tmp.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.conftest import Server, drop_database_url, fresh_database_url, start_server, stop_server
from tests.e2e.browser import new_context, save_screenshot, sign_in, watch_csp
from tests.eventually import eventually
from tests.receiver import Receiver, receiving
from tests.web.helpers import Person, new_person

FAST_CALLBACKS = {
    "CONNECTAPPS_CALLBACK_POLL_INTERVAL": "0.05",
    "CONNECTAPPS_CALLBACK_BACKOFF_BASE": "0.05",
    "CONNECTAPPS_CALLBACK_TIMEOUT": "2",
    "CONNECTAPPS_CALLBACK_LEASE": "8",
    "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "loopback",  # the receiver listens on 127.0.0.1
}
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def fast_server(backend: str, tmp_path: Path) -> Iterator[Server]:
    """A server of its own that sends deauthorize callbacks within a fraction of a second."""
    server = start_server(fresh_database_url(backend, tmp_path), tmp_path, env=FAST_CALLBACKS)
    yield server
    stop_server(server)
    drop_database_url(backend, server.database_url)


def delegated_client(subaccount_sid: str, owner_token: str, server: Server) -> Client:
    client = Client(subaccount_sid, owner_token)
    client.api.base_url = server.url
    return client


def sign_in_at(page: Page, server: Server, path: str, person: Person) -> None:
    """Open ``path`` signed out: sign in on the way, and land back on it."""
    page.goto(f"{server.url}{path}")
    assert urlsplit(page.url).path == "/signin"
    sign_in(page, person)
    page.wait_for_url(f"{server.url}{path}")


def sign_out(page: Page) -> None:
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/signin**")


def create_app_in_console(page: Page, server: Server, receiver: Receiver) -> str:
    """Fill in the console's form as a person would; the new app's SID."""
    page.click("nav.console-nav a:has-text('Connect Apps')")
    page.wait_for_url(f"{server.url}/console/apps")
    assert "No Connect Apps yet" in page.inner_text(".empty")
    page.click("a:has-text('New Connect App')")
    page.wait_for_url(f"{server.url}/console/apps/new")
    page.fill("#friendly_name", "Call Tracker")
    page.fill("#company_name", "Example Telecom Tools Ltd")
    page.fill("#description", "Shows your call history and costs on one dashboard.")
    page.fill("#homepage_url", "https://example.com/call-tracker")
    page.fill("#authorize_redirect_url", f"{receiver.url}/twilio/authorize")
    page.fill("#deauthorize_callback_url", f"{receiver.url}/deauthorize")
    page.check("input[name='deauthorize_callback_method'][value='POST']")
    page.check("input[name='permissions'][value='get-all']")
    page.click("button:has-text('Create Connect App')")
    page.wait_for_url(re.compile(r".*/console/apps/CN[0-9a-f]{32}\?done=created$"))
    assert page.inner_text(".notice") == "Connect App created."
    return urlsplit(page.url).path.rsplit("/", 1)[1]


def wait_delivered(server: Server, app_sid: str, timeout: float = 30.0) -> None:
    """Until the server has recorded the delivery (the receiver hears it a moment before)."""
    eventually(lambda: [c.status for c in server.store.list_callbacks(app_sid)] == ["delivered"],
               "the deauthorize callback was not recorded as delivered", timeout, interval=0.05)


def test_create_authorize_revoke_and_the_signed_callback(
    chromium: Browser, fast_server: Server, tmp_path: Path
) -> None:
    server = fast_server
    owner = new_person(server.store, email="ada.developer@example.com")
    user = new_person(server.store, email="grace.hopper@example.com")
    owner_token = owner.account.auth_token
    context = new_context(chromium, java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    violations = watch_csp(page)
    with receiving() as receiver:
        # The owner creates the app in the console.
        sign_in_at(page, server, "/console", owner)
        app_sid = create_app_in_console(page, server, receiver)
        app = server.store.find_connect_app(app_sid)
        assert app is not None and app.account_sid == owner.account.sid
        assert (app.deauthorize_callback_method, app.permissions) == ("POST", ("get-all",))
        sign_out(page)

        # Another user authorizes it on the consent page; the app's server gets AccountSid.
        sign_in_at(page, server, f"/authorize/{app_sid}", user)
        page.click("button:has-text('Authorize')")
        # (Chromium may also ask the app's server for /favicon.ico: only the redirect counts.)
        got = receiver.wait_for(lambda got: any(r.path == "/twilio/authorize" for r in got))
        [redirected] = [r for r in got if r.path == "/twilio/authorize"]
        subaccount_sid = redirected.params["AccountSid"]
        client = delegated_client(subaccount_sid, owner_token, server)
        assert client.api.v2010.accounts(user.account.sid).fetch().sid == user.account.sid

        # The user revokes it in the console, after saying yes; the app's server is called back, signed.
        page.goto(f"{server.url}/console/authorized")
        assert page.inner_text("#authorized .app-name") == "Call Tracker"
        page.click("#authorized a:has-text('Revoke')")
        assert "Its deauthorize callback is sent to" in page.inner_text("ul.consequences")
        page.click("button:has-text('Revoke access')")
        page.wait_for_url(f"{server.url}/console/authorized?done=revoked")
        assert "No apps are authorized on this account" in page.inner_text(".empty")
        received = receiver.wait_for(lambda got: any(r.path == "/deauthorize" for r in got))
        [callback] = [r for r in received if r.path == "/deauthorize"]
        assert callback.method == "POST"
        assert callback.params == {"AccountSid": subaccount_sid, "ConnectAppSid": app_sid}
        form = {k: v[-1] for k, v in callback.form.items()}
        validator = RequestValidator(owner_token)
        assert validator.validate(f"{receiver.url}/deauthorize", form, callback.headers["X-Twilio-Signature"])
        with pytest.raises(TwilioRestException) as refused:
            client.api.v2010.accounts(user.account.sid).fetch()
        assert refused.value.status == 401
        sign_out(page)

    # The owner's console shows who authorized the app and the delivered callback.
    wait_delivered(server, app_sid)
    sign_in_at(page, server, "/console", owner)
    save_screenshot(page, tmp_path, "console.png", publish=False)
    token = page.locator("details.secret .token").first
    assert not token.is_visible()  # behind a click
    page.click("summary:has-text('Show auth token')")
    assert token.is_visible() and token.inner_text() == owner_token
    page.goto(f"{server.url}/console/apps")
    page.click(f"a[href='/console/apps/{app_sid}']")
    page.wait_for_url(f"{server.url}/console/apps/{app_sid}")
    assert page.inner_text("#authorizations .badge") == "revoked"
    assert user.email not in page.content()
    assert page.inner_text("#deliveries .badge") == "delivered"
    assert page.inner_text(".attempts td.status-code") == "200"
    save_screenshot(page, tmp_path, "console-app.png", publish=False)
    assert violations == []
    context.close()


def test_the_console_on_a_phone(chromium: Browser, server: Server, tmp_path: Path) -> None:
    owner = new_person(server.store, extra_accounts=1, email="console.phone@example.com")
    server.account("Reporting", owner=owner.account)
    server.app(owner.account, friendly_name="Call Tracker", company_name="Example Telecom Tools Ltd",
               authorize_redirect_url="https://example.com/authorize",
               deauthorize_callback_url="https://example.com/deauthorize", permissions=["get-all", "post-all"])
    context = new_context(chromium, **PHONE)
    page = context.new_page()
    violations = watch_csp(page)
    sign_in_at(page, server, "/console/apps", owner)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, tmp_path, "console-phone.png", publish=False)
    for path in ("/console", "/console/apps/new", page.get_attribute(".app-link", "href")):
        page.goto(f"{server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    assert violations == []
    context.close()


def test_lists_page_sort_and_search_by_url_and_back_returns(chromium: Browser, server: Server) -> None:
    owner = new_person(server.store, email="lists.walker@example.com")
    def name(n: int) -> str:
        return f"{'Tracker' if n % 3 == 0 else 'Billing'} {n:02d}"

    apps = [server.app(owner.account, friendly_name=name(n)) for n in range(45)]
    context = new_context(chromium, java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    sign_in_at(page, server, "/console/apps", owner)
    def names() -> list[str]:
        return page.locator("#apps .app-name").all_inner_texts()

    assert names()[0] == name(44) and len(names()) == 20
    page.click("a[rel='next']")
    page.wait_for_url(f"{server.url}/console/apps?page=2")
    assert names()[0] == name(24)
    page.fill("#q", "tracker")
    page.select_option("#sort", "name")
    page.click("button:has-text('Search')")
    page.wait_for_url(f"{server.url}/console/apps?q=tracker&sort=name")
    assert names() == sorted(name(n) for n in range(0, 45, 3))
    page.go_back()
    page.wait_for_url(f"{server.url}/console/apps?page=2")
    assert names()[0] == name(24)
    page.go_back()
    assert names()[0] == name(44)
    # One link style, in the brand's colour, on every kind of page.
    link_colours: set[str] = set()
    for path in ("/console/apps", f"/console/apps/{apps[0].sid}", "/console/apps?q=nothing"):
        page.goto(f"{server.url}{path}")
        link_colours.add(page.eval_on_selector("main a:not(.button)", "e => getComputedStyle(e).color"))
    assert link_colours == {"rgb(163, 13, 38)"}
    context.close()
