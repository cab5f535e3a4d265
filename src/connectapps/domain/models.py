"""The records the rules talk about. Immutable: a change is a new record from the store."""

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypedDict, TypeVar

T = TypeVar("T")

GET_ALL = "get-all"
POST_ALL = "post-all"
PERMISSIONS = (GET_ALL, POST_ALL)

CALLBACK_METHODS = ("GET", "POST")

ACTIVE = "active"
SUSPENDED = "suspended"
CLOSED = "closed"
ACCOUNT_STATUSES = (ACTIVE, SUSPENDED, CLOSED)

REVOKED = "revoked"  # an authorization that has ended


@dataclass(frozen=True, slots=True)
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str | None
    status: str
    date_created: datetime
    date_updated: datetime
    user_id: str | None = None  # the person who owns a main account; None for subaccounts

    @property
    def is_subaccount(self) -> bool:
        return self.owner_account_sid is not None


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in to the web pages. Owns one or more main accounts."""

    id: str
    email: str
    password_hash: str
    date_created: datetime


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in web session as the server remembers it; deleting it ends the session.

    ``id`` is the SHA-256 (hex) of the random id the signed cookie carries, never the id itself.
    """

    id: str
    user_id: str
    expires_at: datetime
    date_created: datetime


@dataclass(frozen=True, slots=True)
class Throttle:
    """A sign-in throttle counter: attempts counted on ``throttle_key``, the last one's time, and
    the earliest time the next attempt is let through (exponential backoff)."""

    throttle_key: str
    attempts: int
    last_at: datetime
    next_at: datetime


@dataclass(frozen=True, slots=True)
class Authorization:
    """An account's grant to a Connect App: the app acts through ``subaccount_sid``.

    ``account_sid`` is the authorizing account; ``permissions`` are the app's at the moment of
    (re-)authorization; ``status`` is ``active`` or ``revoked``.
    """

    account_sid: str
    connect_app_sid: str
    subaccount_sid: str
    permissions: tuple[str, ...]
    status: str
    date_created: datetime
    date_updated: datetime


class ConnectAppChanges(TypedDict, total=False):
    """Checked values of a Connect App's updatable fields (domain/connect_apps.py): what a form
    carries through the domain to the store. A new updatable field is a ConnectApp field, a key
    here, and a migration; the API, the command line and the store follow from these keys."""

    friendly_name: str | None
    company_name: str | None
    description: str | None
    deauthorize_callback_method: str
    homepage_url: str | None
    authorize_redirect_url: str | None
    deauthorize_callback_url: str | None
    permissions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConnectApp:
    sid: str
    account_sid: str
    friendly_name: str | None
    company_name: str | None
    description: str | None
    homepage_url: str | None
    authorize_redirect_url: str | None
    deauthorize_callback_url: str | None
    deauthorize_callback_method: str | None
    permissions: tuple[str, ...]
    date_created: datetime
    date_updated: datetime
    version: int = 1
    """Incremented by every change: (sid, version) names one content of the app for good."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which slice of a list to read, in SID order.

    ``after``/``before`` come from a page token (keyset paging: a deep page costs what the
    first one does); ``offset`` is used only when the client asks for a page number without
    a token.
    """

    size: int
    after: str | None = None
    before: str | None = None
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool


PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"  # given up after the retry period


@dataclass(frozen=True, slots=True)
class Callback:
    """A deauthorize callback in the outbox: ``AccountSid`` and ``ConnectAppSid`` to ``url``."""

    id: str
    connect_app_sid: str
    account_sid: str  # the AccountSid sent: the Connect subaccount the app was given
    authorizing_account_sid: str
    url: str
    method: str
    status: str
    attempts: int  # the highest attempt number logged (interrupted claims included)
    claims: int  # leases taken; claim N logs attempt N, so a claim number is also an attempt number
    next_attempt_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    date_created: datetime
    date_updated: datetime
    destination: str | None  # the URL's host, lower case: senders share their slots fairly between hosts


@dataclass(frozen=True, slots=True)
class CallbackAttempt:
    """One try at delivering a callback: when, by whom, how it ended, how long it took."""

    callback_id: str
    attempt: int
    sender: str
    date_started: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
