"""What the console shows, gathered for one signed-in user: only what their accounts hold.

Every lookup by SID goes through ``users.holds`` (the user's main accounts and their
subaccounts), and anything outside it is the same 404 as something that does not exist, so
the console never tells one user whether another user's app or authorization exists.
"""

from dataclasses import dataclass

from connectapps.domain import sids, users
from connectapps.domain.models import (
    ACTIVE,
    Account,
    Authorization,
    Callback,
    CallbackAttempt,
    ConnectApp,
    PageRequest,
    User,
)
from connectapps.domain.store import Store
from connectapps.web.pages import WebError

ALL = PageRequest(size=1000)  # the store's largest page
DELIVERY_LOG_SIZE = 50  # callbacks shown per app, newest first

APP_NOT_FOUND = WebError(
    404, "Connect App not found", "None of your accounts has this Connect App. Check the link that brought you here."
)
AUTHORIZATION_NOT_FOUND = WebError(
    404, "Authorization not found", "None of your accounts has authorized this Connect App."
)
ACCOUNT_NOT_FOUND = WebError(404, "Account not found", "This is not one of your accounts.")


@dataclass(frozen=True, slots=True)
class Holding:
    """A main account and its subaccounts (Connect subaccounts included)."""

    account: Account
    subaccounts: list[Account]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One deauthorize callback and every attempt to deliver it."""

    callback: Callback
    attempts: list[CallbackAttempt]


def every_account(held: list[Holding]) -> list[Account]:
    """Every account held: each main account, then its subaccounts."""
    return [a for h in held for a in (h.account, *h.subaccounts)]


def active_accounts(store: Store, user: User) -> list[Account]:
    """The accounts a new Connect App may go in: the user's active ones (the domain refuses others)."""
    return [a for a in every_account(holdings(store, user)) if a.status == ACTIVE]


def holdings(store: Store, user: User) -> list[Holding]:
    result = []
    for main in store.accounts_of_user(user.id):
        page = store.list_accounts(main.sid, ALL)
        result.append(Holding(main, [a for a in page.items if a.sid != main.sid]))
    return result


def held_account(store: Store, user: User, account_sid: str) -> Account:
    account = users.holds(store, user, account_sid)
    if account is None:
        raise ACCOUNT_NOT_FOUND
    return account


def held_app(store: Store, user: User, app_sid: str) -> ConnectApp:
    """The app with this SID if one of the user's accounts owns it; a 404 page otherwise."""
    app = store.find_connect_app(app_sid) if sids.is_sid(app_sid, sids.CONNECT_APP) else None
    if app is None or users.holds(store, user, app.account_sid) is None:
        raise APP_NOT_FOUND
    return app


def held_authorization(store: Store, user: User, account_sid: str, app_sid: str) -> Authorization:
    """The authorization of ``app_sid`` by ``account_sid`` if the user holds that account; else 404."""
    if users.holds(store, user, account_sid) is None or not sids.is_sid(app_sid, sids.CONNECT_APP):
        raise AUTHORIZATION_NOT_FOUND
    authorization = store.get_authorization(account_sid, app_sid)
    if authorization is None:
        raise AUTHORIZATION_NOT_FOUND
    return authorization


def delivery_log(store: Store, app_sid: str) -> list[Delivery]:
    """The app's newest deauthorize callbacks, each with its attempts (for its owner's eyes only)."""
    callbacks = store.list_callbacks(app_sid)[:DELIVERY_LOG_SIZE]
    return [Delivery(c, store.callback_attempts(c.id)) for c in callbacks]
