"""A per-thread cache of single records that is never stale.

At the start of each request (and before any read outside one) the thread asks the database
for a version that changes whenever anything commits — SQLite's ``PRAGMA data_version``,
PostgreSQL's WAL insert position. If it moved, the thread's cache is dropped. So a cached record
is never older than the last commit before the request began, whichever thread, process or
machine made it. A thread's own writes also drop its cache (SQLite's data_version does not
count a connection's own commits): the records of the table a single statement writes, or every
record for a transaction or a statement this cannot read. Values made from the records (``remembered``:
the caller a request's credentials prove) are dropped with the records of any of their tables.
"""

import re
import threading
from abc import abstractmethod
from collections.abc import Callable
from typing import TypeVar

from connectapps.domain import meter
from connectapps.domain.keys import ApiKey
from connectapps.domain.models import Account, Authorization, ConnectApp, Page, PageRequest
from connectapps.store.sql import SqlStore

T = TypeVar("T")
CACHE_MAX_ENTRIES = 10_000
# List pages kept per thread, and the largest page kept: at most 100 x 100 (sid, version) pairs, ~2 MB,
# whatever PageSize (up to 1000) callers send. The SDKs' and Twilio's default page is 50.
PAGES_MAX = 100
PAGE_SIZE_KEPT = 100


_PAGES = "CN-pages"  # the Connect Apps list pages
_MADE = "made"  # values made from the records of all four tables (``remembered``)
# The tables cached entries come from, and the kinds (first item of a cache key) a write to each drops.
_KINDS = {"accounts": ("AC", _MADE), "connect_apps": ("CN", _PAGES, _MADE), "authorizations": ("AU", _MADE),
          "api_keys": ("SK", _MADE)}
_ABSENT = object()
_WRITTEN = re.compile(r"(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)\s", re.IGNORECASE)


class _CacheState(threading.local):
    version: object = None
    validated: bool = False  # checked against the database's version in this request
    entries: dict[str, dict[tuple[str, ...], object]]  # kind -> key -> record

    def __init__(self) -> None:
        self.entries = {kind: {} for kinds in _KINDS.values() for kind in kinds}

    def clear(self) -> None:
        for records in self.entries.values():
            records.clear()


class CachedSqlStore(SqlStore):
    cache_enabled = True

    def __init__(self) -> None:
        self._cache = _CacheState()

    @abstractmethod
    def _data_version(self) -> object:
        """A value that changes whenever any connection commits."""

    def _forget_own_writes(self, sql: str | None = None) -> None:
        """Drop what this thread's write may have changed: for one statement whose table is known,
        that table's records only (none for a table no record is cached from); else all of them."""
        written = _WRITTEN.match(sql) if sql is not None else None
        if written is None:
            self._cache.clear()
            return
        for kind in _KINDS.get(written.group(1).lower(), ()):
            self._cache.entries[kind].clear()

    def begin_request(self) -> None:
        if self.cache_enabled:
            self._validate()
            self._cache.validated = True

    def end_request(self) -> None:
        self._cache.validated = False

    def _validate(self) -> None:
        state = self._cache
        version = self._data_version()
        if version != state.version:
            state.clear()
            state.version = version

    def _cached(self, key: tuple[str, ...], load: Callable[[], T | None], limit: int = CACHE_MAX_ENTRIES) -> T | None:
        if not self.cache_enabled:
            return load()
        state = self._cache
        if not state.validated:
            self._validate()
        records = state.entries[key[0]]
        if key in records:
            meter.cache_lookup(True)
            return records[key]  # type: ignore[return-value]
        meter.cache_lookup(False)
        value = load()
        if value is not None:
            if len(records) >= limit:  # bounded per kind, checked only when one is added
                records.clear()
            records[key] = value
        return value

    def remembered(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """What ``make()`` gave for ``key`` before, in this thread, if no account, Connect App, authorization
        or API key has changed since, anywhere; else ``make()``, kept with the records (not if it raises)."""
        if not self.cache_enabled:
            return make()
        state = self._cache
        if not state.validated:
            self._validate()
        made = state.entries[_MADE]
        value = made.get(key, _ABSENT)
        if value is not _ABSENT:
            return value  # type: ignore[return-value]
        value = make()
        if len(made) >= CACHE_MAX_ENTRIES:
            made.clear()
        made[key] = value
        return value

    def get_account(self, sid: str) -> Account | None:
        return self._cached(("AC", sid), lambda: super(CachedSqlStore, self).get_account(sid))

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None:
        return self._cached(
            ("CN", account_sid, sid), lambda: super(CachedSqlStore, self).get_connect_app(account_sid, sid)
        )

    def find_connect_app(self, sid: str) -> ConnectApp | None:
        return self._cached(("CN", sid), lambda: super(CachedSqlStore, self).find_connect_app(sid))

    def list_connect_app_versions(self, account_sid: str, request: PageRequest) -> Page[tuple[str, int]]:
        """A page of (sid, version) pairs, as fresh as a record: a page asked again before anything
        commits is not read again (a list polled by a dashboard, the SDKs' first page)."""
        if request.size > PAGE_SIZE_KEPT:
            return super().list_connect_app_versions(account_sid, request)
        key = (_PAGES, account_sid, str(request.size), request.after or "", request.before or "", str(request.offset))
        page = self._cached(key, lambda: super(CachedSqlStore, self).list_connect_app_versions(account_sid, request),
                            PAGES_MAX)
        assert page is not None  # a page is never None
        return page

    def get_authorization_by_subaccount(self, subaccount_sid: str) -> Authorization | None:
        return self._cached(
            ("AU", subaccount_sid),
            lambda: super(CachedSqlStore, self).get_authorization_by_subaccount(subaccount_sid),
        )

    def get_key(self, sid: str) -> ApiKey | None:
        """An API key, as fresh as an account: deleting it ends its access on the next request anywhere."""
        return self._cached(("SK", sid), lambda: super(CachedSqlStore, self).get_key(sid))
