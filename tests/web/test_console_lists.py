"""The console's lists over HTTP: pages, sorts and searches in shareable URLs; the navigation, the
account switcher, copy buttons and empty states that say what to do next."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from markupsafe import escape

from connectapps.domain.models import ConnectApp
from tests.conftest import Server
from tests.web.console_helpers import APP_FIELDS, authorize, make_world, signed_in
from tests.web.helpers import Browser

TO = "\u2013"  # the en dash between the first and last item shown
APP_LINK = re.compile(r'<a class="app-link" href="/console/apps/(CN[0-9a-f]{32})">')
NAV = re.compile(r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+)</a></li>')


def shown_apps(html: str) -> list[str]:
    return APP_LINK.findall(html)


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)">', html)
    return unescape(match.group(1)) if match else None


def test_apps_newest_first_in_numbered_pages_whose_urls_can_be_shared(server: Server) -> None:
    browser, person = signed_in(server)
    apps = [server.app(person.account, friendly_name=f"App {n:02d}") for n in range(45)]
    newest_first = [a.sid for a in reversed(apps)]
    first = browser.get("/console/apps").text
    assert shown_apps(first) == newest_first[:20]
    assert f"1{TO}20 of 45 Connect Apps" in first and "Page 1 of 3" in first
    assert link(first, "prev") is None and link(first, "next") == "/console/apps?page=2"
    second_url = link(first, "next")
    assert second_url is not None
    second = browser.get(second_url).text
    assert shown_apps(second) == newest_first[20:40] and link(second, "prev") == "/console/apps"
    third = browser.get("/console/apps?page=3").text
    assert shown_apps(third) == newest_first[40:] and f"41{TO}45 of 45" in third and link(third, "next") is None
    # The same URL gives the same page to another visit (a shared link, the back button).
    assert shown_apps(browser.get(second_url).text) == newest_first[20:40]
    beyond = browser.get("/console/apps?page=9").text
    assert shown_apps(beyond) == [] and "There is nothing on page 9" in beyond
    assert '<a href="/console/apps?page=3">Go to the last page (3)</a>' in beyond


def test_sort_and_search_are_kept_by_the_pages_and_the_search_form(server: Server) -> None:
    browser, person = signed_in(server)
    apps = [server.app(person.account, friendly_name=f"{'Tracker' if n % 2 else 'Billing'} {n:02d}")
            for n in range(50)]
    trackers = [a for a in apps if (a.friendly_name or "").startswith("Tracker")]
    page = browser.get("/console/apps", params={"q": "TRACK", "sort": "oldest"}).text
    assert shown_apps(page) == [a.sid for a in trackers[:20]] and f"1{TO}20 of 25 Connect Apps" in page
    assert link(page, "next") == "/console/apps?q=TRACK&sort=oldest&page=2"
    assert 'value="TRACK"' in page and '<option value="oldest" selected>' in page
    assert '<a class="clear" href="/console/apps?sort=oldest">Clear search</a>' in page
    by_name = browser.get("/console/apps", params={"sort": "name"}).text
    assert shown_apps(by_name) == [a.sid for a in sorted(apps, key=lambda a: a.friendly_name or "")][:20]
    by_sid = browser.get("/console/apps", params={"q": apps[7].sid[:14]}).text
    assert shown_apps(by_sid) == [apps[7].sid]
    none = browser.get("/console/apps", params={"q": "<b>nothing</b>"}).text
    assert "No Connect Apps match “&lt;b&gt;nothing&lt;/b&gt;”" in none
    assert '<a href="/console/apps">Show all Connect Apps</a>' in none


def test_unusable_list_parameters_fall_back_to_the_default(server: Server) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, friendly_name="Only")
    for params in ({"page": "abc"}, {"page": "99999999999999999999"}, {"sort": "1; DROP TABLE"}, {"page": "-2"}):
        resp = browser.get("/console/apps", params=params)
        assert resp.status_code == 200 and shown_apps(resp.text) == [app.sid], params
    long = browser.get("/console/apps", params={"q": "x" * 5000})
    assert long.status_code == 200 and 'maxlength="100"' in long.text and "x" * 101 not in long.text


def test_authorized_apps_and_subaccounts_are_searched_and_paged_too(server: Server) -> None:
    browser, person = signed_in(server)
    developer = server.account("Developer")
    granted: list[ConnectApp] = []
    for n in range(23):
        app = server.app(developer, **{**APP_FIELDS, "friendly_name": f"Granted {n:02d}"})
        authorize(browser, app, person.account.sid)
        granted.append(app)
    page = browser.get("/console/authorized").text
    assert page.count('class="button danger"') == 20 and f"1{TO}20 of 23 authorized apps" in page
    assert "Granted 22" in page and "Granted 02" not in page  # newest first
    found = browser.get("/console/authorized", params={"q": "granted 05"}).text
    assert found.count('class="button danger"') == 1 and granted[5].sid in found
    subs = browser.get("/console", params={"q": "Granted 1", "sort": "name"}).text
    listed = re.findall(r"Subaccount for ConnectApp: Granted (\d\d)", subs)
    assert listed == [f"{n}" for n in range(10, 20)]
    assert "10 of 10 subaccounts" in subs


def test_the_navigation_shows_where_you_are(server: Server) -> None:
    world = make_world(server)
    pages = {
        "/console": "Accounts", "/console/apps": "Connect Apps", "/console/authorized": "Authorized apps",
        "/console/deliveries": "Delivery log", f"/console/apps/{world.app.sid}": "Connect Apps",
        "/console/apps/new": "Connect Apps",
        f"/console/authorizations/{world.owner.account.sid}/{world.granted.sid}/revoke": "Authorized apps",
    }
    for path, current in pages.items():
        items = NAV.findall(world.owner_browser.get(path).text)
        assert [label for _, _, label in items] == ["Accounts", "Connect Apps", "Authorized apps", "Delivery log"]
        assert [label for _, mark, label in items if mark] == [current], path
    # One account: no switcher, just its name.
    page = world.owner_browser.get("/console").text
    assert 'id="account-switcher"' not in page
    assert f'Account: <span class="account-name">{escape(world.owner.account.friendly_name)}</span>' in page


def test_the_account_switcher_keeps_the_section_and_every_link_keeps_the_account(server: Server) -> None:
    browser, person = signed_in(server, extra_accounts=2)
    second = person.accounts[1]
    mine = server.app(second, friendly_name="In the second account")
    page = browser.get("/console/apps").text
    assert '<form class="switcher" method="get" action="/console/apps">' in page
    options = re.findall(r'<option value="(AC[0-9a-f]{32})"( selected)?>', page.split('id="account-switcher"')[1])
    assert [sid for sid, _ in options] == [a.sid for a in person.accounts]
    assert [sid for sid, selected in options if selected] == [person.accounts[0].sid]
    switched = browser.get("/console/apps", params={"account": second.sid}).text
    assert shown_apps(switched) == [mine.sid]
    hrefs = {label: href for href, _, label in NAV.findall(switched)}
    assert hrefs["Authorized apps"] == f"/console/authorized?account={second.sid}"
    assert f'<a class="button primary" href="/console/apps/new?account={second.sid}">' in switched
    assert f'<input type="hidden" name="account" value="{second.sid}">' in switched  # in the search form
    new_form = browser.get(f"/console/apps/new?account={second.sid}").text
    assert f'<option value="{second.sid}" selected>' in new_form


def test_an_account_that_is_not_yours_in_the_url_is_a_404(server: Server) -> None:
    world = make_world(server)
    for sid in (world.other.account.sid, world.subaccount_sid, "AC" + "0" * 32, "<script>"):
        resp = world.owner_browser.get("/console/apps", params={"account": sid})
        assert resp.status_code == 404 and "Account not found" in resp.text
        assert world.other_app.sid not in resp.text and "<script>" not in resp.text


def test_copy_buttons_are_added_by_a_script_from_static_and_are_hidden_without_it(server: Server) -> None:
    world = make_world(server)
    page = world.owner_browser.get("/console/apps").text
    button = '<button type="button" class="copy" aria-label="Copy SID" hidden>Copy</button>'
    assert f'<span class="copyable"><code class="sid">{world.app.sid}</code>{button}</span>' in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert len(scripts) == 1 and re.fullmatch(r'<script src="/static/console\.js\?v=[0-9a-f]{12}" defer>', scripts[0])
    js = Browser(server).get(urlsplit(re.findall(r'src="([^"]+)"', scripts[0])[0]).path)
    assert js.status_code == 200 and js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert js.headers["X-Content-Type-Options"] == "nosniff" and "clipboard" in js.text
    assert "script-src 'self'" in world.owner_browser.get("/console").headers["Content-Security-Policy"]


def test_empty_lists_say_what_to_do_next(server: Server) -> None:
    browser, _ = signed_in(server)
    expected = {
        "/console": "No subaccounts yet. Each Connect App you authorize on its consent page works in a subaccount",
        "/console/apps": "No Connect Apps yet. A Connect App is what other people authorize",
        "/console/authorized": "No apps are authorized on this account. When you authorize a Connect App",
        "/console/deliveries": "No deauthorize callbacks yet. One is sent when someone revokes",
    }
    for path, words in expected.items():
        text = " ".join(browser.get(path).text.split())
        assert words in text, path
    assert '<a class="button primary" href="/console/apps/new">New Connect App</a>' in browser.get(
        "/console/apps").text


def test_the_sign_in_redirect_keeps_the_whole_list_url(server: Server) -> None:
    resp = Browser(server).get("/console/apps?q=track&page=2")
    assert resp.status_code == 303
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["next"] == ["/console/apps?q=track&page=2"]
