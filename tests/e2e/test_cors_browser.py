"""CORS in a real browser: a page on another origin calls the API with fetch() and HTTP Basic credentials
it holds — Chromium sends the preflight, checks the answer, and lets the page read the JSON (or the error)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.conftest import Server
from tests.e2e.browser import new_context
from tests.receiver import receiving

FETCH = """async ([url, method, auth, body]) => {
  const headers = {};
  if (auth) headers["Authorization"] = "Basic " + auth;
  if (body) headers["Content-Type"] = "application/x-www-form-urlencoded";
  try {
    const resp = await fetch(url, {method, headers, body: body || undefined});
    return {status: resp.status, body: await resp.json()};
  } catch (e) {
    return {status: 0, body: String(e)};
  }
}"""


@pytest.fixture
def other_origin() -> Iterator[str]:
    """A page at http://localhost:<port>: another origin than the API's http://127.0.0.1."""
    with receiving() as page:
        yield page.url.replace("127.0.0.1", "localhost") + "/"


def test_a_page_on_another_origin_reads_and_updates_through_the_api(
    chromium: Browser, server: Server, other_origin: str
) -> None:
    account = server.account()
    app = server.app(account)
    auth = base64.b64encode(f"{account.sid}:{account.auth_token}".encode()).decode()
    base = server.url.replace("localhost", "127.0.0.1")
    context = new_context(chromium)
    page = context.new_page()
    page.goto(other_origin)
    assert page.evaluate("location.origin") != base

    def call(path: str, method: str = "GET", credentials: str | None = auth, body: str = "") -> Any:
        return page.evaluate(FETCH, [base + path, method, credentials, body])

    fetched = call(f"/2010-04-01/Accounts/{account.sid}.json")
    assert fetched["status"] == 200 and fetched["body"]["sid"] == account.sid
    app_path = f"/2010-04-01/Accounts/{account.sid}/ConnectApps/{app.sid}.json"
    updated = call(app_path, "POST", body="FriendlyName=From+JS")
    assert updated["status"] == 200 and updated["body"]["friendly_name"] == "From JS"
    refused = call(f"/2010-04-01/Accounts/{account.sid}.json", credentials=base64.b64encode(b"AC1:x").decode())
    assert refused["status"] == 401 and refused["body"]["code"] == 20003
    # A method the route does not answer is stopped by the browser at the preflight: the page never sends it.
    blocked = call(app_path, "DELETE")
    assert blocked["status"] == 0 and "Failed to fetch" in blocked["body"]
    # The web pages allow no other origin to read them.
    read = "async (url) => { try { await fetch(url); return 'read'; } catch (e) { return 'blocked'; } }"
    console = page.evaluate(read, base + "/signin")
    assert console == "blocked"
    context.close()
