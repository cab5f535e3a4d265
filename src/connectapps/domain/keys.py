"""API keys: an ``SK…`` SID and a secret that authenticate as the key's account.

Twilio's two kinds (docs/compatibility.md, "API keys"): a **Standard** key reaches everything of
its own account except the Accounts and Keys resources; a **Main** key reaches what the account's
auth token reaches (its subaccounts too). The API creates Standard keys only; Main keys come from
the console or the command line.

The secret is shown once, when the key is created, and stored only as an HMAC-SHA256 keyed with
a server-wide key kept in the database settings: secrets are 190 random bits, so a keyed hash is
as strong as a slow password hash, and checking one costs a microsecond, not tens of milliseconds
on every request. A copy of the keys table alone cannot be checked against guesses.
"""

import hashlib
import hmac
import secrets
import string
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from connectapps.domain import sids
from connectapps.domain.errors import AccountNotActive, InvalidParameter, NotFound
from connectapps.domain.models import ACTIVE, Account, Page, PageRequest
from connectapps.domain.text import check_text

STANDARD = "standard"
MAIN = "main"
KEY_TYPES = (STANDARD, MAIN)
FRIENDLY_NAME_MAX = 64
SECRET_LENGTH = 32
_SECRET_ALPHABET = string.ascii_letters + string.digits
HASH_KEY_SETTING = "api_key_hash_key"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: never its secret, only the secret's keyed hash."""

    sid: str
    account_sid: str
    friendly_name: str | None
    key_type: str
    secret_hash: str
    date_created: datetime
    date_updated: datetime


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just created, with the secret that is shown this once and never again."""

    key: ApiKey
    secret: str


class KeyStore(Protocol):
    """What API keys need from storage (a role of the Store)."""

    def setting(self, name: str, default: Callable[[], str]) -> str: ...

    def insert_key(self, key: ApiKey) -> None: ...

    def get_key(self, sid: str) -> ApiKey | None:
        """The key with this SID, whichever account owns it (authentication)."""
        ...

    def list_keys(self, account_sid: str, request: PageRequest) -> Page[ApiKey]:
        """An account's keys, in SID order."""
        ...

    def update_key(self, account_sid: str, sid: str, changes: Mapping[str, object], now: datetime) -> ApiKey | None:
        ...

    def delete_key(self, account_sid: str, sid: str) -> bool: ...

    def all_keys(self, account_sid: str | None = None) -> list[ApiKey]:
        """Every key, or one account's (the command line's list, unpaged)."""
        ...


# The hash key, read from the database once per store (it never changes once made).
_hash_keys: "weakref.WeakKeyDictionary[KeyStore, bytes]" = weakref.WeakKeyDictionary()


def _hash_key(store: KeyStore) -> bytes:
    key = _hash_keys.get(store)
    if key is None:
        key = bytes.fromhex(store.setting(HASH_KEY_SETTING, lambda: secrets.token_hex(32)))
        _hash_keys[store] = key
    return key


def secret_hash(store: KeyStore, secret: str) -> str:
    """The keyed hash a secret is stored (and checked) as."""
    return hmac.new(_hash_key(store), secret.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def secret_matches(store: KeyStore, key: ApiKey | None, secret: str) -> bool:
    """Whether ``secret`` is the key's, in constant time; a missing key costs what a present one does."""
    given = secret_hash(store, secret)
    expected = key.secret_hash if key is not None else given[::-1]
    return hmac.compare_digest(expected.encode(), given.encode()) and key is not None


def _new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def _check_friendly_name(name: str) -> None:
    if len(name) > FRIENDLY_NAME_MAX:
        raise InvalidParameter("friendly_name", InvalidParameter.TOO_LONG, str(FRIENDLY_NAME_MAX))
    check_text("friendly_name", name)


def create(store: KeyStore, account: Account, friendly_name: str | None, key_type: str = STANDARD) -> NewKey:
    """A new key of ``account`` and its secret (the only time the secret exists outside the caller).
    Nothing is created in a suspended or closed account."""
    if key_type not in KEY_TYPES:
        raise ValueError(f"unknown key type {key_type!r}")
    if account.status != ACTIVE:
        raise AccountNotActive(account.status)
    if friendly_name:
        _check_friendly_name(friendly_name)
    secret = _new_secret()
    now = datetime.now(UTC)
    key = ApiKey(sids.new_sid(sids.KEY), account.sid, friendly_name or None, key_type,
                 secret_hash(store, secret), now, now)
    store.insert_key(key)
    return NewKey(key, secret)


def fetch(store: KeyStore, account_sid: str, sid: str) -> ApiKey:
    key = store.get_key(sid) if sids.is_sid(sid, sids.KEY) else None
    if key is None or key.account_sid != account_sid:
        raise NotFound(sid)
    return key


def list_page(store: KeyStore, account_sid: str, request: PageRequest) -> Page[ApiKey]:
    return store.list_keys(account_sid, request)


def rename(store: KeyStore, account: Account, sid: str, friendly_name: str | None) -> ApiKey:
    """Change a key's name (the only thing about a key that changes); no name sent changes nothing.
    Not in a suspended or closed account."""
    key = fetch(store, account.sid, sid)
    if account.status != ACTIVE:
        raise AccountNotActive(account.status)
    if friendly_name is None:
        return key
    _check_friendly_name(friendly_name)
    updated = store.update_key(account.sid, key.sid, {"friendly_name": friendly_name or None}, datetime.now(UTC))
    if updated is None:
        raise NotFound(sid)
    return updated


def delete(store: KeyStore, account_sid: str, sid: str) -> None:
    """Delete a key: from the next request on, in every process, it authenticates nothing (whatever
    the account's status: taking a credential away is always allowed)."""
    if not sids.is_sid(sid, sids.KEY) or not store.delete_key(account_sid, sid):
        raise NotFound(sid)
