"""People who sign in to the web pages: creation, signing in, password changes.

Hashing and the bound on concurrent checks are passwords.py's; throttling is throttle.py's.
"""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from connectapps.domain import new_accounts, passwords, sids, throttle
from connectapps.domain.errors import InvalidParameter, NotAuthenticated, NotFound
from connectapps.domain.models import Account, User
from connectapps.domain.store import AccountStore, ThrottleStore, UserStore

PASSWORD_MIN = 8
EMAIL_MAX = 254


class PeopleStore(UserStore, AccountStore, ThrottleStore, Protocol):
    """What the rules for people use: users, the accounts they hold, the sign-in throttle."""


@dataclass(frozen=True, slots=True)
class NewUser:
    user: User
    account: Account


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create(store: PeopleStore, email: str, password: str) -> NewUser:
    """A person and the main account created with them."""
    email = normalise_email(email)
    if "@" not in email or len(email) > EMAIL_MAX or any(ch.isspace() for ch in email):
        raise InvalidParameter("email", InvalidParameter.EMAIL, email)
    _check_password(password)
    if store.get_user_by_email(email) is not None:
        raise InvalidParameter("email", InvalidParameter.EMAIL_TAKEN, email)
    user = User(id=sids.new_sid(sids.USER), email=email, password_hash=passwords.hash_password(password),
                date_created=datetime.now(UTC))
    account = new_accounts.new_account(f"{email}'s account", user_id=user.id)
    store.insert_user(user, account)
    return NewUser(user, account)


def sign_in(store: PeopleStore, email: str, password: str, address: str, now: datetime | None = None) -> User:
    """The user these credentials prove, from a client at ``address``.

    Raises Busy when too many passwords are being checked at this moment (at once, before any
    work); Throttled when this email-and-address pair is in its backoff (throttle.py: counted
    atomically before the password is checked, so a throttled guess learns nothing);
    NotAuthenticated on a wrong email or password.
    """
    email = normalise_email(email)
    if len(email) > EMAIL_MAX:  # no user can have it: refuse before touching anything
        raise NotAuthenticated()
    now = now or datetime.now(UTC)
    with passwords.checking() as check:  # Busy before anything is counted
        attempt = throttle.attempt(store, email, address, now)
        user = store.get_user_by_email(email)
        verified = check(user.password_hash if user else passwords.dummy_hash(), password)
    if user is None or not verified:
        throttle.failed(store, attempt, now)
        raise NotAuthenticated()
    throttle.succeeded(store, attempt)
    return user


def set_password(store: PeopleStore, email: str, password: str) -> User:
    """Change a user's password; every session they have ends with the old one (same transaction)."""
    user = store.get_user_by_email(normalise_email(email))
    if user is None:
        raise NotFound(email)
    _check_password(password)
    if not store.set_password_hash(user.id, passwords.hash_password(password)):
        raise NotFound(email)
    return user


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidParameter("password", InvalidParameter.PASSWORD, str(PASSWORD_MIN))


def owns(store: PeopleStore, user: User, account_sid: str) -> Account | None:
    """The user's main account with this SID, if they own it."""
    for account in store.accounts_of_user(user.id):
        if hmac.compare_digest(account.sid, account_sid):
            return account
    return None


def holds(store: PeopleStore, user: User, account_sid: str) -> Account | None:
    """The account with this SID if the user holds it: one of their main accounts, or a
    subaccount of one. What the console may show or change is decided by this alone."""
    account = store.get_account(account_sid) if sids.is_sid(account_sid, sids.ACCOUNT) else None
    if account is None:
        return None
    main = store.get_account(account.owner_account_sid) if account.owner_account_sid else account
    return account if main is not None and main.user_id == user.id else None
