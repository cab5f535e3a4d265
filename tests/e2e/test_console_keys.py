"""API keys in the console, in headless Chromium with its script on: create a key, copy its secret
with the copy button, use it with the official client, rename it, delete it (after confirming), and
the key stops working."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.conftest import Server
from tests.e2e.browser import new_context, save_screenshot, watch_csp
from tests.e2e.test_console_flow import sign_in_at
from tests.web.helpers import new_person


def key_client(server: Server, key_sid: str, secret: str, account_sid: str) -> Client:
    client = Client(key_sid, secret, account_sid)
    client.api.base_url = server.url
    return client


def test_create_copy_use_rename_delete_an_api_key(chromium: Browser, server: Server, tmp_path: Path) -> None:
    person = new_person(server.store)
    account = person.account
    app = server.app(account, friendly_name="Mine")
    context = new_context(chromium, viewport={"width": 1100, "height": 900},
                          permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    violations = watch_csp(page)
    sign_in_at(page, server, "/console", person)
    page.click(f"a[href='/console/accounts/{account.sid}/keys']")
    page.wait_for_url(f"{server.url}/console/accounts/{account.sid}/keys")
    assert "No API keys yet" in page.inner_text("#keys")

    page.fill("#friendly_name", "Build <server>")
    page.click("button:has-text('Create API key')")
    page.wait_for_selector("#new-key")
    assert "This is the only time it is shown" in page.inner_text("#new-key .warning")
    secret = page.inner_text("#key-secret code").strip()
    key_sid = page.inner_text("#new-key dd code.sid").strip()
    assert len(secret) == 32 and key_sid.startswith("SK")
    page.click("#key-secret button.copy")
    page.wait_for_selector("#key-secret button.copy:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    save_screenshot(page, tmp_path, "console-api-key.png", publish=False)

    client = key_client(server, key_sid, secret, account.sid)
    assert [a.sid for a in client.api.v2010.account.connect_apps.list()] == [app.sid]

    page.goto(f"{server.url}/console/accounts/{account.sid}/keys")
    assert secret not in page.content()  # shown once
    assert "Build <server>" in page.inner_text("#key-list")
    page.click("#key-list a:has-text('Rename')")
    page.fill("#friendly_name", "Build server (old)")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=API key renamed.")
    assert "Build server (old)" in page.inner_text("#key-list")

    page.click("#key-list a:has-text('Delete')")
    assert "This cannot be undone" in page.inner_text("main")
    assert len(client.api.v2010.account.connect_apps.list()) == 1  # still works until confirmed
    page.click("button:has-text('Delete API key')")
    page.wait_for_selector("text=API key deleted.")
    assert "No API keys yet" in page.inner_text("#keys")
    with pytest.raises(TwilioRestException) as refused:
        client.api.v2010.account.connect_apps(app.sid).fetch()
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert violations == []
    context.close()
