"""The console's lists in the store, on both backends: scope, search by name or SID, sort, pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connectapps.domain import accounts, authorizations, connect_apps, listing
from connectapps.domain.listing import ListQuery
from connectapps.domain.models import Account, ConnectApp
from connectapps.domain.store import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def app_at(store: Store, account: Account, name: str | None, minutes: int) -> ConnectApp:
    """An app created ``minutes`` after T0 (so the order by date is known)."""
    app = connect_apps.new_connect_app(account.sid, {"friendly_name": name or ""})
    app = replace(app, date_created=T0 + timedelta(minutes=minutes), date_updated=T0 + timedelta(minutes=minutes))
    store.insert_connect_app(app)
    return app


def names(items: list[ConnectApp]) -> list[str | None]:
    return [a.friendly_name for a in items]


def test_apps_are_scoped_to_a_main_account_and_its_subaccounts(store: Store) -> None:
    main = accounts.create(store, "Main")
    sub = accounts.create(store, "Sub", owner_account_sid=main.sid)
    other = accounts.create(store, "Other")
    mine = [app_at(store, main, "In main", 1), app_at(store, sub, "In sub", 2)]
    app_at(store, other, "Not mine", 3)
    found = store.browse_connect_apps(main.sid, ListQuery())
    assert [a.sid for a in found.items] == [mine[1].sid, mine[0].sid] and found.total == 2
    assert store.browse_connect_apps(sub.sid, ListQuery()).total == 1  # a subaccount's scope is itself


def test_sorts_and_pages(store: Store) -> None:
    main = accounts.create(store, "Main")
    made = [app_at(store, main, f"App {n:02d}", n) for n in range(25)]
    nameless = app_at(store, main, None, 30)
    first = store.browse_connect_apps(main.sid, ListQuery())
    assert first.total == 26 and first.pages == 2 and first.next_page == 2 and first.previous_page is None
    assert [a.sid for a in first.items] == [nameless.sid, *[a.sid for a in reversed(made)][:19]]
    second = store.browse_connect_apps(main.sid, ListQuery(page=2))
    assert names(second.items) == [f"App {n:02d}" for n in range(5, -1, -1)]
    assert (second.first, second.last, second.next_page, second.previous_page) == (21, 26, None, 1)
    oldest = store.browse_connect_apps(main.sid, ListQuery(sort=listing.OLDEST))
    assert names(oldest.items)[:3] == ["App 00", "App 01", "App 02"]
    by_name = store.browse_connect_apps(main.sid, ListQuery(sort=listing.NAME, size=30))
    # A nameless app sorts by its SID ("CN…"), after "App …" (case-insensitively).
    assert names(by_name.items) == [f"App {n:02d}" for n in range(25)] + [None]
    beyond = store.browse_connect_apps(main.sid, ListQuery(page=5))
    assert beyond.items == [] and beyond.total == 26 and beyond.previous_page == 2


def test_search_by_name_anywhere_ignoring_case_or_by_sid_prefix(store: Store) -> None:
    main = accounts.create(store, "Main")
    tracker = app_at(store, main, "Call Tracker", 1)
    app_at(store, main, "Billing", 2)
    percent = app_at(store, main, "100% uptime_bot", 3)

    def search(text: str) -> list[str]:
        return [a.sid for a in store.browse_connect_apps(main.sid, listing.parse(text, None, None)).items]

    assert search("tracker") == [tracker.sid]
    assert search("  CALL   track ") == [tracker.sid]  # spaces collapse, as a person means them
    assert search("calltrack") == []
    assert search(tracker.sid[:12]) == [tracker.sid]
    assert search(tracker.sid.upper()) == [tracker.sid]  # a SID typed in capitals
    assert search("%") == [percent.sid] and search("_") == [percent.sid]  # literal, not wildcards
    assert search("0% up") == [percent.sid]
    assert search("nothing like it") == []
    assert store.browse_connect_apps(main.sid, listing.parse("i", None, None)).total == 2  # Billing, uptime


def test_grants_with_their_apps_searched_by_app_name(store: Store) -> None:
    developer = accounts.create(store, "Developer")
    user = accounts.create(store, "User")
    granted = []
    for name in ("Zeta", "alpha", "Beta"):
        app = connect_apps.create(store, developer.sid, {"friendly_name": name,
                                                          "authorize_redirect_url": "https://e.example/a"})
        authorizations.authorize(store, app, user)
        granted.append(app)
    authorizations.revoke(store, user.sid, granted[0].sid)  # ended: no longer listed
    found = store.browse_grants(user.sid, ListQuery(sort=listing.NAME))
    assert [g.app.friendly_name for g in found.items] == ["alpha", "Beta"] and found.total == 2
    assert all(g.authorization.account_sid == user.sid for g in found.items)
    assert [g.app.sid for g in store.browse_grants(user.sid, listing.parse("BET", None, None)).items] == [
        granted[2].sid]
    assert store.browse_grants(developer.sid, ListQuery()).total == 0


def test_subaccounts_and_deliveries(store: Store) -> None:
    developer = accounts.create(store, "Developer")
    user = accounts.create(store, "User")
    app = connect_apps.create(store, developer.sid, {
        "friendly_name": "Tracker", "authorize_redirect_url": "https://e.example/a",
        "deauthorize_callback_url": "https://e.example/d"})
    authorization = authorizations.authorize(store, app, user)
    accounts.create(store, "Reporting", owner_account_sid=user.sid)
    subs = store.browse_subaccounts(user.sid, ListQuery(sort=listing.NAME))
    assert [a.friendly_name for a in subs.items] == ["Reporting", "Subaccount for ConnectApp: Tracker"]
    assert [a.sid for a in store.browse_subaccounts(user.sid, listing.parse("report", None, None)).items] == [
        subs.items[0].sid]
    authorizations.revoke(store, user.sid, app.sid)
    [delivery] = store.browse_deliveries(developer.sid, ListQuery()).items
    assert (delivery.app.sid, delivery.callback.account_sid) == (app.sid, authorization.subaccount_sid)
    assert store.browse_deliveries(user.sid, ListQuery()).total == 0  # the user's apps had none


def test_list_parameters_from_a_url_are_bounded() -> None:
    assert listing.parse(None, None, None) == ListQuery()
    assert listing.parse("  a  b ", "name", "3") == ListQuery("a b", listing.NAME, 3)
    assert listing.parse("x" * 500, "DROP TABLE", "99999999999").search == "x" * listing.SEARCH_MAX
    assert listing.parse(None, "DROP TABLE", "99999999999") == ListQuery()
    assert listing.parse(None, None, "-1").page == 1 and listing.parse(None, None, "0").page == 1
    assert listing.parse(None, None, "1000001").page == listing.MAX_PAGE


def test_counting_stops_at_the_limit_and_paging_goes_on(store: Store) -> None:
    from connectapps import dev

    main = accounts.create(store, "Main")
    store.bulk_insert_connect_apps(dev.sample_apps(main.sid, listing.COUNT_LIMIT + 30))
    first = store.browse_connect_apps(main.sid, ListQuery())
    assert (first.total, first.exact, first.next_page) == (listing.COUNT_LIMIT, False, 2)
    last_counted = store.browse_connect_apps(main.sid, ListQuery(page=listing.COUNT_LIMIT // 20))
    assert last_counted.next_page == listing.COUNT_LIMIT // 20 + 1  # more beyond the count: go on
    beyond = store.browse_connect_apps(main.sid, ListQuery(page=listing.COUNT_LIMIT // 20 + 2))
    assert len(beyond.items) == 10 and beyond.next_page is None
    searched = store.browse_connect_apps(main.sid, listing.parse("bulk app 1", None, None))
    # "Bulk app 1", 10-19, 100-199, 1000-1999, 10000-10029
    assert (searched.total, searched.exact, len(searched.items)) == (1 + 10 + 100 + 1000 + 30, True, 20)


def test_page_numbers_reach_no_deeper_than_the_depth_limit() -> None:
    """No URL makes the database skip more than DEPTH_LIMIT rows; the last reachable page says so."""
    deepest = ListQuery(page=listing.MAX_PAGE)
    assert deepest.offset + deepest.size == listing.DEPTH_LIMIT
    assert listing.parse(None, None, str(listing.MAX_PAGE + 1)).page == listing.MAX_PAGE
    beyond = listing.Listing(list(range(20)), listing.COUNT_LIMIT, deepest, exact=False)
    assert (beyond.next_page, beyond.at_depth_limit) == (None, True)
    ends_there = listing.Listing(list(range(20)), listing.DEPTH_LIMIT, deepest, exact=True)
    assert (ends_there.next_page, ends_there.at_depth_limit) == (None, False)
    before = listing.Listing(list(range(20)), listing.COUNT_LIMIT, deepest.at_page(listing.MAX_PAGE - 1), exact=False)
    assert (before.next_page, before.at_depth_limit) == (listing.MAX_PAGE, False)


def test_the_deepest_page_tells_how_to_reach_the_rest() -> None:
    from connectapps.web import pages

    deepest = ListQuery(page=listing.MAX_PAGE)

    class View:
        """What the pager macro reads of a console list page."""

        listing = listing.Listing(list(range(20)), listing.COUNT_LIMIT, deepest, exact=False)
        query = deepest

        def url(self, **params: object) -> str:
            return f"/console/apps?page={params.get('page')}"

    pager = pages._templates().get_template("console_ui.html").module.pager  # type: ignore[attr-defined]
    shown = str(pager(View(), "apps"))
    assert "Pages go no deeper than this" in shown and 'rel="next"' not in shown
    View.listing = listing.Listing(list(range(20)), listing.COUNT_LIMIT, ListQuery(page=2), exact=False)
    assert "Pages go no deeper" not in str(pager(View(), "apps"))
