"""What the console tests share: people signed in, a Connect App form as a browser sends it, and a
small world of two users, an app, an authorization, so every route can be tried by each of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import requests

from connectapps.domain.models import Authorization, ConnectApp, PageRequest
from tests.conftest import Server
from tests.web.consent_helpers import answer, query
from tests.web.helpers import Browser, Person, new_person

HTML = "text/html; charset=utf-8"
APP_FIELDS: dict[str, Any] = {
    "friendly_name": "Call Tracker",
    "company_name": "Example Co",
    "description": "Tracks your calls.",
    "homepage_url": "https://example.com/home",
    "authorize_redirect_url": "https://app.example.com/twilio/authorize",
    "deauthorize_callback_url": "http://127.0.0.1:9/deauthorize",  # refused at once: retries cost nothing
    "deauthorize_callback_method": "POST",
    "permissions": ["get-all"],
}
_FIELD_ERROR = re.compile(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>')


def signed_in(server: Server, extra_accounts: int = 0) -> tuple[Browser, Person]:
    person = new_person(server.store, extra_accounts)
    browser = Browser(server)
    assert browser.sign_in(person).status_code == 303
    return browser, person


def token(browser: Browser) -> str:
    """The signed-in browser's CSRF token, read from the console page as a browser would."""
    return browser.csrf("/console")


def app_form(browser: Browser, **fields: Any) -> dict[str, Any]:
    """Every field of the Connect App form, as a browser sends it (``fields`` override)."""
    return {"csrf": token(browser), **APP_FIELDS, **fields}


def create(browser: Browser, account_sid: str, **fields: Any) -> requests.Response:
    return browser.post("/console/apps/new", app_form(browser, account=account_sid, **fields))


def created_app(server: Server, resp: requests.Response) -> ConnectApp:
    """The app a successful create redirected to."""
    assert resp.status_code == 303, resp.text
    match = re.fullmatch(r"/console/apps/(CN[0-9a-f]{32})\?done=created", resp.headers["Location"])
    assert match, resp.headers["Location"]
    app = server.store.find_connect_app(match.group(1))
    assert app is not None
    return app


def form_errors(html: str) -> dict[str, str]:
    """The problems a re-shown form shows next to its fields: field name -> message, unescaped."""
    return {name: unescape(message) for name, message in _FIELD_ERROR.findall(html)}


def input_value(html: str, name: str) -> str:
    """The value a form shows in the text input ``name``."""
    match = re.search(rf'<input id="{name}" name="{name}" type="[a-z]+" value="([^"]*)"', html)
    assert match, f"no input {name}"
    return unescape(match.group(1))


def authorize(browser: Browser, app: ConnectApp, account_sid: str) -> str:
    """Authorize ``app`` on ``account_sid`` through the consent page; the Connect subaccount's SID."""
    resp = answer(browser, app, "authorize", account=account_sid)
    assert resp.status_code == 303, resp.text
    return dict(query(resp.headers["Location"]))["AccountSid"]


@dataclass
class World:
    """``owner`` holds ``app`` and authorized ``granted`` (a developer's app) on their account;
    ``other`` is a second signed-in user with an app of their own."""

    server: Server
    owner: Person
    owner_browser: Browser
    app: ConnectApp
    granted: ConnectApp
    subaccount_sid: str
    other: Person
    other_browser: Browser
    other_app: ConnectApp

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a console form could change, to compare before and after."""
        store = self.server.store
        apps = [store.list_connect_apps(a.sid, PageRequest(size=1000)).items
                for a in (*self.owner.accounts, *self.other.accounts)]
        return (
            apps,
            store.find_connect_app(self.app.sid),
            store.find_connect_app(self.granted.sid),
            store.get_authorization(self.owner.account.sid, self.granted.sid),
            [c.id for c in store.list_callbacks(self.granted.sid)],
            [c.id for c in store.list_callbacks(self.app.sid)],
        )

    def authorization(self) -> Authorization | None:
        return self.server.store.get_authorization(self.owner.account.sid, self.granted.sid)


def make_world(server: Server) -> World:
    owner_browser, owner = signed_in(server)
    other_browser, other = signed_in(server)
    developer = server.account("Developer")
    granted = server.app(developer, **{**APP_FIELDS, "friendly_name": "Granted app"})
    subaccount_sid = authorize(owner_browser, granted, owner.account.sid)
    app = server.app(owner.account, **APP_FIELDS)
    other_app = server.app(other.account, **{**APP_FIELDS, "friendly_name": "Other's app"})
    return World(server, owner, owner_browser, app, granted, subaccount_sid, other, other_browser, other_app)
