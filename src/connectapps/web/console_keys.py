"""The console's API keys, one page per account (its own or a subaccount the person holds):

- ``GET /console/accounts/{AccountSid}/keys``: the account's keys and the form to create one;
- ``POST`` there: create a key — the answer shows its secret, once, with a copy button and a warning
  (never stored, never shown again: no redirect could carry it, so this answer is the page);
- ``GET|POST /console/accounts/{AccountSid}/keys/{Sid}``: rename;
- ``GET|POST /console/accounts/{AccountSid}/keys/{Sid}/delete``: are you sure, and delete.

Every form carries the session's CSRF token (checked before anything else); an account the person
does not hold, or a key not in it, is the same 404 page as one that does not exist.
"""

from contextlib import suppress
from typing import Any

import falcon

from connectapps.domain import keys
from connectapps.domain.errors import AccountNotActive, InvalidParameter, NotFound
from connectapps.domain.keys import ApiKey, NewKey
from connectapps.domain.models import Account, PageRequest
from connectapps.web.base import Web
from connectapps.web.console import ConsolePage, Visit, done
from connectapps.web.console_data import held_account
from connectapps.web.console_nav import ACCOUNTS, CONSOLE
from connectapps.web.inputs import last
from connectapps.web.pages import WebError, redirect

SHOWN = PageRequest(size=1000)  # an account's keys on one page; more is said, not shown
KEY_NOT_FOUND = WebError(404, "API key not found", "This account has no such API key. It may have been deleted.")
TYPE_WORDS = {
    keys.STANDARD: "Standard: everything in this account except its Accounts and Keys resources",
    keys.MAIN: "Main: everything its auth token can do, subaccounts included",
}
NOTICES = {"renamed": "API key renamed.", "deleted": "API key deleted. It no longer authenticates anything."}


def keys_path(account_sid: str, key_sid: str = "", action: str = "") -> str:
    path = f"{CONSOLE}/accounts/{account_sid}/keys"
    return path + (f"/{key_sid}" if key_sid else "") + (f"/{action}" if action else "")


def _problem(exc: InvalidParameter | AccountNotActive) -> str:
    if isinstance(exc, AccountNotActive):
        return f"This account is {exc.status}: no key can be created or renamed in it."
    if exc.kind == InvalidParameter.TOO_LONG:
        return f"The name can be at most {keys.FRIENDLY_NAME_MAX} characters long."
    return "The name cannot contain control characters."


class KeysPage(ConsolePage):
    """The account's keys and the create form (GET); creating a key and showing its secret (POST)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        visit = self.visit(req)
        self.page(resp, visit, held_account(self.store, visit.user, account_sid), notice=_notice(req))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        visit, form = self.submit(req)
        account = held_account(self.store, visit.user, account_sid)
        name = (last(form, "friendly_name") or "").strip()
        key_type = last(form, "type") or keys.STANDARD
        if key_type not in keys.KEY_TYPES:
            key_type = keys.STANDARD
        try:
            created = keys.create(self.store, account, name or None, key_type)
        except (InvalidParameter, AccountNotActive) as exc:
            self.page(resp, visit, account, status=400, problem=_problem(exc), name=name, key_type=key_type)
            return
        self.page(resp, visit, account, status=201, created=created)

    def page(self, resp: falcon.Response, visit: Visit, account: Account, status: int = 200,
             created: NewKey | None = None, **context: Any) -> None:
        listed = self.store.list_keys(account.sid, SHOWN)
        context.setdefault("notice", None)
        context.setdefault("problem", None)
        self.show(resp, visit, "console_keys.html", status=status, account=account, keys=listed.items,
                  more=listed.has_more, created=created, words=TYPE_WORDS, action=keys_path(account.sid),
                  nav=self.nav(visit.user, ACCOUNTS, account.sid), key_path=keys_path,
                  name=context.pop("name", ""), key_type=context.pop("key_type", keys.STANDARD), **context)


def _notice(req: falcon.Request) -> str | None:
    return NOTICES.get(req.get_param("done") or "")


class KeyPage(ConsolePage):
    """A page about one key of one held account: the rename form, or (``deleting``) are you sure."""

    deleting = False

    def held_key(self, visit: Visit, account_sid: str, key_sid: str) -> tuple[Account, ApiKey]:
        account = held_account(self.store, visit.user, account_sid)
        try:
            return account, keys.fetch(self.store, account.sid, key_sid)
        except NotFound:
            raise KEY_NOT_FOUND from None

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, key_sid: str) -> None:
        visit = self.visit(req)
        account, key = self.held_key(visit, account_sid, key_sid)
        self.key_page(resp, visit, account, key, name=key.friendly_name or "")

    def key_page(self, resp: falcon.Response, visit: Visit, account: Account, key: ApiKey, status: int = 200,
                 **context: Any) -> None:
        context.setdefault("problem", None)
        self.show(resp, visit, "console_key.html", status=status, account=account, key=key,
                  deleting=self.deleting, nav=self.nav(visit.user, ACCOUNTS, account.sid),
                  back=keys_path(account.sid),
                  action=keys_path(account.sid, key.sid, "delete" if self.deleting else ""), **context)


class RenameKey(KeyPage):
    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, key_sid: str) -> None:
        visit, form = self.submit(req)
        account, key = self.held_key(visit, account_sid, key_sid)
        name = (last(form, "friendly_name") or "").strip()
        try:
            keys.rename(self.store, account, key.sid, name)
        except (InvalidParameter, AccountNotActive) as exc:
            self.key_page(resp, visit, account, key, status=400, problem=_problem(exc), name=name)
            return
        redirect(resp, done(keys_path(account.sid), "renamed"))


class DeleteKey(KeyPage):
    deleting = True

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, key_sid: str) -> None:
        visit, _ = self.submit(req)
        account = held_account(self.store, visit.user, account_sid)
        with suppress(NotFound):  # deleted meanwhile (a second click): the outcome asked for
            keys.delete(self.store, account.sid, key_sid)
        redirect(resp, done(keys_path(account.sid), "deleted"))


def install(app: falcon.App[Any, Any], web: Web) -> None:
    app.add_route(f"{CONSOLE}/accounts/{{account_sid}}/keys", KeysPage(web))
    app.add_route(f"{CONSOLE}/accounts/{{account_sid}}/keys/{{key_sid}}", RenameKey(web))
    app.add_route(f"{CONSOLE}/accounts/{{account_sid}}/keys/{{key_sid}}/delete", DeleteKey(web))
