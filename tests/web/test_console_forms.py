"""Forms as a person meets them: an expired form keeps what was typed (and can sign in and save in
one step), revoking asks first and says what happens, and signing in on the way to a consent page
says which app is asking and returns to it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from connectapps.domain.models import ACTIVE, REVOKED
from tests.conftest import Server
from tests.web.consent_helpers import consent, make_app
from tests.web.console_helpers import APP_FIELDS, created_app, input_value, make_world, signed_in, token
from tests.web.helpers import Browser, hidden_fields, location_path, new_person

TYPED: dict[str, Any] = {**APP_FIELDS, "friendly_name": "Typed before lunch", "description": "Long text <kept>"}


def test_a_signed_in_form_whose_token_changed_comes_back_with_what_was_typed(server: Server) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, **APP_FIELDS)
    stale = token(browser)
    browser.post("/signout", {"csrf": stale})
    assert browser.sign_in(person).status_code == 303  # a new session: the open form's token is stale
    for path in ("/console/apps/new", f"/console/apps/{app.sid}/edit"):
        resp = browser.post(path, {**TYPED, "account": person.account.sid, "csrf": stale})
        assert resp.status_code == 403
        assert "This form has expired, so nothing was saved" in resp.text
        assert input_value(resp.text, "friendly_name") == "Typed before lunch"
        assert "Long text &lt;kept&gt;</textarea>" in resp.text
        fresh = hidden_fields(resp.text)["csrf"]
        assert fresh == token(browser) != stale
    assert server.store.find_connect_app(app.sid) == app
    assert [a.sid for a in server.store.all_connect_apps(person.account.sid)] == [app.sid]
    # Sent again with the fresh token, as the browser would: saved.
    again = browser.post("/console/apps/new", {**TYPED, "account": person.account.sid, "csrf": token(browser)})
    assert created_app(server, again).friendly_name == "Typed before lunch"


def test_a_form_sent_after_the_session_ended_signs_in_and_saves_in_one_step(server: Server) -> None:
    person = new_person(server.store)
    browser = Browser(server)  # its session has ended: no cookie at all
    sent = {**TYPED, "account": person.account.sid, "csrf": "0" * 64}
    resp = browser.post("/console/apps/new", sent)
    assert resp.status_code == 403
    assert "This form has expired, so nothing was saved: you were signed out" in resp.text
    assert '<input id="email" name="email" type="email"' in resp.text
    assert input_value(resp.text, "friendly_name") == "Typed before lunch"
    assert person.account.sid in resp.text  # what was sent, kept as a hidden field
    assert person.email not in resp.text and person.account.auth_token not in resp.text
    assert 'id="account-switcher"' not in resp.text and "Sign out" not in resp.text
    form = hidden_fields(resp.text)
    wrong = browser.post("/console/apps/new", {**TYPED, **form, "email": person.email, "password": "nope"})
    assert wrong.status_code == 403 and "Incorrect email or password." in wrong.text
    assert input_value(wrong.text, "friendly_name") == "Typed before lunch"
    assert server.store.all_connect_apps(person.account.sid) == []
    saved = browser.post("/console/apps/new", {**TYPED, **hidden_fields(wrong.text), "email": person.email,
                                               "password": person.password})
    app = created_app(server, saved)
    assert (app.friendly_name, app.account_sid) == ("Typed before lunch", person.account.sid)
    assert browser.signed_in()


def test_an_edit_form_sent_signed_out_shows_nothing_of_the_app(server: Server) -> None:
    world = make_world(server)
    resp = Browser(server).post(f"/console/apps/{world.app.sid}/edit", {**TYPED, "csrf": "x"})
    assert resp.status_code == 403
    assert f'Edit Connect App <code class="sid">{world.app.sid}</code>' in resp.text
    assert str(world.app.friendly_name) not in resp.text and world.owner.account.sid not in resp.text
    # Someone else's credentials do not save it: the app is still not theirs.
    other = Browser(server)
    page = other.post(f"/console/apps/{world.app.sid}/edit", {**TYPED, "csrf": "x"})
    denied = other.post(f"/console/apps/{world.app.sid}/edit", {
        **TYPED, **hidden_fields(page.text), "email": world.other.email, "password": world.other.password})
    assert denied.status_code == 404 and server.store.find_connect_app(world.app.sid) == world.app


def test_an_expired_sign_in_form_keeps_the_email(server: Server) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    resp = browser.post("/signin", {"csrf": "stale", "email": person.email, "password": person.password,
                                    "next": "/console/apps"})
    assert resp.status_code == 403 and "This form has expired" in resp.text
    assert f'value="{person.email}"' in resp.text and not browser.signed_in()
    fields = hidden_fields(resp.text)
    assert fields["next"] == "/console/apps"
    done = browser.post("/signin", {**fields, "email": person.email, "password": person.password})
    assert (done.status_code, done.headers["Location"]) == (303, "/console/apps")


def test_revoke_asks_first_and_says_what_will_happen(server: Server) -> None:
    world = make_world(server)
    path = f"/console/authorizations/{world.owner.account.sid}/{world.granted.sid}/revoke"
    page = world.owner_browser.get(path)
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Revoke <span class=\"app-name\">Granted app</span>\u2019s access?" in text
    assert "loses access to" in text and world.subaccount_sid in text
    assert f"Its deauthorize callback is sent to <span class=\"url\">POST {APP_FIELDS['deauthorize_callback_url']}" \
           "</span>, so the app knows." in text
    assert f'<form method="post" action="{path}" class="actions">' in text
    authorization = world.authorization()
    assert authorization is not None and authorization.status == ACTIVE  # asking changed nothing
    assert server.store.list_callbacks(world.granted.sid) == []
    world.owner_browser.post(path, {"csrf": token(world.owner_browser)})
    ended = world.authorization()
    assert ended is not None and ended.status == REVOKED
    after = " ".join(world.owner_browser.get(path).text.split())
    assert "no longer has access" in after and "Revoke access" not in after


def test_revoking_an_app_without_a_callback_says_it_is_not_told(server: Server) -> None:
    browser, person = signed_in(server)
    app = make_app(server, deauthorize_callback_url="")
    browser.post(f"/authorize/{app.sid}", {**hidden_fields(browser.get(consent(app)).text), "decision": "authorize"})
    page = browser.get(f"/console/authorizations/{person.account.sid}/{app.sid}/revoke").text
    assert "It has no deauthorize callback URL, so the app is not told." in page


def test_signing_in_on_the_way_to_a_consent_page_says_which_app_asks_and_returns_to_it(server: Server) -> None:
    app = make_app(server, friendly_name="Call <Tracker>", company_name="Example & Co")
    person = new_person(server.store)
    browser = Browser(server)
    to_sign_in = browser.get(consent(app, "s1"))
    assert location_path(to_sign_in) == f"/signin?next={quote(consent(app, 's1'), safe='')}"
    page = " ".join(browser.get(location_path(to_sign_in)).text.split())
    assert '<h1>Sign in to connect <span class="app-name">Call &lt;Tracker&gt;</span></h1>' in page
    assert 'by <span class="company-name">Example &amp; Co</span> wants access to your account' in page
    assert "<title>Sign in to connect Call &lt;Tracker&gt; · connectapps</title>" in page
    back = browser.post("/signin", {**hidden_fields(page), "email": person.email, "password": person.password})
    assert back.headers["Location"] == consent(app, "s1")
    assert browser.get(consent(app, "s1")).status_code == 200


def test_sign_in_for_anything_else_names_no_app(server: Server) -> None:
    unready = make_app(server, authorize_redirect_url="")
    for next_path in ("/console", f"/authorize/CN{'0' * 32}", f"/authorize/{unready.sid}", "/authorize/CN123"):
        page = Browser(server).get("/signin", params={"next": next_path}).text
        assert "<h1>Sign in</h1>" in page and "Sign in to connect" not in page, next_path
        assert re.search(r"wants access", page) is None
