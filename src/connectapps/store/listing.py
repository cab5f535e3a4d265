"""Lists for people: the console's searched, sorted, numbered pages and the command line's lists.

The REST API pages in SID order by keyset (base.py); a person instead wants the newest first,
a search by name or SID, and "page 3 of 7". Each list here is one page query and one count,
both over the same WHERE, scoped to one main account and its subaccounts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from connectapps.domain.listing import NAME, OLDEST, Delivery, Grant, Listing, ListQuery
from connectapps.domain.models import ACTIVE, Account, ConnectApp, User
from connectapps.store.base import SqlBase
from connectapps.store.rows import ACCOUNTS, AUTHORIZATIONS, CALLBACKS, CONNECT_APPS, USERS, Row, Table


class Listings(Protocol):
    """What the console and the command line read; part of every Store."""

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


@dataclass(frozen=True, slots=True)
class _List:
    """One browsable list: its FROM clause and the columns searched and sorted by."""

    source: str
    name: str
    sid: str
    date: str
    key: str


def _columns(table: Table[Any], alias: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in table.columns)


_SCOPE = "(SELECT sid FROM accounts WHERE sid = ? OR owner_account_sid = ?)"
_SUBACCOUNTS = _List("accounts s", "s.friendly_name", "s.sid", "s.date_created", "s.sid")
_APPS = _List("connect_apps c", "c.friendly_name", "c.sid", "c.date_created", "c.sid")
_GRANTS = _List("authorizations a JOIN connect_apps c ON c.sid = a.connect_app_sid",
                "c.friendly_name", "c.sid", "a.date_updated", "c.sid")
_DELIVERIES = _List("callbacks b JOIN connect_apps c ON c.sid = b.connect_app_sid",
                    "c.friendly_name", "c.sid", "b.date_created", "b.id")


class ListingSql(SqlBase):
    """The Listings in SQL shared by both backends."""

    def _every(self, table: Table[Any], where: str = "", params: Sequence[object] = ()) -> list[Row]:
        return self._query(self._sql(f"{table.select}{where} ORDER BY date_created, {table.key}"), params)

    def all_accounts(self) -> list[Account]:
        return [ACCOUNTS.from_row(r) for r in self._every(ACCOUNTS)]

    def all_users(self) -> list[User]:
        return [USERS.from_row(r) for r in self._every(USERS)]

    def all_connect_apps(self, account_sid: str | None = None) -> list[ConnectApp]:
        where, params = (" WHERE account_sid = ?", (account_sid,)) if account_sid else ("", ())
        return [CONNECT_APPS.from_row(r) for r in self._every(CONNECT_APPS, where, params)]

    def _browse(
        self, spec: _List, select: str, where: str, params: Sequence[object], query: ListQuery
    ) -> tuple[list[Row], int]:
        """One page of ``spec``'s rows matching ``where`` and the search, and how many match in all."""
        conditions, values = [where], list(params)
        pattern, prefix = query.name_pattern, query.sid_prefix
        if pattern is not None:
            searched = f"LOWER(COALESCE({spec.name}, '')) LIKE ? ESCAPE '!'"
            values.append(pattern)
            if prefix is not None:
                searched += f" OR {spec.sid} LIKE ?"
                values.append(prefix + "%")
            conditions.append(f"({searched})")
        body = f"FROM {spec.source} WHERE {' AND '.join(conditions)}"
        if query.sort == NAME:
            order = f"LOWER(COALESCE({spec.name}, {spec.sid})), {spec.key}"
        else:
            direction = "" if query.sort == OLDEST else " DESC"
            order = f"{spec.date}{direction}, {spec.key}{direction}"
        total = int(self._query(self._sql(f"SELECT COUNT(*) {body}"), values)[0][0])
        rows = self._query(self._sql(f"SELECT {select} {body} ORDER BY {order} LIMIT ? OFFSET ?"),
                           [*values, query.size, query.offset])
        return rows, total

    def browse_subaccounts(self, main_sid: str, query: ListQuery) -> Listing[Account]:
        rows, total = self._browse(_SUBACCOUNTS, _columns(ACCOUNTS, "s"), "s.owner_account_sid = ?",
                                   (main_sid,), query)
        return Listing([ACCOUNTS.from_row(r) for r in rows], total, query)

    def browse_connect_apps(self, main_sid: str, query: ListQuery) -> Listing[ConnectApp]:
        rows, total = self._browse(_APPS, _columns(CONNECT_APPS, "c"), f"c.account_sid IN {_SCOPE}",
                                   (main_sid, main_sid), query)
        return Listing([CONNECT_APPS.from_row(r) for r in rows], total, query)

    def browse_grants(self, main_sid: str, query: ListQuery) -> Listing[Grant]:
        select = f"{_columns(AUTHORIZATIONS, 'a')}, {_columns(CONNECT_APPS, 'c')}"
        rows, total = self._browse(_GRANTS, select, f"a.account_sid IN {_SCOPE} AND a.status = ?",
                                   (main_sid, main_sid, ACTIVE), query)
        split = len(AUTHORIZATIONS.columns)
        grants = [Grant(AUTHORIZATIONS.from_row(r[:split]), CONNECT_APPS.from_row(r[split:])) for r in rows]
        return Listing(grants, total, query)

    def browse_deliveries(self, main_sid: str, query: ListQuery) -> Listing[Delivery]:
        select = f"{_columns(CALLBACKS, 'b')}, {_columns(CONNECT_APPS, 'c')}"
        rows, total = self._browse(_DELIVERIES, select, f"c.account_sid IN {_SCOPE}",
                                   (main_sid, main_sid), query)
        split = len(CALLBACKS.columns)
        deliveries = [Delivery(CALLBACKS.from_row(r[:split]), CONNECT_APPS.from_row(r[split:])) for r in rows]
        return Listing(deliveries, total, query)
