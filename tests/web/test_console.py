"""The console over HTTP against a real server: what it lists, creating, editing and deleting
Connect Apps (with the REST API's own error texts), revoking, and the delivery log."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from connectapps.domain.models import ACTIVE, REVOKED, PageRequest
from tests.conftest import Server
from tests.eventually import eventually
from tests.receiver import receiving
from tests.web.console_helpers import (
    APP_FIELDS,
    HTML,
    app_form,
    authorize,
    create,
    created_app,
    form_errors,
    input_value,
    make_world,
    signed_in,
    token,
)
from tests.web.helpers import location_path, new_person

ALL = PageRequest(size=1000)
DETAILS = re.compile(r'<details class="secret">\s*<summary>Show auth token</summary>\s*<span class="copyable">'
                     r'<code class="token">([0-9a-f]{32})</code><button type="button" class="copy" '
                     r'aria-label="Copy auth token" hidden>Copy</button></span>\s*</details>')


# -- what the console lists ------------------------------------------------------------------


def test_accounts_and_subaccounts_with_their_tokens_behind_a_click(server: Server) -> None:
    browser, person = signed_in(server, extra_accounts=1)
    sub = server.account("My subaccount", owner=person.accounts[1])
    stranger = new_person(server.store)
    page = browser.get("/console")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == HTML
    text = page.text
    for account in person.accounts:
        assert account.sid in text
        assert text.count(account.auth_token) == 1
    # Each token is inside a closed <details> (shown only when clicked), nowhere else.
    assert sorted(DETAILS.findall(text)) == sorted(a.auth_token for a in person.accounts)
    assert "<details class=\"secret\" open" not in text
    assert stranger.account.sid not in text and stranger.account.auth_token not in text
    # The first main account is shown; the subaccount is listed under its own main account.
    assert sub.sid not in text and "No subaccounts yet" in text
    second = browser.get(f"/console?account={person.accounts[1].sid}").text
    assert text.count(person.accounts[1].auth_token) == 1
    assert DETAILS.findall(second) == [a.auth_token for a in person.accounts] + [sub.auth_token]
    assert second.index("Subaccounts of") < second.index(sub.sid)


def test_own_apps_are_listed_in_main_accounts_and_subaccounts_and_no_one_elses(server: Server) -> None:
    browser, person = signed_in(server, extra_accounts=1)
    sub = server.account("Sub", owner=person.account)
    first = [server.app(a, friendly_name=f"Mine {n}") for n, a in enumerate((person.accounts[0], sub))]
    second = server.app(person.accounts[1], friendly_name="Mine in the second account")
    theirs = server.app(new_person(server.store).account, friendly_name="Theirs")
    developers = server.app(server.account("Developer"), friendly_name="Developer's")
    text = browser.get("/console/apps").text
    for app in first:
        assert f'<a class="app-link" href="/console/apps/{app.sid}">' in text
    assert second.sid not in text
    other = browser.get(f"/console/apps?account={person.accounts[1].sid}").text
    assert f'<a class="app-link" href="/console/apps/{second.sid}">' in other
    assert all(app.sid not in other for app in first)
    for page in (text, other):
        assert theirs.sid not in page and "Theirs" not in page
        assert developers.sid not in page


def test_the_home_page_links_to_the_console(server: Server) -> None:
    browser, _ = signed_in(server)
    text = browser.get("/").text
    assert '<a class="button primary" href="/console">Open the console</a>' in text
    assert '<a class="nav-console" href="/console">Console</a>' in text


# -- create ------------------------------------------------------------------------------------


def test_create_stores_every_field_and_redirects_to_the_app(server: Server) -> None:
    browser, person = signed_in(server)
    resp = create(browser, person.account.sid, permissions=["get-all", "post-all"])
    app = created_app(server, resp)
    assert app.account_sid == person.account.sid
    for field in ("friendly_name", "company_name", "description", "homepage_url", "authorize_redirect_url",
                  "deauthorize_callback_url", "deauthorize_callback_method"):
        assert getattr(app, field) == APP_FIELDS[field], field
    assert app.permissions == ("get-all", "post-all")
    page = browser.get(location_path(resp))
    assert page.status_code == 200
    assert '<p class="notice" role="status">Connect App created.</p>' in page.text
    # The REST API sees the same app.
    api = server.get(f"/2010-04-01/Accounts/{person.account.sid}/ConnectApps/{app.sid}.json", person.account)
    assert api.json()["friendly_name"] == "Call Tracker"


def test_create_with_empty_fields_and_no_permissions_is_an_app_with_defaults(server: Server) -> None:
    browser, person = signed_in(server)
    fields: dict[str, Any] = {name: "" for name in APP_FIELDS if name != "permissions"}
    form = {k: v for k, v in app_form(browser, account=person.account.sid, **fields).items() if k != "permissions"}
    app = created_app(server, browser.post("/console/apps/new", form))
    assert (app.friendly_name, app.homepage_url, app.deauthorize_callback_method, app.permissions) == (
        None, None, "GET", ())
    assert f'<span class="app-name">{app.sid}</span>' in browser.get(f"/console/apps/{app.sid}").text


def test_create_in_a_subaccount_and_the_form_offers_every_account(server: Server) -> None:
    browser, person = signed_in(server, extra_accounts=1)
    sub = server.account("Sub", owner=person.accounts[1])
    page = browser.get("/console/apps/new").text
    form = page[page.index('<select id="account" name="account">'):]
    offered = re.findall(r'<option value="(AC[0-9a-f]{32})"', form[:form.index("</select>")])
    assert offered == [person.accounts[0].sid, person.accounts[1].sid, sub.sid]
    assert created_app(server, create(browser, sub.sid)).account_sid == sub.sid


@pytest.mark.parametrize("victim", ["stranger", "developer", "unknown", "malformed", "missing"])
def test_create_in_an_account_that_is_not_yours_is_a_404(server: Server, victim: str) -> None:
    browser, _ = signed_in(server)
    stranger = new_person(server.store)
    developer = server.account("Developer")
    sid = {"stranger": stranger.account.sid, "developer": developer.sid, "unknown": "AC" + "0" * 32,
           "malformed": "<script>", "missing": ""}[victim]
    resp = create(browser, sid)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == HTML
    assert "Account not found" in resp.text and "<script>" not in resp.text
    for account in (stranger.account, developer):
        assert server.store.list_connect_apps(account.sid, ALL).items == []


# The invalid values, each with the REST API parameter it is sent as and what the form says.
INVALID = [
    ("friendly_name", "x" * 65, "FriendlyName", "Name can be at most 64 characters long; this one has 65."),
    ("company_name", "a\x00b", "CompanyName",
     "Company contains a control character (such as NUL or Escape) that cannot be saved. Remove it."),
    ("description", "a\x1b[2Jb", "Description",
     "Description contains a control character (such as NUL or Escape) that cannot be saved. Remove it."),
    ("homepage_url", 'https://example.com/"><b>x', "HomepageUrl",
     "Homepage URL contains characters a web address cannot have (such as spaces, quotes, < or >)."),
    ("deauthorize_callback_method", "PO\N{LATIN SMALL LIGATURE ST}", "DeauthorizeCallbackMethod",
     "Choose GET or POST as the deauthorize callback method."),
    ("homepage_url", "not a url", "HomepageUrl", "Homepage URL must be a web address starting with http:// or https://"),
    ("authorize_redirect_url", "ftp://example.com/x", "AuthorizeRedirectUrl",
     "Authorize redirect URL must be a web address starting with http:// or https://"),
    ("deauthorize_callback_url", "javascript:alert(1)", "DeauthorizeCallbackUrl",
     "Deauthorize callback URL must be a web address starting with http:// or https://"),
    ("deauthorize_callback_method", "PUT", "DeauthorizeCallbackMethod",
     "Choose GET or POST as the deauthorize callback method."),
    ("permissions", ["get-all", "read-all"], "Permissions",
     "“read-all” is not a permission: choose from the ones listed."),
]


def _api_refuses(server: Server, account: Any, app_sid: str, param: str, value: Any) -> None:
    """The REST API refuses the same value: the form and the API keep the same rules."""
    resp = server.post(f"/2010-04-01/Accounts/{account.sid}/ConnectApps/{app_sid}.json", account,
                       data={param: value})
    assert resp.status_code == 400


@pytest.mark.parametrize(("field", "value", "param", "expected"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_values_are_said_in_plain_words_next_to_the_field_and_keep_the_input(
    server: Server, field: str, value: Any, param: str, expected: str
) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, **APP_FIELDS)
    _api_refuses(server, person.account, app.sid, param, value)
    typed = {"company_name": "Typed company", field: value}

    created = create(browser, person.account.sid, **typed)
    assert created.status_code == 400
    assert created.headers["Content-Type"] == HTML
    assert form_errors(created.text) == {field: expected}
    assert input_value(created.text, "company_name") == typed["company_name"] or field == "company_name"
    assert [a.sid for a in server.store.list_connect_apps(person.account.sid, ALL).items] == [app.sid]

    edited = browser.post(f"/console/apps/{app.sid}/edit", app_form(browser, **typed))
    assert edited.status_code == 400
    assert form_errors(edited.text) == {field: expected}
    assert server.store.find_connect_app(app.sid) == app  # nothing written
    if field in ("friendly_name", "homepage_url"):
        assert input_value(edited.text, field) == value  # what the user typed, not the stored value
        assert f'id="{field}" name="{field}"' in edited.text and 'aria-invalid="true"' in edited.text


def test_every_problem_is_shown_at_once_each_next_to_its_field(server: Server) -> None:
    browser, person = signed_in(server)
    typed = {"friendly_name": "x" * 70, "homepage_url": "example.com", "deauthorize_callback_url": "ftp://x",
             "permissions": ["get-all", "read-all"], "description": "Kept <as typed>"}
    resp = create(browser, person.account.sid, **typed)
    assert resp.status_code == 400
    assert form_errors(resp.text) == {
        "friendly_name": "Name can be at most 64 characters long; this one has 70.",
        "homepage_url": "Homepage URL must be a web address starting with http:// or https://",
        "deauthorize_callback_url": "Deauthorize callback URL must be a web address starting with http:// or https://",
        "permissions": "“read-all” is not a permission: choose from the ones listed.",
    }
    # Each message sits in its field, which points at it, and the summary links to the field.
    for name in ("friendly_name", "homepage_url"):
        field = re.search(rf'<div class="field invalid">\s*<label for="{name}">.*?</div>', resp.text, re.DOTALL)
        assert field and f'aria-describedby="{name}-error {name}-hint" aria-invalid="true"' in field.group(0)
        assert f'id="{name}-error"' in field.group(0)
        assert f'<a href="#{name}">' in resp.text
    for name, value in (("friendly_name", "x" * 70), ("homepage_url", "example.com"), ("company_name", "Example Co")):
        assert input_value(resp.text, name) == value
    assert "Kept &lt;as typed&gt;</textarea>" in resp.text
    assert 'name="permissions" value="get-all" checked' in resp.text
    assert server.store.all_connect_apps(person.account.sid) == []


# -- edit and delete ---------------------------------------------------------------------------


def test_edit_shows_the_app_and_saves_every_field(server: Server) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, **{**APP_FIELDS, "permissions": ["get-all", "post-all"]})
    page = browser.get(f"/console/apps/{app.sid}/edit").text
    assert input_value(page, "friendly_name") == "Call Tracker"
    assert 'name="permissions" value="post-all" checked' in page
    assert 'name="deauthorize_callback_method" value="POST" checked' in page
    form = app_form(browser, friendly_name="Renamed", homepage_url="", deauthorize_callback_method="GET")
    form.pop("permissions")  # both boxes unchecked: a browser sends no permissions at all
    resp = browser.post(f"/console/apps/{app.sid}/edit", form)
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/console/apps/{app.sid}?done=saved"
    saved = server.store.find_connect_app(app.sid)
    assert saved is not None
    assert (saved.friendly_name, saved.homepage_url, saved.deauthorize_callback_method, saved.permissions) == (
        "Renamed", None, "GET", ())
    assert saved.company_name == app.company_name and saved.date_created == app.date_created
    assert "Changes saved." in browser.get(location_path(resp)).text


def test_delete_asks_first_then_deletes_the_app_and_ends_its_authorizations(server: Server) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, **APP_FIELDS)
    user_browser, user = signed_in(server)
    authorize(user_browser, app, user.account.sid)
    confirm = browser.get(f"/console/apps/{app.sid}/delete")
    assert confirm.status_code == 200
    assert "1 account has authorized it" in confirm.text
    assert server.store.find_connect_app(app.sid) is not None  # a GET changes nothing
    resp = browser.post(f"/console/apps/{app.sid}/delete", {"csrf": token(browser)})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/console/apps?done=deleted"
    assert server.store.find_connect_app(app.sid) is None
    assert user.account.sid and server.store.list_authorizations(user.account.sid, ALL).items == []
    assert server.store.list_callbacks(app.sid) == []  # no app left to call back
    assert browser.get(f"/console/apps/{app.sid}").status_code == 404
    assert "Connect App deleted." in browser.get(location_path(resp)).text


# -- revoke --------------------------------------------------------------------------------------


def test_revoke_ends_delegated_access_and_queues_the_callback(server: Server) -> None:
    world = make_world(server)
    owner_token = server.store.get_account(world.granted.account_sid).auth_token  # type: ignore[union-attr]
    user_account = world.owner.account.sid
    api = f"{server.url}/2010-04-01/Accounts/{user_account}.json"
    assert requests.get(api, auth=(world.subaccount_sid, owner_token), timeout=10).status_code == 200

    listed = world.owner_browser.get("/console/authorized").text
    action = f"/console/authorizations/{user_account}/{world.granted.sid}/revoke"
    assert f'<a class="button danger" href="{action}">Revoke…</a>' in listed
    assert world.subaccount_sid in listed and "Granted app" in listed
    resp = world.owner_browser.post(action, {"csrf": token(world.owner_browser)})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/console/authorized?done=revoked"

    assert requests.get(api, auth=(world.subaccount_sid, owner_token), timeout=10).status_code == 401
    ended = world.authorization()
    assert ended is not None and ended.status == REVOKED
    [callback] = server.store.list_callbacks(world.granted.sid)
    assert (callback.account_sid, callback.authorizing_account_sid) == (world.subaccount_sid, user_account)
    assert (callback.url, callback.method) == (APP_FIELDS["deauthorize_callback_url"], "POST")
    after = world.owner_browser.get(location_path(resp)).text
    assert action not in after and "Access revoked." in after
    # Again (a second click): nothing more happens, and no second callback.
    again = world.owner_browser.post(action, {"csrf": token(world.owner_browser)})
    assert again.status_code == 303
    assert len(server.store.list_callbacks(world.granted.sid)) == 1


def test_the_app_page_shows_who_authorized_it_and_the_delivery_log(server: Server) -> None:
    with receiving() as receiver:
        answers = iter([500])
        receiver.behaviour = lambda received: (next(answers, 200), {})
        browser, developer = signed_in(server)
        app = created_app(server, create(browser, developer.account.sid,
                                         deauthorize_callback_url=f"{receiver.url}/deauthorize"))
        first_browser, first = signed_in(server)
        second_browser, second = signed_in(server)
        first_sub = authorize(first_browser, app, first.account.sid)
        authorize(second_browser, app, second.account.sid)
        action = f"/console/authorizations/{first.account.sid}/{app.sid}/revoke"
        assert first_browser.post(action, {"csrf": token(first_browser)}).status_code == 303
        receiver.wait_for(lambda got: len(got) == 2)
        attempts = _wait_delivered(server, app.sid)
    page = browser.get(f"/console/apps/{app.sid}").text
    for person, status in ((first, REVOKED), (second, ACTIVE)):
        assert f'<code class="sid">{person.account.sid}</code> <span class="badge badge-{status}">' in page
        assert person.email not in page and person.account.auth_token not in page
    assert first_sub in page
    assert '<span class="badge badge-delivered">delivered</span>' in page
    assert f"POST {receiver.url}/deauthorize" in page
    rows = re.findall(r'<td class="status-code">([^<]*)</td>\s*<td class="latency">(\d+) ms</td>\s*'
                      r'<td class="attempt-error">([^<]*)</td>', page)
    assert [(code, error) for code, _, error in rows] == [("500", "HTTP 500"), ("200", "")]
    assert [int(ms) for _, ms, _ in rows] == [a.latency_ms for a in attempts]


def test_the_delivery_log_says_why_an_attempt_failed_in_a_few_words_only(server: Server) -> None:
    """A refused destination and a closed port: the owner learns the category, never the
    exception text that made the log a port scanner (``[Errno 111] Connection refused``)."""
    browser, developer = signed_in(server)
    errors = {}
    for url in ("http://0:22/ssh", "http://127.0.0.1:9/closed"):  # unspecified: refused even with loopback
        app = created_app(server, create(browser, developer.account.sid, deauthorize_callback_url=url))
        user_browser, user = signed_in(server)
        authorize(user_browser, app, user.account.sid)
        action = f"/console/authorizations/{user.account.sid}/{app.sid}/revoke"
        assert user_browser.post(action, {"csrf": token(user_browser)}).status_code == 303
        _wait_attempted(server, app.sid)
        page = browser.get(f"/console/apps/{app.sid}").text
        errors[url] = set(re.findall(r'<td class="attempt-error">([^<]*)</td>', page))
        assert "Errno" not in page and "Error:" not in page and "Connection refused" not in page
    assert errors == {"http://0:22/ssh": {"refused by policy"}, "http://127.0.0.1:9/closed": {"connection failed"}}


def _wait_attempted(server: Server, app_sid: str) -> None:
    def attempted() -> bool:
        [callback] = server.store.list_callbacks(app_sid)
        return bool(server.store.callback_attempts(callback.id))

    eventually(attempted, "no attempt", interval=0.05)


def _wait_delivered(server: Server, app_sid: str) -> list[Any]:
    """The attempts of the app's one callback, once the server has recorded its delivery."""
    def delivered() -> list[Any] | None:
        [callback] = server.store.list_callbacks(app_sid)
        return server.store.callback_attempts(callback.id) if callback.status == "delivered" else None

    return eventually(delivered, "the callback was not delivered", interval=0.05)


