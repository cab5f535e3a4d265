"""The domain's port to storage: small role protocols, and ``Store``, their union.

The domain owns this module and storage (store/) implements it; nothing here knows SQL. Code
that needs only part of the store asks for the roles it uses (``SessionStore`` for sign-in
sessions, ``OutboxStore`` for the callback sender…), so a test fake implements just those.
A new store method goes in the role it belongs to, and its SQL in that role's mixin in store/.
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from connectapps.domain.keys import KeyStore
from connectapps.domain.listing import Delivery, Grant, Listing, ListQuery
from connectapps.domain.models import (
    Account,
    Authorization,
    Callback,
    CallbackAttempt,
    ConnectApp,
    ConnectAppChanges,
    Page,
    PageRequest,
    Throttle,
    User,
    WebSession,
)
from connectapps.domain.resources.records import Match, Resource
from connectapps.domain.snapshots import SeedStore, SnapshotStore

T = TypeVar("T")


class SchemaStore(Protocol):
    """The database itself: migrations, the request scope, the connection."""

    def migrate(self) -> list[int]:
        """Apply pending migrations; return the versions applied."""
        ...

    def schema_version(self) -> int: ...

    def begin_request(self) -> None:
        """Called as each HTTP request starts: a backend with a cache revalidates it once here."""
        ...

    def end_request(self) -> None:
        """Called as each HTTP request ends."""
        ...

    def remembered(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """What ``make()`` gives; a backend with a cache keeps it under ``key`` as long as it keeps its records:
        until any account, Connect App, authorization or API key changes. For values made from those
        records alone (domain/access.py: the caller a request's credentials prove)."""
        ...

    def close(self) -> None: ...

    def ping(self) -> None:
        """One trivial round trip: raises if the database does not answer."""
        ...


class AccountStore(Protocol):
    def insert_account(self, account: Account) -> None: ...

    def get_account(self, sid: str) -> Account | None: ...

    def update_account(self, sid: str, changes: Mapping[str, object], now: datetime) -> Account | None:
        """Write only ``changes`` (field -> value); return the account as stored, or None if absent."""
        ...

    def count_accounts(self) -> int: ...

    def list_accounts(
        self, account_sid: str, request: PageRequest, friendly_name: str | None = None, status: str | None = None
    ) -> Page[Account]:
        """The account itself and its subaccounts, in SID order; optionally only this name or status."""
        ...

    def accounts_of_user(self, user_id: str) -> list[Account]:
        """The main accounts a person owns, in SID order."""
        ...


class ConnectAppStore(Protocol):
    def insert_connect_app(self, app: ConnectApp) -> None: ...

    def bulk_insert_connect_apps(self, apps: Iterable[ConnectApp]) -> int:
        """Insert many apps in one transaction (seeding and benchmarks); return how many."""
        ...

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None: ...

    def find_connect_app(self, sid: str) -> ConnectApp | None:
        """The app with this SID, whoever owns it (for the consent page and delegated access)."""
        ...

    def update_connect_app(
        self, account_sid: str, sid: str, changes: ConnectAppChanges, now: datetime
    ) -> ConnectApp | None:
        """Write only ``changes`` (field -> value) and return the app as stored, or None if absent."""
        ...

    def list_connect_apps(self, account_sid: str, request: PageRequest) -> Page[ConnectApp]: ...

    def list_connect_app_versions(self, account_sid: str, request: PageRequest) -> Page[tuple[str, int]]:
        """The (sid, version) of each app on the page ``list_connect_apps`` would give."""
        ...

    def get_connect_apps(self, account_sid: str, sids: Sequence[str]) -> list[ConnectApp]:
        """Those of these apps the account owns, in any order; read from the database every time."""
        ...

    def delete_connect_app(self, account_sid: str, sid: str) -> bool:
        """Delete an app and its authorizations; False if there was no such app."""
        ...


class UserStore(Protocol):
    def insert_user(self, user: User, main_account: Account) -> None:
        """A person and their first main account, in one transaction."""
        ...

    def get_user(self, user_id: str) -> User | None: ...

    def get_user_by_email(self, email: str) -> User | None: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> bool:
        """Store a new password hash and end every session of the user, atomically; False if no such user."""
        ...


class AuthorizationStore(Protocol):
    def get_authorization(self, account_sid: str, connect_app_sid: str) -> Authorization | None: ...

    def get_authorization_by_subaccount(self, subaccount_sid: str) -> Authorization | None: ...

    def save_authorization(self, authorization: Authorization, new_subaccount: Account | None) -> Authorization:
        """Insert or re-activate an authorization (and create its subaccount, if given), atomically."""
        ...

    def end_authorization(
        self, account_sid: str, connect_app_sid: str, now: datetime, callback: Callback | None,
        close_subaccount: bool = False,
    ) -> Authorization | None:
        """End an active authorization and, in the same transaction, queue ``callback`` (if any) and
        close the subaccount (if asked). None if none was active."""
        ...

    def list_authorizations(self, account_sid: str, request: PageRequest) -> Page[Authorization]:
        """Active authorizations granted by an account, in ConnectApp SID order."""
        ...

    def authorizations_of_app(self, connect_app_sid: str) -> list[Authorization]:
        """Every authorization of one app (active and ended), by authorizing account."""
        ...

    def all_authorizations(self, account_sid: str | None = None) -> list[Authorization]: ...


class OutboxStore(Protocol):
    """The deauthorize callbacks waiting to be sent, and their attempts."""

    def due_callbacks(self, now: datetime, limit: int, skip_destinations: Collection[str] = ()) -> list[Callback]:
        """Up to ``limit`` callbacks due and free to claim, oldest due first, none going to
        ``skip_destinations``."""
        ...

    def claim_callbacks(
        self, owner: str, ids: Sequence[str], now: datetime, lease_until: datetime
    ) -> list[Callback]:
        """Lease those of ``ids`` still due and free to ``owner``; each gets a new claim number
        (``claims``), unique however many senders race; claim N logs attempt N."""
        ...

    def finish_claim(
        self, callback: Callback, attempt: CallbackAttempt | None, interrupted: CallbackAttempt,
        status: str, next_attempt_at: datetime | None, now: datetime,
    ) -> bool:
        """Log the claim's attempt (and ``interrupted`` for earlier claims that logged nothing), set
        the next state — a 2xx always, anything else only if no newer claim exists — and release the
        lease. True if this result decided the state; False, recording nothing, if the row is gone."""
        ...

    def get_callback(self, callback_id: str) -> Callback | None: ...

    def release_claims(self, owner: str, callbacks: Sequence[Callback]) -> int:
        """Undo ``owner``'s claims of ``callbacks``, never sent (it is stopping); how many were released."""
        ...

    def outbox_summary(self) -> tuple[int, datetime | None]:
        """(pending callbacks, when the oldest of them was queued): the outbox's depth and age."""
        ...

    def list_callbacks(self, connect_app_sid: str | None = None) -> list[Callback]:
        """Callbacks, newest first; of one app if given."""
        ...

    def callback_attempts(self, callback_id: str) -> list[CallbackAttempt]: ...

    def hurry_callbacks(self, now: datetime) -> int:
        """Make every pending, unleased callback due ``now`` (no backoff wait); how many were moved."""
        ...

class ResourceStore(Protocol):
    """The spec-driven resources (domain/resources/)."""

    def insert_resources(self, resources: Sequence[Resource]) -> bool:
        """Insert rows together; False (and nothing written) if any of them already exists."""
        ...

    def get_resource(self, account_sid: str, kind: str, sid: str, scope: str | None) -> Resource | None:
        """One row; ``scope`` None: under whichever parent it was created."""
        ...

    def list_resources(
        self, account_sid: str, kind: str, request: PageRequest, scope: str | None = None,
        matches: Sequence[Match] = (),
    ) -> Page[Resource]:
        """A page in SID order: of one parent's children (``scope``) or account-wide, optionally
        only rows whose properties satisfy ``matches``."""
        ...

    def count_resources(self, account_sid: str, kind: str, scope: str | None = None) -> int: ...

    def update_resource(
        self, account_sid: str, kind: str, sid: str, scope: str | None,
        change: Callable[[Resource], Mapping[str, Any]], now: datetime,
    ) -> Resource | None:
        """Replace a row's data with ``change(row)``, read and written under one lock; None if absent."""
        ...

    def delete_resource(self, account_sid: str, kind: str, sid: str, scope: str | None) -> bool: ...


class SettingsStore(Protocol):
    def setting(self, name: str, default: Callable[[], str]) -> str:
        """A server-wide setting, created with ``default()`` by whoever asks first."""
        ...


class SessionStore(Protocol):
    """Signed-in web sessions (ids as stored: the SHA-256 of the cookie's id)."""

    def insert_web_session(self, session: WebSession, keep: int) -> None:
        """Remember a signed-in session; drop expired ones and the user's oldest beyond ``keep``."""
        ...

    def web_session_user(self, session_id: str, user_id: str, now: datetime) -> User | None:
        """The user of this live session, or None if it ended or expired: one indexed read."""
        ...

    def delete_web_session(self, session_id: str) -> None: ...

    def delete_web_sessions(self, user_id: str) -> None:
        """End every session of a user."""
        ...

    def count_web_sessions(self, user_id: str, now: datetime) -> int: ...


class ThrottleStore(Protocol):
    """Sign-in throttle counters."""

    def count_sign_in_attempt(
        self, key: str, now: datetime, stale_before: datetime, next_at: Sequence[datetime]
    ) -> Throttle | None:
        """Atomically count one attempt on ``key`` unless its backoff is running (then None).

        ``next_at[n - 1]`` is when the attempt after the n-th may come (the last entry serves
        every later one); a counter untouched since ``stale_before`` starts again from 1.
        """
        ...

    def get_sign_in_throttle(self, key: str) -> Throttle | None: ...

    def clear_sign_in_throttle(self, key: str) -> None: ...

    def forget_sign_in_throttles(self, before: datetime) -> None:
        """Drop the counters untouched since ``before``."""
        ...


class ListingStore(Protocol):
    """What the console and the command line read: lists for people (store/listing.py)."""

    def all_accounts(self) -> list[Account]:
        """Every account, main accounts and subaccounts, oldest first."""
        ...

    def all_users(self) -> list[User]:
        """Every person who signs in, oldest first."""
        ...

    def all_connect_apps(self, account_sid: str | None = None) -> list[ConnectApp]:
        """Every Connect App (of one owner account, if given), oldest first."""
        ...

    def browse_subaccounts(self, main_sid: str, query: ListQuery) -> Listing[Account]: ...

    def browse_connect_apps(self, main_sid: str, query: ListQuery) -> Listing[ConnectApp]:
        """Apps owned by a main account or any of its subaccounts."""
        ...

    def browse_grants(self, main_sid: str, query: ListQuery) -> Listing[Grant]:
        """Active authorizations granted by a main account or its subaccounts, with their apps."""
        ...

    def browse_deliveries(self, main_sid: str, query: ListQuery) -> Listing[Delivery]:
        """Deauthorize callbacks of the apps a main account or its subaccounts own."""
        ...


class ConnectStore(AccountStore, ConnectAppStore, AuthorizationStore, Protocol):
    """Accounts, their apps and the authorizations between them: what the Connect rules
    (access, accounts, connect_apps, authorizations) read and write together."""


class Store(
    SchemaStore, ConnectStore, UserStore, OutboxStore, ResourceStore, SettingsStore, SessionStore,
    ThrottleStore, ListingStore, KeyStore, SnapshotStore, SeedStore, Protocol,
):
    """Every role: what a backend implements and what the server hands its parts."""
