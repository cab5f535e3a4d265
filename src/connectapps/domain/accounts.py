"""Accounts: who the caller is, and which accounts the caller may act on."""

import hmac
from datetime import UTC, datetime

from connectapps.domain import sids
from connectapps.domain.errors import NotAuthenticated, NotFound
from connectapps.domain.models import ACTIVE, Account
from connectapps.store.interface import Store

# Compared against when the username names no account, so a miss costs what a hit costs.
_DUMMY_TOKEN = sids.new_auth_token()


def new_account(friendly_name: str | None = None, owner_account_sid: str | None = None) -> Account:
    now = datetime.now(UTC)
    sid = sids.new_sid(sids.ACCOUNT)
    return Account(
        sid=sid,
        auth_token=sids.new_auth_token(),
        friendly_name=friendly_name or _default_friendly_name(now),
        owner_account_sid=owner_account_sid,
        status=ACTIVE,
        date_created=now,
        date_updated=now,
    )


def _default_friendly_name(now: datetime) -> str:
    # Twilio names a new account after its creation time when no name is given.
    return f"My account {now:%Y-%m-%d %H:%M:%S}"


def create(store: Store, friendly_name: str | None = None, owner_account_sid: str | None = None) -> Account:
    account = new_account(friendly_name, owner_account_sid)
    store.insert_account(account)
    return account


def authenticate(store: Store, username: str, password: str) -> Account:
    """The account whose SID and auth token these are; constant-time on the token."""
    account = store.get_account(username) if sids.is_sid(username, sids.ACCOUNT) else None
    expected = account.auth_token if account is not None else _DUMMY_TOKEN
    token_ok = hmac.compare_digest(expected.encode(), password.encode())
    if account is None or not token_ok or account.status != ACTIVE:
        raise NotAuthenticated()
    return account


def resolve_target(store: Store, caller: Account, account_sid: str) -> str:
    """The account a request's path names, if the caller may act on it.

    Allowed: the caller's own account, or one of its subaccounts. Anything else is an
    authentication error (Twilio lists "subaccount credentials used on another account"
    as a cause of 20003), so another account's existence is never revealed. A malformed
    SID is a 404, as on Twilio.
    """
    if account_sid == caller.sid:
        return account_sid
    if not sids.is_sid(account_sid, sids.ACCOUNT):
        raise NotFound(account_sid)
    target = store.get_account(account_sid)
    if target is None or target.owner_account_sid != caller.sid:
        raise NotAuthenticated()
    return account_sid
