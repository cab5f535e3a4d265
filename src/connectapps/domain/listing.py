"""How a person browses a long list in the console: search by name or SID, sort, page by number.

Every value comes from a URL a stranger can write, so each is bounded here: the search text's
length, the sort (one of ``SORTS``, else the default, newest first), the page number — at most
``MAX_PAGE``, so that no URL makes the database skip more than ``DEPTH_LIMIT`` rows (an OFFSET
costs a row read per row skipped: page 40,000 of a million apps took 0.2 to 0.5 s). The other end
of a longer list is one sort away, and a search narrows it.
A search matches a name case-insensitively anywhere in it (ASCII letters only on SQLite, whose
``LOWER`` knows no others), or a SID by its beginning (``CN1f…``), whichever case it is typed in.
"""

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from connectapps.domain.models import Authorization, Callback, ConnectApp

T = TypeVar("T")

NEWEST = "newest"
OLDEST = "oldest"
NAME = "name"
SORTS = {NEWEST: "Newest first", OLDEST: "Oldest first", NAME: "Name (A to Z)"}
DEFAULT_SORT = NEWEST

PAGE_SIZE = 20
DEPTH_LIMIT = 100_000  # how deep into a list page numbers reach
MAX_PAGE = DEPTH_LIMIT // PAGE_SIZE
COUNT_LIMIT = 10_000  # lists count (and a search reads) at most this many; beyond, "10,000+"
SEARCH_MAX = 100
_SID_PREFIX = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{0,32}\Z")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Which part of a list to show: text searched for, sort, 1-based page number."""

    search: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def name_pattern(self) -> str | None:
        """A LIKE pattern (escape character ``!``) for names containing the search, lowercased."""
        if not self.search:
            return None
        escaped = self.search.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
        return f"%{escaped}%"

    @property
    def sid_prefix(self) -> str | None:
        """The search as the beginning of a SID (prefix upper-case, hex lower-case), if it can be one."""
        if not _SID_PREFIX.match(self.search):
            return None
        return self.search[:2].upper() + self.search[2:].lower()

    def at_page(self, page: int) -> "ListQuery":
        return ListQuery(self.search, self.sort, page, self.size)


def parse(search: str | None, sort: str | None, page: str | None) -> ListQuery:
    """A ListQuery from URL parameters; anything unusable falls back to the default."""
    text = " ".join((search or "").split())[:SEARCH_MAX]
    chosen = sort if sort in SORTS else DEFAULT_SORT
    number = int(page) if page and page.isdigit() and len(page) <= 7 else 1
    return ListQuery(text, chosen, min(max(number, 1), MAX_PAGE))


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """One page of a list, and how many items the whole (searched) list has: exactly, or — past
    ``COUNT_LIMIT``, where counting would cost more than the page — at least ``total``."""

    items: list[T]
    total: int
    query: ListQuery
    exact: bool = True

    @property
    def pages(self) -> int:
        """How many pages there are (at least, when the count is not exact)."""
        return max(1, -(-self.total // self.query.size), self.query.page if not self.exact else 1)

    @property
    def first(self) -> int:
        """The 1-based position of the first item shown (0 when none is)."""
        return self.query.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.query.offset + len(self.items)

    @property
    def previous_page(self) -> int | None:
        return min(self.query.page - 1, self.pages) if self.query.page > 1 else None

    @property
    def next_page(self) -> int | None:
        more = self.query.page < self.pages or (not self.exact and len(self.items) == self.query.size)
        return self.query.page + 1 if more and not self.at_depth_limit else None

    @property
    def at_depth_limit(self) -> bool:
        """This is the deepest page a URL can ask for, and the list may go on beyond it."""
        return self.query.page >= MAX_PAGE and (self.total > self.last or not self.exact)


@dataclass(frozen=True, slots=True)
class Grant:
    """An authorization together with the Connect App it authorizes (the console's rows)."""

    authorization: Authorization
    app: ConnectApp


@dataclass(frozen=True, slots=True)
class Delivery:
    """A deauthorize callback together with the Connect App it is about."""

    callback: Callback
    app: ConnectApp
