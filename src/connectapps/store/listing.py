"""Lists for people: the console's searched, sorted, numbered pages and the command line's lists.

The REST API pages in SID order by keyset (base.py); a person instead wants the newest first,
a search by name or SID, and "page 3 of 7". Each list is scoped to a main account and its
subaccounts, narrowed first to the accounts that actually own rows (usually one), so that one
owner's index (migration 0007) gives the order: the first page of an account with a million
Connect Apps reads 20 index entries. Counting stops at ``COUNT_LIMIT`` ("10,000+"), and a search —
which no index can order — reads at most that many matching keys, once, and sorts only those.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from connectapps.domain.listing import COUNT_LIMIT, NAME, OLDEST, Delivery, Grant, Listing, ListQuery
from connectapps.domain.models import ACTIVE, Account, ConnectApp, User
from connectapps.domain.store import ListingStore
from connectapps.store.base import SqlBase
from connectapps.store.rows import ACCOUNTS, AUTHORIZATIONS, CALLBACKS, CONNECT_APPS, USERS, Row, Table

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _List:
    """One browsable list: its FROM clause, the column naming its owner account, the columns
    searched and sorted by, and its unique key.

    ``deferred`` lists can be long (a million Connect Apps in one account): a page's keys are read
    first, from an index alone, and only then those rows, so a deep page skips index entries
    rather than whole rows.
    """

    source: str
    owner: str
    sort_name: str  # lower-cased, as the name index (migration 0007) has it
    sid: str
    date: str
    key: str
    deferred: bool = False


def _marks(count: int) -> str:
    """``?, ?, …``: ``count`` placeholders."""
    return ", ".join("?" * count)


def _columns(table: Table[Any], alias: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in table.columns)


_APP_NAME = "LOWER(COALESCE(c.friendly_name, c.sid))"
_SUBACCOUNTS = _List("accounts s", "s.owner_account_sid", "LOWER(s.friendly_name)", "s.sid", "s.date_created",
                     "s.sid", deferred=True)
_APPS = _List("connect_apps c", "c.account_sid", _APP_NAME, "c.sid", "c.date_created", "c.sid", deferred=True)
_GRANTS = _List("authorizations a JOIN connect_apps c ON c.sid = a.connect_app_sid", "a.account_sid", _APP_NAME,
                "c.sid", "a.date_updated", "c.sid")
_DELIVERIES = _List("callbacks b JOIN connect_apps c ON c.sid = b.connect_app_sid", "c.account_sid", _APP_NAME,
                    "c.sid", "b.date_created", "b.id")
# The accounts of a main account's scope (itself and its subaccounts) that own a row of a table.
_OWNERS = ("SELECT o.sid FROM accounts o WHERE (o.sid = ? OR o.owner_account_sid = ?) "
           "AND EXISTS (SELECT 1 FROM {table} x WHERE x.account_sid = o.sid) ORDER BY o.sid")


class ListingSql(SqlBase, ListingStore):
    """The ListingStore role (domain/store.py) in SQL shared by both backends."""

    def _every(self, table: Table[Any], where: str = "", params: Sequence[object] = ()) -> list[Row]:
        return self._query(f"{table.select}{where} ORDER BY date_created, {table.key}", params)

    def all_accounts(self) -> list[Account]:
        return [ACCOUNTS.from_row(r) for r in self._every(ACCOUNTS)]

    def all_users(self) -> list[User]:
        return [USERS.from_row(r) for r in self._every(USERS)]

    def all_connect_apps(self, account_sid: str | None = None) -> list[ConnectApp]:
        where, params = (" WHERE account_sid = ?", (account_sid,)) if account_sid else ("", ())
        return [CONNECT_APPS.from_row(r) for r in self._every(CONNECT_APPS, where, params)]

    def _owners(self, main_sid: str, table: str) -> list[str]:
        """Which accounts of ``main_sid``'s scope own rows of ``table`` (by its ``account_sid``)."""
        return [row[0] for row in self._query(_OWNERS.format(table=table), (main_sid, main_sid))]

    def _browse(
        self, spec: _List, select: str, owners: Sequence[str], query: ListQuery, where: str = "",
        params: Sequence[object] = (),
    ) -> tuple[list[Row], int]:
        """One page of ``spec``'s rows of ``owners`` matching ``where`` and the search, and how many
        match in all — at most ``COUNT_LIMIT`` + 1, one more meaning "more than that"."""
        if not owners:
            return [], 0
        one = len(owners) == 1
        conditions = [f"{spec.owner} = ?" if one else f"{spec.owner} IN ({_marks(len(owners))})"]
        values: list[object] = [*owners, *params]
        if where:
            conditions.append(where)
        pattern, prefix = query.name_pattern, query.sid_prefix
        if pattern is not None:
            searched = f"{spec.sort_name} LIKE ? ESCAPE '!'" + (f" OR {spec.sid} LIKE ?" if prefix else "")
            values += [pattern, prefix + "%"] if prefix else [pattern]
            conditions.append(f"({searched})")
        body = f"FROM {spec.source} WHERE {' AND '.join(conditions)}"
        direction = "" if query.sort in (OLDEST, NAME) else " DESC"
        first = spec.sort_name if query.sort == NAME else spec.date
        page = f"ORDER BY {first}{direction}, {spec.key}{direction} LIMIT ? OFFSET ?"
        if spec.deferred and pattern is not None:
            # No index orders a search: read the matching keys once (bounded) and sort only those,
            # by the values the database computed (names as its LOWER() gives them, in code-point order).
            found = self._query(f"SELECT {spec.key}, {spec.date}, {spec.sort_name} {body} LIMIT ?",
                                [*values, COUNT_LIMIT + 1])
            total = len(found)
            sort_by = 2 if query.sort == NAME else 1
            ordered = sorted(found[:COUNT_LIMIT], key=lambda r: (r[sort_by], r[0]), reverse=bool(direction))
            keys = [r[0] for r in ordered[query.offset:query.offset + query.size]]
        else:
            counted = f"SELECT COUNT(*) FROM (SELECT 1 {body} LIMIT ?) matched"
            total = int(self._query(counted, [*values, COUNT_LIMIT + 1])[0][0])
            if not total:
                return [], 0
            if not spec.deferred:
                rows = self._query(f"SELECT {select} {body} {page}", [*values, query.size, query.offset])
                return rows, total
            keys = [r[0] for r in self._query(f"SELECT {spec.key} {body} {page}",
                                              [*values, query.size, query.offset])]
        if not keys:
            return [], total
        rows = self._query(f"SELECT {select} FROM {spec.source} WHERE {spec.key} IN ({_marks(len(keys))})",
                           keys)
        position = {key: n for n, key in enumerate(keys)}
        key_column = select.split(", ").index(spec.key)
        return sorted(rows, key=lambda row: position[row[key_column]]), total

    def _listing(self, items: list[T], total: int, query: ListQuery) -> Listing[T]:
        return Listing(items, min(total, COUNT_LIMIT), query, exact=total <= COUNT_LIMIT)

    def browse_subaccounts(self, main_sid: str, query: ListQuery) -> Listing[Account]:
        rows, total = self._browse(_SUBACCOUNTS, _columns(ACCOUNTS, "s"), [main_sid], query)
        return self._listing([ACCOUNTS.from_row(r) for r in rows], total, query)

    def browse_connect_apps(self, main_sid: str, query: ListQuery) -> Listing[ConnectApp]:
        rows, total = self._browse(_APPS, _columns(CONNECT_APPS, "c"), self._owners(main_sid, "connect_apps"), query)
        return self._listing([CONNECT_APPS.from_row(r) for r in rows], total, query)

    def browse_grants(self, main_sid: str, query: ListQuery) -> Listing[Grant]:
        select = f"{_columns(AUTHORIZATIONS, 'a')}, {_columns(CONNECT_APPS, 'c')}"
        owners = self._owners(main_sid, "authorizations")
        rows, total = self._browse(_GRANTS, select, owners, query, "a.status = ?", (ACTIVE,))
        split = len(AUTHORIZATIONS.columns)
        grants = [Grant(AUTHORIZATIONS.from_row(r[:split]), CONNECT_APPS.from_row(r[split:])) for r in rows]
        return self._listing(grants, total, query)

    def browse_deliveries(self, main_sid: str, query: ListQuery) -> Listing[Delivery]:
        select = f"{_columns(CALLBACKS, 'b')}, {_columns(CONNECT_APPS, 'c')}"
        rows, total = self._browse(_DELIVERIES, select, self._owners(main_sid, "connect_apps"), query)
        split = len(CALLBACKS.columns)
        deliveries = [Delivery(CALLBACKS.from_row(r[:split]), CONNECT_APPS.from_row(r[split:])) for r in rows]
        return self._listing(deliveries, total, query)
