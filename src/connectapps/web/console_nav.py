"""Where a person is in the console: its sections, the main account shown, and list URLs.

The account shown is a URL parameter (``?account=AC…``), not session state, so every console URL
can be shared and the browser's back button returns to exactly what was shown. Without it the
console shows the person's first main account; a SID that is not one of theirs is a 404.
Lists carry their search, sort and page in the URL the same way (``?q=…&sort=…&page=…``).
"""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from connectapps.domain import users
from connectapps.domain.listing import DEFAULT_SORT, SORTS, Listing, ListQuery
from connectapps.domain.models import Account, User
from connectapps.domain.store import Store
from connectapps.web.console_data import ACCOUNT_NOT_FOUND

T = TypeVar("T")
CONSOLE = "/console"
ACCOUNT_PARAM = "account"

ACCOUNTS = "accounts"
APPS = "apps"
AUTHORIZED = "authorized"
DELIVERIES = "deliveries"
# (key, label, path), in the order the navigation shows them.
SECTIONS = (
    (ACCOUNTS, "Accounts", CONSOLE),
    (APPS, "Connect Apps", f"{CONSOLE}/apps"),
    (AUTHORIZED, "Authorized apps", f"{CONSOLE}/authorized"),
    (DELIVERIES, "Delivery log", f"{CONSOLE}/deliveries"),
)
PATHS = {key: path for key, _, path in SECTIONS}


@dataclass(frozen=True, slots=True)
class Scope:
    """The main account the console shows, and all of the person's main accounts (SID order)."""

    account: Account
    accounts: list[Account]

    @property
    def params(self) -> dict[str, str]:
        """The URL parameter that keeps this account shown (none for the default, the first one)."""
        return {} if self.account.sid == self.accounts[0].sid else {ACCOUNT_PARAM: self.account.sid}


def choose_scope(store: Store, user: User, requested: str | None) -> Scope | None:
    """The main account ``?account=`` asks for (a 404 page if it is not the user's); None if the
    user has no main account at all."""
    accounts = store.accounts_of_user(user.id)
    if not requested:
        return Scope(accounts[0], accounts) if accounts else None
    chosen = users.owns(store, user, requested)
    if chosen is None:
        raise ACCOUNT_NOT_FOUND
    return Scope(chosen, accounts)


def scope_of(store: Store, user: User, account_sid: str) -> Scope | None:
    """The scope holding ``account_sid`` (a main account, or a subaccount's main account)."""
    account = store.get_account(account_sid)
    main = account.owner_account_sid if account is not None and account.owner_account_sid else account_sid
    accounts = store.accounts_of_user(user.id)
    for candidate in accounts:
        if candidate.sid == main:
            return Scope(candidate, accounts)
    return Scope(accounts[0], accounts) if accounts else None


def with_params(path: str, params: dict[str, Any]) -> str:
    """``path`` with the non-empty ``params`` as its query."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class Nav:
    """The console's navigation: its sections (the current one marked) and the account switcher."""

    current: str
    scope: Scope | None

    @property
    def params(self) -> dict[str, str]:
        return self.scope.params if self.scope else {}

    @property
    def items(self) -> list[NavItem]:
        return [NavItem(label, with_params(path, self.params), key == self.current) for key, label, path in SECTIONS]

    @property
    def switch_to(self) -> str:
        """Where the account switcher goes: the current section's list."""
        return PATHS[self.current]

    def link(self, path: str, **params: Any) -> str:
        """A console URL that keeps the account shown."""
        return with_params(path, {**self.params, **params})

    def switch(self, account_sid: str) -> str:
        """The current section, showing another of the person's main accounts."""
        return with_params(self.switch_to, {ACCOUNT_PARAM: account_sid})


@dataclass(frozen=True, slots=True)
class ListView(Generic[T]):
    """One page of a searched, sorted list, and the URLs of its other pages and sorts."""

    path: str
    nav: Nav
    listing: Listing[T]
    sorts: tuple[tuple[str, str], ...] = tuple(SORTS.items())

    @property
    def query(self) -> ListQuery:
        return self.listing.query

    def url(self, page: int | None = None, sort: str | None = None, search: str | None = None) -> str:
        """This list's URL with the page, sort or search changed (a new sort or search starts at page 1)."""
        query = self.query
        chosen_sort = sort or query.sort
        number = page if page is not None else (1 if sort or search is not None else query.page)
        return self.nav.link(
            self.path,
            q=query.search if search is None else search,
            sort=None if chosen_sort == DEFAULT_SORT else chosen_sort,
            page=None if number == 1 else number,
        )
