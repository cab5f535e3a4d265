"""Sign-in, sign-out, sessions and CSRF, over HTTP against a real server."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from connectapps.domain import sessions as server_sessions
from connectapps.domain.models import User, WebSession
from connectapps.web.sessions import LIFETIME_SECONDS, Session, Sessions
from tests.conftest import Server
from tests.web.helpers import Browser, hidden_fields, location_path, new_person

GENERIC_ERROR = "Incorrect email or password."


def test_signin_page_sets_a_signed_out_session_cookie_with_safe_flags(server: Server) -> None:
    resp = Browser(server).get("/signin")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("connectapps_session=v1.")
    flags = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert f"max-age={LIFETIME_SECONDS}" in flags
    assert "secure" not in flags  # served over http
    assert hidden_fields(resp.text)["csrf"]


def test_sign_in_redirects_to_next_and_rotates_the_session_id(server: Server) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    browser.get("/signin")
    before = browser.cookie()
    resp = browser.sign_in(person, next_path="/authorize/CN00000000000000000000000000000000?state=s")
    assert resp.status_code == 303
    assert location_path(resp) == "/authorize/CN00000000000000000000000000000000?state=s"
    after = browser.cookie()
    assert before and after
    assert before.split(".")[1] != after.split(".")[1]  # a new session id: no fixation
    assert after.split(".")[2] == person.user.id
    assert browser.signed_in()
    assert person.email in browser.get("/").text


def test_sign_in_ignores_case_and_spaces_in_the_email(server: Server) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    resp = browser.post("/signin", {"csrf": browser.csrf(), "email": f"  {person.email.upper()} ",
                                    "password": person.password})
    assert resp.status_code == 303
    assert location_path(resp) == "/"


@pytest.mark.parametrize("which", ["wrong password", "unknown email"])
def test_failed_sign_in_shows_the_form_again_with_one_generic_error(server: Server, which: str) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    email = person.email if which == "wrong password" else "nobody-" + person.email
    resp = browser.post("/signin", {"csrf": browser.csrf(), "email": email, "password": "not the password",
                                    "next": "/somewhere"})
    assert resp.status_code == 200
    assert GENERIC_ERROR in resp.text
    assert "password is" not in resp.text.lower() and "no account" not in resp.text.lower()
    assert 'value="not the password"' not in resp.text  # the password is never echoed
    assert hidden_fields(resp.text)["next"] == "/somewhere"
    assert f'value="{email}"' in resp.text
    assert not browser.signed_in()


@pytest.mark.parametrize("token", [None, "", "0" * 64, "not-a-token"])
def test_sign_in_without_the_right_csrf_token_is_refused(server: Server, token: str | None) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    browser.get("/signin")
    form = {"email": person.email, "password": person.password}
    if token is not None:
        form["csrf"] = token
    resp = browser.post("/signin", form)
    assert resp.status_code == 403
    assert "This form has expired" in resp.text
    assert "Set-Cookie" not in resp.headers
    assert not browser.signed_in()


def test_a_token_from_another_session_is_refused(server: Server) -> None:
    person = new_person(server.store)
    theirs = Browser(server).csrf()
    browser = Browser(server)
    browser.get("/signin")
    resp = browser.post("/signin", {"csrf": theirs, "email": person.email, "password": person.password})
    assert resp.status_code == 403
    assert not browser.signed_in()


def test_sign_in_without_any_session_cookie_is_refused(server: Server) -> None:
    person = new_person(server.store)
    token = Browser(server).csrf()
    resp = Browser(server).post("/signin", {"csrf": token, "email": person.email, "password": person.password})
    assert resp.status_code == 403


OPEN_REDIRECTS = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=y",  # stays a harmless path: encoded, never decoded into a header
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site(server: Server, target: str) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    page = browser.get("/signin", params={"next": target})
    shown = hidden_fields(page.text)["next"]
    resp = browser.sign_in(person, next_path=target)
    assert resp.status_code == 303
    location = resp.headers["Location"]
    if target.startswith("/%0d"):
        assert location == target == shown
    else:
        assert location == "/" and shown == "/"
    # Signed in already, GET /signin?next=… redirects at once — with the same rule.
    again = browser.get("/signin", params={"next": target})
    assert again.status_code == 303
    assert again.headers["Location"] == location


def test_signed_in_get_signin_goes_to_next(server: Server) -> None:
    browser = Browser(server)
    browser.sign_in(new_person(server.store))
    resp = browser.get("/signin", params={"next": "/static/style.css"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/static/style.css"


def _forge(server: Server, session: Session) -> str:
    return Sessions(server.store, 0).encode(session)


@pytest.mark.parametrize("how", ["signature", "user id", "expiry", "truncated", "garbage", "other key"])
def test_a_tampered_session_cookie_is_not_believed(server: Server, how: str) -> None:
    person = new_person(server.store)
    victim = new_person(server.store)
    browser = Browser(server)
    browser.sign_in(person)
    cookie = browser.cookie()
    assert cookie is not None and browser.signed_in()
    version, sid, _user, expires, signature = cookie.split(".")
    # one character of the signature changed, and in its data bits (the last one also carries padding):
    # a fixed "AA" at the end was the signature itself once in ~1,000 runs
    tampered = signature[:-2] + ("B" if signature[-2] == "A" else "A") + signature[-1]
    forged = {
        "signature": f"{version}.{sid}.{person.user.id}.{expires}.{tampered}",
        "user id": f"{version}.{sid}.{victim.user.id}.{expires}.{signature}",
        "expiry": f"{version}.{sid}.{person.user.id}.{int(expires) + 10**6}.{signature}",
        "truncated": f"{version}.{sid}.{person.user.id}.{expires}",
        "garbage": "x" * 80,
        "other key": _other_key_cookie(person.user.id),
    }[how]
    other = Browser(server)
    other.http.cookies.set("connectapps_session", forged)
    assert not other.signed_in()
    resp = other.get("/signin")
    assert resp.status_code == 200  # the sign-in form, with a new session
    assert resp.headers["Set-Cookie"].split(";")[0] != f"connectapps_session={forged}"


class _OtherKey:
    """The roles sessions use, with a session key that is not the server's and no session rows."""

    def setting(self, name: str, default: Callable[[], str]) -> str:
        return "11" * 32

    def insert_web_session(self, session: WebSession, keep: int) -> None:
        raise AssertionError("only signs")

    def web_session_user(self, session_id: str, user_id: str, now: datetime) -> User | None:
        return None

    def delete_web_session(self, session_id: str) -> None:
        raise AssertionError("only signs")

    def delete_web_sessions(self, user_id: str) -> None:
        raise AssertionError("only signs")

    def count_web_sessions(self, user_id: str, now: datetime) -> int:
        return 0


