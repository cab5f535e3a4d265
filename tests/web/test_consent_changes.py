"""Consent grants only what the page showed; apps of inactive owners cannot be authorized; closed
and suspended accounts get no new Connect Apps in the console."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectapps.domain.models import Account, ConnectApp, PageRequest
from tests.conftest import Server
from tests.web.consent_helpers import consent, make_app, query
from tests.web.console_helpers import create, form_errors, signed_in
from tests.web.helpers import Browser, hidden_fields

NOTICE = "This app changed while this page was open, so nothing was authorized."


def account_path(sid: str) -> str:
    return f"/2010-04-01/Accounts/{sid}.json"


def consent_form(browser: Browser, app: ConnectApp) -> dict[str, str]:
    """The consent form as the page shows it, answered Authorize (not sent yet)."""
    page = browser.get(consent(app, "st8"))
    assert page.status_code == 200, page.text
    return {**hidden_fields(page.text), "decision": "authorize"}


def owner_of(server: Server, app: ConnectApp) -> Account:
    owner = server.store.get_account(app.account_sid)
    assert owner is not None
    return owner


def test_a_permission_added_after_the_page_was_shown_is_not_granted(server: Server) -> None:
    app = make_app(server, permissions=["get-all"])
    browser, person = signed_in(server)
    form = consent_form(browser, app)
    path = f"/2010-04-01/Accounts/{app.account_sid}/ConnectApps/{app.sid}.json"
    assert server.post(path, owner_of(server, app), data={"Permissions": "get-all,post-all"}).status_code == 200
    clicked = browser.post(f"/authorize/{app.sid}", form)
    assert clicked.status_code == 409
    assert "Location" not in clicked.headers
    assert NOTICE in clicked.text
    assert "<li>Charge account for usage</li>" in clicked.text  # the page as it is now
    assert server.store.get_authorization(person.account.sid, app.sid) is None
    # Answering the page shown again grants what it shows.
    again = browser.post(f"/authorize/{app.sid}", {**hidden_fields(clicked.text), "decision": "authorize"})
    assert again.status_code == 303
    authorization = server.store.get_authorization(person.account.sid, app.sid)
    assert authorization is not None and authorization.permissions == ("get-all", "post-all")
    assert dict(query(again.headers["Location"]))["AccountSid"] == authorization.subaccount_sid


@pytest.mark.parametrize("field", ["FriendlyName", "Description", "AuthorizeRedirectUrl", "Permissions"])
def test_any_change_to_what_the_page_shows_asks_again(server: Server, field: str) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    form = consent_form(browser, app)
    value = {"AuthorizeRedirectUrl": "https://elsewhere.example/cb", "Permissions": ""}.get(field, "Changed")
    path = f"/2010-04-01/Accounts/{app.account_sid}/ConnectApps/{app.sid}.json"
    assert server.post(path, owner_of(server, app), data={field: value}).status_code == 200
    assert browser.post(f"/authorize/{app.sid}", form).status_code == 409
    assert server.store.get_authorization(person.account.sid, app.sid) is None


def test_a_change_the_page_does_not_show_does_not_interrupt(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    form = consent_form(browser, app)
    path = f"/2010-04-01/Accounts/{app.account_sid}/ConnectApps/{app.sid}.json"
    changed = {"DeauthorizeCallbackUrl": "https://app.example.com/deauth", "DeauthorizeCallbackMethod": "POST"}
    assert server.post(path, owner_of(server, app), data=changed).status_code == 200
    assert browser.post(f"/authorize/{app.sid}", form).status_code == 303
    assert server.store.get_authorization(person.account.sid, app.sid) is not None


@pytest.mark.parametrize("terms", [None, "", "tampered", "0" * 64])
def test_a_form_without_the_pages_signed_terms_authorizes_nothing(server: Server, terms: str | None) -> None:
    app = make_app(server)
    browser, person = signed_in(server, extra_accounts=1)
    form = consent_form(browser, app)
    form["account"] = person.accounts[1].sid
    if terms is None:
        del form["terms"]
    else:
        form["terms"] = terms
    resp = browser.post(f"/authorize/{app.sid}", form)
    assert resp.status_code == 409
    assert NOTICE in resp.text
    checked = re.findall(r'value="(AC[0-9a-f]{32})" checked', resp.text)
    assert checked == [person.accounts[1].sid]  # the account chosen stays chosen
    assert server.store.get_authorization(person.accounts[1].sid, app.sid) is None


def test_terms_signed_for_another_session_do_not_count(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    theirs = consent_form(signed_in(server)[0], app)["terms"]
    form = {**consent_form(browser, app), "terms": theirs}
    assert browser.post(f"/authorize/{app.sid}", form).status_code == 409
    assert server.store.get_authorization(person.account.sid, app.sid) is None


# -- inactive owners ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_an_app_whose_owner_is_not_active_is_unavailable(server: Server, status: str) -> None:
    developer = server.account("Developer")
    owner = server.account("App's account", owner=developer)
    app = server.app(owner, friendly_name="Owned by a subaccount", authorize_redirect_url="https://a.example/cb",
                     permissions=["get-all"])
    browser, person = signed_in(server)
    form = consent_form(browser, app)  # shown while the owner was active
    assert server.post(account_path(owner.sid), developer, data={"Status": status}).status_code == 200
    for resp in (browser.get(consent(app, "s")), browser.post(f"/authorize/{app.sid}", form),
                 Browser(server).get(consent(app, "s"))):
        assert resp.status_code == 404
        assert "Connect App not found" in resp.text
        assert "Location" not in resp.headers
    assert server.store.get_authorization(person.account.sid, app.sid) is None


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_the_console_creates_no_app_in_an_account_that_is_not_active(server: Server, status: str) -> None:
    browser, person = signed_in(server)
    sub = server.account("Sub", owner=person.account)
    assert server.post(account_path(sub.sid), person.account, data={"Status": status}).status_code == 200
    new_form = browser.get("/console/apps/new").text
    assert sub.sid not in new_form  # not offered
    resp = create(browser, sub.sid)
    assert resp.status_code == 400
    assert form_errors(resp.text).get("account_sid") == (
        f"The account is {status}: Connect Apps can only be created in an active account")
    assert server.store.list_connect_apps(sub.sid, PageRequest(size=10)).items == []


def test_a_suspended_owner_stays_unavailable_until_active_again(server: Server) -> None:
    developer = server.account("Developer")
    owner = server.account("App's account", owner=developer)
    app = server.app(owner, friendly_name="Back soon", authorize_redirect_url="https://a.example/cb")
    browser, _ = signed_in(server)
    server.store.update_account(owner.sid, {"status": "suspended"}, datetime.now(UTC))
    assert browser.get(consent(app)).status_code == 404
    assert server.post(account_path(owner.sid), developer, data={"Status": "active"}).status_code == 200
    assert browser.get(consent(app)).status_code == 200
