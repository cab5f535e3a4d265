"""The Twilio Connect consent page over HTTP: show, authorize, deny, and every way to misuse it."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from markupsafe import escape

from connectapps.domain.models import ACTIVE, Account, ConnectAppChanges
from tests.conftest import Server
from tests.web.consent_helpers import HTML, answer, assert_page_headers, consent, make_app, query
from tests.web.helpers import Browser, Person, hidden_fields, location_path, new_person


def signed_in(server: Server, extra_accounts: int = 0) -> tuple[Browser, Person]:
    person = new_person(server.store, extra_accounts)
    browser = Browser(server)
    assert browser.sign_in(person).status_code == 303
    return browser, person






def subaccounts_of(server: Server, account: Account) -> list[Account]:
    from connectapps.domain.models import PageRequest

    page = server.store.list_accounts(account.sid, PageRequest(size=1000))
    return [a for a in page.items if a.owner_account_sid == account.sid]


# -- signed out ------------------------------------------------------------------------------


def test_signed_out_goes_to_sign_in_keeping_the_state(server: Server) -> None:
    app = make_app(server)
    browser = Browser(server)
    resp = browser.get(f"/authorize/{app.sid}?state=a%20b%26c")
    assert resp.status_code == 303
    target = f"/authorize/{app.sid}?state=a+b%26c"
    assert location_path(resp) == f"/signin?next={quote(target, safe='')}"
    # Signing in from there comes back to the consent page with the same state.
    signin = browser.get(location_path(resp))
    assert hidden_fields(signin.text)["next"] == target
    person = new_person(server.store)
    form = {**hidden_fields(signin.text), "email": person.email, "password": person.password}
    back = browser.post("/signin", form)
    assert back.status_code == 303
    assert location_path(back) == target
    page = browser.get(target)
    assert page.status_code == 200
    assert hidden_fields(page.text)["state"] == "a b&c"


def test_post_without_a_session_is_refused_and_changes_nothing(server: Server) -> None:
    app = make_app(server)
    resp = Browser(server).post(f"/authorize/{app.sid}", {"decision": "authorize", "csrf": "x"})
    assert resp.status_code == 403
    assert all(a.connect_app_sid != app.sid for a in server.store.all_authorizations())


# -- the page --------------------------------------------------------------------------------


def test_page_shows_the_app_and_its_permissions_in_plain_words(server: Server) -> None:
    app = make_app(server, permissions=["get-all", "post-all"])
    browser, person = signed_in(server)
    page = browser.get(consent(app, "xyz"))
    assert page.status_code == 200
    assert page.headers["Content-Type"] == HTML
    text = page.text
    assert '<span class="app-name">Call Tracker</span>' in text
    assert '<span class="company-name">Example Co</span>' in text
    assert "Tracks your calls." in text
    assert '<a href="https://example.com/home" rel="noopener noreferrer" target="_blank">' in text
    assert "<li>Read all account data</li>" in text
    assert "<li>Charge account for usage</li>" in text
    assert "Subaccount for ConnectApp: Call Tracker" in text
    fields = hidden_fields(text)
    assert fields["state"] == "xyz"
    assert fields["account"] == person.account.sid  # one account: shown, no choice
    assert 'type="radio"' not in text
    assert str(escape(person.account.friendly_name)) in text
    assert 'name="decision" value="authorize"' in text and 'name="decision" value="deny"' in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "<script" not in text and "style=" not in text and "<style" not in text


def test_several_accounts_are_a_choice(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server, extra_accounts=2)
    text = browser.get(consent(app)).text
    radios = re.findall(r'<input type="radio" name="account" value="(AC[0-9a-f]{32})"( checked)?>', text)
    assert [sid for sid, _ in radios] == [a.sid for a in person.accounts]
    assert [bool(checked) for _, checked in radios] == [True, False, False]
    assert "account" not in hidden_fields(text)


def test_no_permissions_and_no_optional_fields(server: Server) -> None:
    app = make_app(server, permissions=[], company_name="", description="", homepage_url="", friendly_name="")
    browser, _ = signed_in(server)
    text = browser.get(consent(app)).text
    assert "it asks for no permissions" in text
    assert f'<span class="app-name">{app.sid}</span>' in text
    assert "company-name" not in text and "<a href=\"http" not in text
    assert "state" not in hidden_fields(text)


def test_a_homepage_that_is_not_http_is_not_linked(server: Server) -> None:
    app = make_app(server)
    # Stored directly: the API refuses such URLs, but the page must not trust that.
    from datetime import UTC, datetime

    server.store.update_connect_app(app.account_sid, app.sid, {"homepage_url": "javascript:alert(1)"},
                                    datetime.now(UTC))
    browser, _ = signed_in(server)
    text = browser.get(consent(app)).text
    assert "javascript:" not in text


PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_every_app_field_and_the_state_are_escaped(server: Server) -> None:
    app = make_app(server, friendly_name=PAYLOAD[:64], company_name=PAYLOAD, description=PAYLOAD + "\n<b>bold</b>")
    # Stored directly: the API refuses quotes and angle brackets in a URL, but the page must not trust that.
    from datetime import UTC, datetime

    homepage = ConnectAppChanges(homepage_url="https://example.com/" + PAYLOAD.replace(" ", ""))
    stored = server.store.update_connect_app(app.account_sid, app.sid, homepage, datetime.now(UTC))
    assert stored is not None
    app = stored
    browser, _ = signed_in(server)
    page = browser.get(f"/authorize/{app.sid}", params={"state": PAYLOAD})
    assert page.status_code == 200
    text = page.text
    assert "<script>" not in text and "<img" not in text and "<b>bold" not in text
    escaped = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    assert f'<span class="company-name">{escaped}</span>' in text
    assert f'<p class="description">{escaped}\n&lt;b&gt;bold&lt;/b&gt;</p>' in text
    assert f'<span class="app-name">{escaped[:60]}' in text
    assert hidden_fields(text)["state"] == PAYLOAD
    # The homepage link's href is one attribute: the quote cannot end it.
    hrefs = re.findall(r'<a href="([^"]*)" rel="noopener noreferrer"', text)
    assert len(hrefs) == 1 and html.unescape(hrefs[0]) == app.homepage_url


# -- authorize -------------------------------------------------------------------------------


def test_authorize_creates_the_subaccount_and_redirects_with_account_sid_and_state(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    resp = answer(browser, app, "authorize", state="st8")
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("https://app.example.com/twilio/authorize?")
    params = query(location)
    assert params[:2] == [("keep", "1"), ("mode", "x")]  # the stored URL's own query, kept
    found = dict(params)
    assert found["state"] == "st8"
    assert set(found) == {"keep", "mode", "AccountSid", "state"}
    authorization = server.store.get_authorization(person.account.sid, app.sid)
    assert authorization is not None and authorization.status == ACTIVE
    assert found["AccountSid"] == authorization.subaccount_sid
    assert authorization.permissions == ("get-all",)
    subaccount = server.store.get_account(authorization.subaccount_sid)
    assert subaccount is not None
    assert subaccount.friendly_name == "Subaccount for ConnectApp: Call Tracker"
    assert subaccount.owner_account_sid == person.account.sid


def test_authorize_without_state_sends_none(server: Server) -> None:
    app = make_app(server)
    browser, _ = signed_in(server)
    resp = answer(browser, app, "authorize", state=None)
    assert [k for k, _ in query(resp.headers["Location"])] == ["keep", "mode", "AccountSid"]


def test_authorize_under_the_chosen_account(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server, extra_accounts=1)
    chosen = person.accounts[1]
    resp = answer(browser, app, "authorize", account=chosen.sid)
    assert resp.status_code == 303
    authorization = server.store.get_authorization(chosen.sid, app.sid)
    assert authorization is not None
    assert dict(query(resp.headers["Location"]))["AccountSid"] == authorization.subaccount_sid
    assert server.store.get_authorization(person.accounts[0].sid, app.sid) is None
    assert [a.sid for a in subaccounts_of(server, chosen)] == [authorization.subaccount_sid]


def test_reauthorization_reuses_the_subaccount_and_records_new_permissions(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    first = dict(query(answer(browser, app, "authorize").headers["Location"]))["AccountSid"]
    owner = server.store.get_account(app.account_sid)
    assert owner is not None
    path = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{app.sid}.json"
    assert server.post(path, owner, data={"Permissions": ["get-all", "post-all"]}).status_code == 200
    # Not yet: permissions change only when the user authorizes again.
    before = server.store.get_authorization(person.account.sid, app.sid)
    assert before is not None and before.permissions == ("get-all",)
    second = dict(query(answer(browser, app, "authorize").headers["Location"]))["AccountSid"]
    assert second == first
    after = server.store.get_authorization(person.account.sid, app.sid)
    assert after is not None and after.permissions == ("get-all", "post-all")
    assert after.subaccount_sid == first
    assert len(subaccounts_of(server, person.account)) == 1


def test_another_users_account_is_refused(server: Server) -> None:
    app = make_app(server)
    browser, _ = signed_in(server)
    stranger = new_person(server.store)
    developer = server.account("Not a user's account")
    for victim in (stranger.account.sid, developer.sid, "AC" + "0" * 32, "", "not-a-sid"):
        resp = answer(browser, app, "authorize", account=victim)
        assert resp.status_code == 403, victim
        assert "Not your account" in resp.text
        assert resp.headers["Content-Type"] == HTML
        assert "Location" not in resp.headers
    assert server.store.get_authorization(stranger.account.sid, app.sid) is None
    assert server.store.get_authorization(developer.sid, app.sid) is None
    assert subaccounts_of(server, stranger.account) == []


@pytest.mark.parametrize("token", [None, "", "f" * 64])
def test_authorize_without_the_right_csrf_token_is_refused_and_changes_nothing(
    server: Server, token: str | None
) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    extra = {} if token is None else {"csrf": token}
    page = browser.get(consent(app))
    form = {k: v for k, v in hidden_fields(page.text).items() if k != "csrf"}
    resp = browser.post(f"/authorize/{app.sid}", {**form, **extra, "decision": "authorize"})
    assert resp.status_code == 403
    assert "This form has expired" in resp.text
    assert server.store.get_authorization(person.account.sid, app.sid) is None
    assert subaccounts_of(server, person.account) == []


def test_a_token_from_before_sign_in_no_longer_works(server: Server) -> None:
    app = make_app(server)
    person = new_person(server.store)
    browser = Browser(server)
    old_token = browser.csrf()
    browser.sign_in(person)
    resp = browser.post(f"/authorize/{app.sid}", {"csrf": old_token, "decision": "authorize",
                                                  "account": person.account.sid})
    assert resp.status_code == 403
    assert server.store.get_authorization(person.account.sid, app.sid) is None


# -- deny ------------------------------------------------------------------------------------


def test_deny_redirects_with_unauthorized_client_and_state(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    resp = answer(browser, app, "deny", state="s t")
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("https://app.example.com/twilio/authorize?")
    assert query(resp.headers["Location"]) == [("keep", "1"), ("mode", "x"), ("error", "unauthorized_client"),
                                               ("state", "s t")]
    assert server.store.get_authorization(person.account.sid, app.sid) is None


def test_an_unknown_decision_is_refused(server: Server) -> None:
    app = make_app(server)
    browser, person = signed_in(server)
    resp = answer(browser, app, "maybe")
    assert resp.status_code == 400
    assert server.store.get_authorization(person.account.sid, app.sid) is None


# -- the destination is only ever the stored URL ---------------------------------------------


@pytest.mark.parametrize("decision", ["authorize", "deny"])
def test_no_parameter_changes_where_the_browser_goes(server: Server, decision: str) -> None:
    app = make_app(server)
    browser, _ = signed_in(server)
    evil = {"redirect": "https://evil.example", "redirect_uri": "https://evil.example/cb",
            "next": "//evil.example", "authorize_redirect_url": "https://evil.example", "RedirectUrl": "//evil"}
    page = browser.get(f"/authorize/{app.sid}", params={"state": "s", **evil})
    assert page.status_code == 200
    form = {**hidden_fields(page.text), **evil, "decision": decision}
    resp = browser.post(f"/authorize/{app.sid}?" + "&".join(f"{k}={v}" for k, v in evil.items()), form)
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("https://app.example.com/twilio/authorize?keep=1&mode=x&")
    assert "evil" not in location


def test_signed_out_redirect_carries_only_the_state(server: Server) -> None:
    app = make_app(server)
    resp = Browser(server).get(f"/authorize/{app.sid}", params={"state": "s", "redirect": "https://evil.example",
                                                                "next": "//evil.example"})
    assert resp.status_code == 303
    assert "evil" not in resp.headers["Location"]


# -- apps that cannot be authorized ----------------------------------------------------------


@pytest.mark.parametrize("sid", ["CN" + "0" * 32, "CN123", "AC" + "0" * 32, "%3Cscript%3E"])
def test_an_unknown_app_is_a_404_page(server: Server, sid: str) -> None:
    browser, _ = signed_in(server)
    resp = browser.get(f"/authorize/{sid}")
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == HTML
    assert "Connect App not found" in resp.text
    assert "<script>" not in resp.text
    post = browser.post(f"/authorize/{sid}", {"csrf": browser.csrf("/"), "decision": "authorize"})
    assert post.status_code == 404
    assert Browser(server).get(f"/authorize/{sid}").status_code == 404  # signed out too


def test_an_app_without_a_redirect_url_is_a_400_page(server: Server) -> None:
    app = make_app(server, authorize_redirect_url="")
    browser, person = signed_in(server)
    resp = browser.get(consent(app, "s"))
    assert resp.status_code == 400
    assert resp.headers["Content-Type"] == HTML
    assert "has no Authorize URL" in resp.text
    for decision in ("authorize", "deny"):
        post = browser.post(f"/authorize/{app.sid}", {"csrf": browser.csrf("/"), "decision": decision,
                                                      "account": person.account.sid})
        assert post.status_code == 400
        assert "Location" not in post.headers
    assert server.store.get_authorization(person.account.sid, app.sid) is None


# -- headers ---------------------------------------------------------------------------------






def test_security_headers_on_every_page(server: Server) -> None:
    app = make_app(server, authorize_redirect_url="http://127.0.0.1:8765/cb?x=1")
    browser, _ = signed_in(server)
    assert_page_headers(browser.get(consent(app)), " http://127.0.0.1:8765")
    assert_page_headers(browser.get("/"))
    assert_page_headers(browser.get("/authorize/CN123"))
    assert_page_headers(answer(browser, app, "deny"))
    signed_out = Browser(server)
    assert_page_headers(signed_out.get("/signin"))
    assert_page_headers(signed_out.get(consent(app)))
    assert_page_headers(signed_out.post("/signin", {"csrf": "x"}))
    assert_page_headers(signed_out.get("/static/nope.css"))
    css = signed_out.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert css.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://app.example.com/x", "https://app.example.com"),
        ("https://user:pw@App.Example.com:8443/x?y", "https://app.example.com:8443"),
        ("http://[::1]:9000/cb", "http://[::1]:9000"),
        ("https://bücher.example/cb", "https://xn--bcher-kva.example"),
    ],
)
def test_the_consent_pages_form_action_names_the_redirect_origin(server: Server, url: str, source: str) -> None:
    app = make_app(server, authorize_redirect_url=url)
    browser, _ = signed_in(server)
    assert_page_headers(browser.get(consent(app)), f" {source}")


def test_a_non_ascii_redirect_url_is_sent_percent_encoded(server: Server) -> None:
    app = make_app(server, authorize_redirect_url="https://example.com/zurück?q=ü")
    browser, _ = signed_in(server)
    resp = answer(browser, app, "deny", state="é")
    assert resp.status_code == 303
    assert resp.headers["Location"] == (
        "https://example.com/zur%C3%BCck?q=%C3%BC&error=unauthorized_client&state=%C3%A9"
    )