def test_notices_are_fixed_texts_never_the_parameter(server: Server) -> None:
    browser, _ = signed_in(server)
    text = browser.get("/console", params={"done": "<script>alert(1)</script>"}).text
    assert "notice" not in text and "alert(1)" not in text


def test_other_methods_are_an_html_405(server: Server) -> None:
    world = make_world(server)
    revoke = f"/console/authorizations/{world.owner.account.sid}/{world.granted.sid}/revoke"
    resp = world.owner_browser.http.delete(f"{server.url}{revoke}", timeout=10)
    allowed = "GET, HEAD, POST, OPTIONS"
    assert (resp.status_code, resp.headers["Allow"], resp.headers["Content-Type"]) == (405, allowed, HTML)
    assert world.owner_browser.post("/console", {"csrf": token(world.owner_browser)}).status_code == 405
    put = world.owner_browser.http.put(f"{server.url}/console/apps/{world.app.sid}/edit", timeout=10)
    assert (put.status_code, put.headers["Allow"]) == (405, "GET, HEAD, POST, OPTIONS")
    assert world.authorization() is not None and world.authorization().status == ACTIVE  # type: ignore[union-attr]


def test_a_browser_signed_out_elsewhere_is_sent_to_sign_in(server: Server) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, **APP_FIELDS)
    assert browser.post("/signout", {"csrf": token(browser)}).status_code == 303
    resp = browser.get(f"/console/apps/{app.sid}/edit")
    assert resp.status_code == 303
    assert location_path(resp) == f"/signin?next=%2Fconsole%2Fapps%2F{app.sid}%2Fedit"
