"""Sessions the server can end: sign-out, "sign out everywhere", a password change — over HTTP."""

from __future__ import annotations

from connectapps.domain import users
from tests.conftest import Server
from tests.web.console_helpers import APP_FIELDS, app_form, signed_in
from tests.web.helpers import Browser, Person, hidden_fields, location_path


def copy_of(server: Server, browser: Browser) -> Browser:
    """Another client holding a copy of ``browser``'s session cookie (as a thief would)."""
    thief = Browser(server)
    cookie = browser.cookie()
    assert cookie is not None
    thief.http.cookies.set("connectapps_session", cookie)
    return thief


def sign_out(browser: Browser, path: str = "/signout") -> None:
    resp = browser.post(path, {"csrf": browser.csrf("/console")})
    assert resp.status_code == 303, resp.text
    assert location_path(resp) == "/signin"


def test_a_cookie_replayed_after_sign_out_opens_nothing_and_saves_nothing(server: Server) -> None:
    browser, person = signed_in(server)
    app = server.app(person.account, **APP_FIELDS)
    thief = copy_of(server, browser)
    assert thief.get("/console").status_code == 200  # the copy works while the session lives
    edit = app_form(thief, friendly_name="Changed by a stolen cookie")
    sign_out(browser)
    console = thief.get("/console")
    assert console.status_code == 303
    assert location_path(console) == "/signin?next=%2Fconsole"
    assert person.account.auth_token not in console.text
    saved = thief.post(f"/console/apps/{app.sid}/edit", edit)
    assert saved.status_code == 303
    assert location_path(saved).startswith("/signin")
    assert server.store.find_connect_app(app.sid) == app  # nothing saved


def test_sign_out_ends_only_that_session(server: Server) -> None:
    laptop, person = signed_in(server)
    phone = Browser(server)
    assert phone.sign_in(person).status_code == 303
    sign_out(laptop)
    assert not laptop.signed_in()
    assert phone.signed_in()


def test_the_console_offers_sign_out_everywhere_which_ends_every_session(server: Server) -> None:
    laptop, person = signed_in(server)
    phone = Browser(server)
    assert phone.sign_in(person).status_code == 303
    thief = copy_of(server, phone)
    page = laptop.get("/console")
    assert '<form method="post" action="/signout/everywhere">' in page.text
    assert "Signed in on 2 browsers" in page.text
    refused = laptop.post("/signout/everywhere", {"csrf": "forged"})
    assert refused.status_code == 403
    assert laptop.signed_in() and phone.signed_in()
    sign_out(laptop, "/signout/everywhere")
    assert not laptop.signed_in()
    assert not phone.signed_in()
    assert not thief.signed_in()
    assert laptop.sign_in(person).status_code == 303  # signing in again works as ever


def test_a_password_change_ends_every_session(server: Server) -> None:
    laptop, person = signed_in(server)
    thief = copy_of(server, laptop)
    users.set_password(server.store, person.email, "a completely new password")
    assert not laptop.signed_in()
    assert not thief.signed_in()
    form = {"csrf": laptop.csrf(), "email": person.email, "password": person.password}
    assert "Incorrect email or password." in laptop.post("/signin", form).text
    renewed = Person(person.user, person.accounts, "a completely new password")
    assert laptop.sign_in(renewed).status_code == 303
    assert laptop.signed_in()


def test_sign_out_everywhere_signed_out_is_just_a_sign_out(server: Server) -> None:
    browser = Browser(server)
    token = hidden_fields(browser.get("/signin").text)["csrf"]
    resp = browser.post("/signout/everywhere", {"csrf": token})
    assert resp.status_code == 303
    assert location_path(resp) == "/signin"
    assert Browser(server).get("/signout/everywhere").headers["Allow"] == "POST, OPTIONS"
