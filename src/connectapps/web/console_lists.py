"""The console's lists, one page each, for the main account shown (console_nav.Scope):

- ``GET /console``: the person's main accounts and the shown one's subaccounts;
- ``GET /console/apps``: Connect Apps the account (or a subaccount of it) owns;
- ``GET /console/authorized``: the apps authorized on it, each with Revoke;
- ``GET /console/deliveries``: the deauthorize callbacks of its apps.

Each is a table, newest first, searched by name or SID (``q``), sorted (``sort``) and numbered
(``page``) by URL parameters (domain/listing.py), so a list can be shared and Back works. An
empty list says what to do next.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import falcon

from connectapps.domain import authorizations, listing, sessions
from connectapps.domain.listing import Listing, ListQuery
from connectapps.domain.store import ListingStore
from connectapps.web.base import Web
from connectapps.web.console import ConsolePage, Visit, notice
from connectapps.web.console_nav import (
    ACCOUNT_PARAM,
    ACCOUNTS,
    APPS,
    AUTHORIZED,
    DELIVERIES,
    PATHS,
    ListView,
    Nav,
    Scope,
    choose_scope,
)

Loader = Callable[[ListingStore, str, ListQuery], Listing[Any]]


class ListPage(ConsolePage):
    """A console list: the scope from ``?account=``, the list query from ``?q=&sort=&page=``."""

    section: ClassVar[str]
    template: ClassVar[str]
    load: ClassVar[Loader]

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        visit = self.visit(req)
        scope = choose_scope(self.store, visit.user, req.get_param(ACCOUNT_PARAM))
        nav = Nav(self.section, scope)
        query = listing.parse(req.get_param("q"), req.get_param("sort"), req.get_param("page"))
        loader = type(self).load
        found = loader(self.store, scope.account.sid, query) if scope else Listing([], 0, query)
        self.show(resp, visit, self.template, nav=nav, scope=scope, notice=notice(req),
                  view=ListView(PATHS[self.section], nav, found), words=authorizations.PERMISSION_WORDS,
                  **self.extra(visit, scope))

    def extra(self, visit: Visit, scope: Scope | None) -> dict[str, Any]:
        """More for the template, if the page needs it."""
        return {}


def _subaccounts(store: ListingStore, main_sid: str, query: ListQuery) -> Listing[Any]:
    return store.browse_subaccounts(main_sid, query)


def _apps(store: ListingStore, main_sid: str, query: ListQuery) -> Listing[Any]:
    return store.browse_connect_apps(main_sid, query)


def _grants(store: ListingStore, main_sid: str, query: ListQuery) -> Listing[Any]:
    return store.browse_grants(main_sid, query)


def _deliveries(store: ListingStore, main_sid: str, query: ListQuery) -> Listing[Any]:
    return store.browse_deliveries(main_sid, query)


class AccountsPage(ListPage):
    """``GET /console``: your main accounts (tokens behind a click) and the shown one's subaccounts."""

    section, template, load = ACCOUNTS, "console.html", _subaccounts

    def extra(self, visit: Visit, scope: Scope | None) -> dict[str, Any]:
        """How many browsers the person is signed in on, beside "Sign out everywhere"."""
        return {"sessions": sessions.count(self.store, visit.user.id, datetime.now(UTC))}


class AppsPage(ListPage):
    """``GET /console/apps``: your Connect Apps."""

    section, template, load = APPS, "console_apps.html", _apps


class AuthorizedPage(ListPage):
    """``GET /console/authorized``: the Connect Apps authorized on your account, each with Revoke."""

    section, template, load = AUTHORIZED, "console_authorized.html", _grants


class DeliveriesPage(ListPage):
    """``GET /console/deliveries``: the deauthorize callbacks of your apps, newest first."""

    section, template, load = DELIVERIES, "console_deliveries.html", _deliveries


def install(app: falcon.App[Any, Any], web: Web) -> None:
    for page in (AccountsPage, AppsPage, AuthorizedPage, DeliveriesPage):
        app.add_route(PATHS[page.section], page(web))
