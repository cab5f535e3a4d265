"""People who sign in to the web pages: creation, password checks, sign-in throttling.

Passwords are hashed with Argon2id (argon2-cffi) and never logged or returned.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from connectapps.domain import accounts, sids
from connectapps.domain.errors import InvalidParameter, NotAuthenticated, NotFound, Throttled
from connectapps.domain.models import Account, User
from connectapps.store.interface import Store

PASSWORD_MIN = 8
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs what a hit costs.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class NewUser:
    user: User
    account: Account


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create(store: Store, email: str, password: str) -> NewUser:
    """A person and the main account created with them."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise InvalidParameter("email", InvalidParameter.EMAIL, email)
    if len(password) < PASSWORD_MIN:
        raise InvalidParameter("password", InvalidParameter.PASSWORD, str(PASSWORD_MIN))
    if store.get_user_by_email(email) is not None:
        raise InvalidParameter("email", InvalidParameter.EMAIL_TAKEN, email)
    user = User(id="US" + secrets.token_hex(16), email=email, password_hash=_hasher.hash(password),
                date_created=datetime.now(UTC))
    account = accounts.new_account(f"{email}'s account", user_id=user.id)
    store.insert_user(user, account)
    return NewUser(user, account)


def set_password(store: Store, email: str, password: str) -> User:
    """Give an existing person a new password (the operator's reset: ``users set-password``)."""
    user = store.get_user_by_email(normalise_email(email))
    if user is None:
        raise NotFound(email)
    if len(password) < PASSWORD_MIN:
        raise InvalidParameter("password", InvalidParameter.PASSWORD, str(PASSWORD_MIN))
    store.update_password_hash(user.id, _hasher.hash(password))
    return user


def _throttle_keys(email: str, address: str) -> tuple[str, str]:
    return f"email:{email}", f"addr:{address}"


def sign_in(store: Store, email: str, password: str, address: str) -> User:
    """The user these credentials prove. Throttled per email and per client address.

    Raises Throttled when too many recent failures came from the email or the address
    (checked before the password, so a throttled guess learns nothing), NotAuthenticated
    on a wrong email or password.
    """
    email = normalise_email(email)
    now = datetime.now(UTC)
    email_key, address_key = _throttle_keys(email, address)
    since = now - THROTTLE_WINDOW
    if (store.count_sign_in_failures(email_key, since) >= MAX_FAILURES_PER_EMAIL
            or store.count_sign_in_failures(address_key, since) >= MAX_FAILURES_PER_ADDRESS):
        raise Throttled(THROTTLE_WINDOW)
    user = store.get_user_by_email(email)
    verified = _verify(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not verified:
        store.record_sign_in_failure((email_key, address_key), now)
        raise NotAuthenticated()
    # A success clears this email's failures (not the address's: one good password from an
    # address must not reset the count of guesses it made at other accounts).
    store.forget_sign_in_failures(now - THROTTLE_WINDOW, email_key)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def owns(store: Store, user: User, account_sid: str) -> Account | None:
    """The user's main account with this SID, if they own it."""
    for account in store.accounts_of_user(user.id):
        if hmac.compare_digest(account.sid, account_sid):
            return account
    return None


def holds(store: Store, user: User, account_sid: str) -> Account | None:
    """The account with this SID if the user holds it: one of their main accounts, or a
    subaccount of one. What the console may show or change is decided by this alone."""
    account = store.get_account(account_sid) if sids.is_sid(account_sid, sids.ACCOUNT) else None
    if account is None:
        return None
    main = store.get_account(account.owner_account_sid) if account.owner_account_sid else account
    return account if main is not None and main.user_id == user.id else None
