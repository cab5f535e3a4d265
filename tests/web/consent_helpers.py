"""What the consent and console suites share: a Connect App to consent to, its consent page and
its answer, and the headers every page carries."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connectapps.domain.models import ConnectApp
from tests.conftest import Server
from tests.web.helpers import Browser, hidden_fields

REDIRECT = "https://app.example.com/twilio/authorize?keep=1&mode=x"
HTML = "text/html; charset=utf-8"


def make_app(server: Server, **fields: Any) -> ConnectApp:
    owner = server.account("App developer")
    defaults: dict[str, Any] = {
        "friendly_name": "Call Tracker",
        "company_name": "Example Co",
        "description": "Tracks your calls.",
        "homepage_url": "https://example.com/home",
        "authorize_redirect_url": REDIRECT,
        "permissions": ["get-all"],
    }
    return server.app(owner, **{**defaults, **fields})


def consent(app: ConnectApp, state: str | None = None) -> str:
    return f"/authorize/{app.sid}" + (f"?state={state}" if state else "")


def answer(browser: Browser, app: ConnectApp, decision: str, state: str | None = "st8",
           **extra: str) -> Any:
    """Load the consent page and submit its form as a browser would, with ``extra`` fields."""
    page = browser.get(consent(app, state))
    assert page.status_code == 200, page.text
    form = hidden_fields(page.text)
    form["decision"] = decision
    form.update(extra)
    return browser.post(f"/authorize/{app.sid}", form)


def query(location: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(location).query, keep_blank_values=True)


CSP_BASE = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'{extra}; " \
           "frame-ancestors 'none'; base-uri 'none'"


def assert_page_headers(resp: Any, form_target: str = "") -> None:
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Content-Security-Policy"] == CSP_BASE.format(extra=form_target)
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
