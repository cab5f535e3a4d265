"""Helpers shared by the plain-HTTP ConnectApps tests: paths, requests, fixture data."""

import base64
import re
from typing import Any

import requests

from connectapps.domain.models import Account
from tests.conftest import Server

JSON = "application/json; charset=utf-8"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REQUEST_ID = re.compile(r"^RQ[0-9a-f]{32}\Z")
NO_CREDENTIALS = "Authentication Error - No credentials provided"
ENVELOPE_KEYS = {
    "connect_apps", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri",
}
FULL = {
    "friendly_name": "Full app",
    "company_name": "Example Co",
    "description": "Reads your call logs",
    "homepage_url": "https://example.com/",
    "authorize_redirect_url": "https://example.com/authorize",
    "deauthorize_callback_url": "https://example.com/deauthorize",
    "deauthorize_callback_method": "POST",
    "permissions": ["get-all", "post-all"],
}


def list_path(account_sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/ConnectApps.json"


def app_path(account_sid: str, sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/ConnectApps/{sid}.json"


def not_found(path: str) -> str:
    return f"The requested resource {path} was not found"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def fetch(server: Server, owner: Account, sid: str) -> dict[str, Any]:
    resp = server.get(app_path(owner.sid, sid), owner)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def update(server: Server, owner: Account, sid: str, data: Any, **kwargs: Any) -> requests.Response:
    return server.post(app_path(owner.sid, sid), owner, data=data, headers=FORM | kwargs.pop("headers", {}), **kwargs)


def list_page(server: Server, owner: Account, query: str = "") -> dict[str, Any]:
    resp = server.get(list_path(owner.sid) + query, owner)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def follow(server: Server, owner: Account, uri: str) -> dict[str, Any]:
    """A page URI as the SDKs use it: appended to the base URL verbatim."""
    resp = server.get(uri, owner)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def sids_of(page: dict[str, Any]) -> list[str]:
    return [app["sid"] for app in page["connect_apps"]]




def apps_of(server: Server, owner: Account, count: int) -> list[str]:
    return sorted(server.app(owner, friendly_name=f"app {i}").sid for i in range(count))
