"""The first ten minutes, in a real browser, using only what ``connectapps serve --demo`` prints.

A new user runs the demo on a fresh database, reads the console URL, the demo person's email and
password, the consent page and the API base URL from its output, and goes: sign in, the console
(accounts, Connect Apps, a copy button), the consent page, Authorize and back to the console, the
API as printed and as the app, Revoke (after saying yes), the delivery log, and finally sign-in
on the way to the consent page, which names the app and returns to it. Desktop with JavaScript, a
phone without: nothing needs it, nothing is wider than the screen, no CSP violation.

This walk-through makes the screenshots in docs/screenshots/ shown in the README (on the SQLite
run; written when missing or with CONNECTAPPS_UPDATE_SCREENSHOTS=1, as in browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.demo_run import DemoRun, start_demo
from tests.e2e.browser import new_context, save_screenshot, watch_csp

DESKTOP = {"width": 1100, "height": 820}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Iterator[DemoRun]:
    run = start_demo(database_url, tmp_path)
    yield run
    run.stop()


def sign_in_as_printed(page: Page, demo: DemoRun) -> None:
    page.fill("#email", demo.value("Email"))
    page.fill("#password", demo.value("Password"))
    page.click("button:has-text('Sign in')")


def current_section(page: Page) -> str:
    return page.inner_text("nav.console-nav a[aria-current='page']")


def test_a_new_user_follows_what_the_demo_printed(
    chromium: Browser, demo: DemoRun, backend: str, tmp_path: Path
) -> None:
    publish = backend == "sqlite"
    base, console = demo.value("API base URL"), demo.value("Console")
    context = new_context(chromium, viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    violations = watch_csp(page)

    # The printed console URL asks to sign in; the printed email and password let the person in.
    page.goto(console)
    assert urlsplit(page.url).path == "/signin"
    sign_in_as_printed(page, demo)
    page.wait_for_url(console)
    assert current_section(page) == "Accounts"
    assert demo.value("Account SID") in page.inner_text("#accounts")

    # Connect Apps: the demo app in a table, its SID one click from the clipboard.
    page.click("nav.console-nav a:has-text('Connect Apps')")
    page.wait_for_url(f"{base}/console/apps")
    assert page.inner_text("#apps .app-name") == "Demo Connect App"
    app_sid = page.inner_text("#apps .copyable code")
    assert demo.value("ConnectApp SID") == app_sid
    page.click("#apps .copyable button.copy")
    assert page.evaluate("navigator.clipboard.readText()") == app_sid
    assert page.inner_text("#apps .copyable button.copy") == "Copied"
    save_screenshot(page, tmp_path, "console.png", publish)

    # The printed consent page: focused, "by Company" not indented, Authorize brings the person back.
    page.goto(demo.value("Consent page"))
    assert "Demo Connect App wants access to your account" in page.inner_text("h1")
    heading_left = page.eval_on_selector("h1", "e => e.getBoundingClientRect().left")
    assert page.eval_on_selector("p.company", "e => e.getBoundingClientRect().left") == heading_left
    assert page.locator("nav.console-nav").count() == 0 and page.locator("script").count() == 0
    save_screenshot(page, tmp_path, "consent.png", publish)
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{base}/console/authorized?**")
    back = parse_qs(urlsplit(page.url).query)
    assert back["state"] == ["demo"] and back["AccountSid"][0].startswith("AC")
    assert current_section(page) == "Authorized apps"
    assert page.inner_text(".notice").startswith("Authorized.")
    assert page.inner_text("#authorized .app-name") == "Demo Connect App"
    save_screenshot(page, tmp_path, "console-authorized.png", publish)

    # The API, as printed; and as the app, with the AccountSid it was sent back with.
    client = Client(demo.value("Account SID"), demo.value("Auth token"))
    client.api.base_url = base
    assert client.api.v2010.account.connect_apps(app_sid).fetch().friendly_name == "Demo Connect App"
    as_app = Client(back["AccountSid"][0], demo.value("Auth token"))
    as_app.api.base_url = base
    assert as_app.api.v2010.accounts(demo.value("Account SID")).fetch().friendly_name == "Demo account"

    # Revoke asks first and says what happens; then the app is refused and the callback is logged.
    page.click("#authorized a:has-text('Revoke')")
    consequences = page.inner_text("ul.consequences")
    assert "loses access" in consequences and "https://example.com/deauthorize" in consequences
    save_screenshot(page, tmp_path, "console-revoke.png", publish)
    page.click("button:has-text('Revoke access')")
    page.wait_for_url(f"{base}/console/authorized?done=revoked")
    assert "No apps are authorized on this account" in page.inner_text(".empty")
    with pytest.raises(TwilioRestException) as refused:
        as_app.api.v2010.accounts(demo.value("Account SID")).fetch()
    assert refused.value.status == 401
    page.click("nav.console-nav a:has-text('Delivery log')")
    assert page.inner_text("#deliveries .app-name") == "Demo Connect App"
    assert back["AccountSid"][0] in page.inner_text("#deliveries")
    page.click("#deliveries .app-link")
    assert page.inner_text("h1") == "Demo Connect App"
    save_screenshot(page, tmp_path, "console-app.png", publish)

    # Signed out, the consent page's sign-in names the app asking, and returns to it.
    page.click("button:has-text('Sign out')")
    page.goto(demo.value("Consent page"))
    assert page.inner_text("h1") == "Sign in to connect Demo Connect App"
    sign_in_as_printed(page, demo)
    page.wait_for_url(demo.value("Consent page"))
    assert page.locator("button:has-text('Authorize')").count() == 1
    assert violations == []
    context.close()


def test_the_same_walk_on_a_phone_without_javascript(
    chromium: Browser, demo: DemoRun, backend: str, tmp_path: Path
) -> None:
    publish = backend == "sqlite"
    base = demo.value("API base URL")
    context = new_context(chromium, java_script_enabled=False, **PHONE)
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(demo.value("Consent page"))
    sign_in_as_printed(page, demo)
    page.wait_for_url(demo.value("Consent page"))
    assert page.evaluate(FITS)
    save_screenshot(page, tmp_path, "consent-phone.png", publish)
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{base}/console/authorized?**")
    assert page.evaluate(FITS)
    for path in ("/console", "/console/apps", "/console/deliveries", "/console/apps/new"):
        page.goto(f"{base}{path}")
        assert page.evaluate(FITS), path
        assert page.locator("button.copy:visible").count() == 0  # no script, no copy buttons
    page.goto(f"{base}/console/apps")
    save_screenshot(page, tmp_path, "console-phone.png", publish)
    page.goto(f"{base}/console/authorized")
    page.click("#authorized a:has-text('Revoke')")
    page.click("button:has-text('Revoke access')")
    page.wait_for_url(f"{base}/console/authorized?done=revoked")
    assert violations == []
    context.close()