def _other_key_cookie(user_id: str) -> str:
    sessions = Sessions(_OtherKey(), 0)
    return sessions.encode(Session("0" * 32, user_id, int(time.time()) + 3600))


def test_an_expired_session_is_signed_out_even_with_a_good_signature(server: Server) -> None:
    person = new_person(server.store)
    browser = Browser(server)
    now = int(time.time())
    session_id = secrets.token_hex(16)
    browser.http.cookies.set("connectapps_session", _forge(server, Session(session_id, person.user.id, now - 1)))
    assert not browser.signed_in()
    live = Session(session_id, person.user.id, now + 60)
    browser.http.cookies.set("connectapps_session", _forge(server, live))
    assert not browser.signed_in()  # a good signature, but no session the server began
    server_sessions.begin(server.store, person.user.id, session_id, datetime.fromtimestamp(now + 60, UTC),
                          datetime.now(UTC))
    assert browser.signed_in()  # the same cookie, unexpired and live: the key really is the server's


def test_sign_out_needs_the_csrf_token_then_ends_the_session(server: Server) -> None:
    browser = Browser(server)
    browser.sign_in(new_person(server.store))
    old = browser.cookie()
    refused = browser.post("/signout", {"csrf": "wrong"})
    assert refused.status_code == 403
    assert browser.signed_in()
    resp = browser.post("/signout", {"csrf": browser.csrf("/"), "next": "/authorize/CN1?state=x"})
    assert resp.status_code == 303
    assert location_path(resp) == "/signin?next=%2Fauthorize%2FCN1%3Fstate%3Dx"
    assert not browser.signed_in()
    new = browser.cookie()
    assert new and old and new.split(".")[1] != old.split(".")[1]
    assert new.split(".")[2] == "-"
    # The old cookie, replayed, still has a good signature, but its session has ended on the server.
    replay = Browser(server)
    replay.http.cookies.set("connectapps_session", old)
    assert not replay.signed_in()


def test_a_deleted_user_is_not_signed_in(server: Server) -> None:
    browser = Browser(server)
    browser.http.cookies.set(
        "connectapps_session", _forge(server, Session("b" * 32, "US" + "0" * 32, int(time.time()) + 60))
    )
    assert not browser.signed_in()


def test_home_without_a_session_redirects_to_sign_in(server: Server) -> None:
    resp = Browser(server).get("/")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/signin"


def test_other_methods_are_an_html_405(server: Server) -> None:
    resp = Browser(server).http.put(server.url + "/signin", timeout=10)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert Browser(server).get("/signout").headers["Allow"] == "POST, OPTIONS"


def test_a_non_form_post_is_refused(server: Server) -> None:
    browser = Browser(server)
    token = browser.csrf()
    resp = browser.http.post(server.url + "/signin", json={"csrf": token}, timeout=10)
    assert resp.status_code == 400
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
