"""A cookie-keeping HTTP client that fills in forms the way a browser does, and test users."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import requests

from connectapps.domain import new_accounts, users
from connectapps.domain.models import Account, User
from connectapps.domain.store import Store
from tests.conftest import Server

PASSWORD = "correct horse battery staple"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class Person:
    user: User
    accounts: list[Account]
    password: str = PASSWORD

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def account(self) -> Account:
        return self.accounts[0]


def new_person(store: Store, extra_accounts: int = 0, email: str | None = None) -> Person:
    """A user with a main account (and ``extra_accounts`` more main accounts)."""
    created = users.create(store, email or f"{uuid.uuid4().hex[:12]}@example.com", PASSWORD)
    owned = [created.account]
    for n in range(extra_accounts):
        account = new_accounts.new_account(f"Extra account {n + 1}", user_id=created.user.id)
        store.insert_account(account)
        owned.append(account)
    return Person(created.user, sorted(owned, key=lambda a: a.sid))


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (the first value of each name)."""
    fields: dict[str, str] = {}
    for name, value in _HIDDEN.findall(html):
        fields.setdefault(name, unescape(value))
    return fields


class Browser:
    """A requests session against one server that never follows redirects by itself."""

    def __init__(self, server: Server, **headers: str) -> None:
        self.server = server
        self.http = requests.Session()
        self.http.headers.update(headers)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.server.url + path, allow_redirects=False, timeout=10, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.server.url + path, data=data or {}, allow_redirects=False, timeout=10, **kwargs)

    def csrf(self, path: str = "/signin") -> str:
        """The CSRF token of the form on ``path``."""
        page = self.get(path)
        assert page.status_code == 200, page.text
        return hidden_fields(page.text)["csrf"]

    def sign_in(self, person: Person, password: str | None = None, next_path: str | None = None) -> requests.Response:
        form = {"csrf": self.csrf(), "email": person.email, "password": password or person.password}
        if next_path is not None:
            form["next"] = next_path
        return self.post("/signin", form)

    def signed_in(self) -> bool:
        """Whether the session is a signed-in one (``/`` shows the accounts, not a redirect)."""
        return self.get("/").status_code == 200

    def cookie(self) -> str | None:
        return self.http.cookies.get("connectapps_session")


def location_path(resp: requests.Response) -> str:
    """The path and query of a redirect's target."""
    parts = urlsplit(resp.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")
