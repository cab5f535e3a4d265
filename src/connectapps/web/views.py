"""The web pages: sign in, sign out, the Twilio Connect consent page, a small home page.

Each responder parses, checks the CSRF token on a POST before anything else, calls the domain,
and renders or redirects; failures become HTML pages in pages.py.
"""

import ipaddress
import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import falcon

from connectapps.domain import authorizations, meter, passwords, sessions, users
from connectapps.domain.errors import Busy, ConsentChanged, DomainError, NotAuthenticated
from connectapps.domain.models import ConnectApp, User
from connectapps.domain.store import Store
from connectapps.web import csrf, static
from connectapps.web.base import SIGN_IN, Web, sign_in_url, web_link
from connectapps.web.inputs import client_address, discard_body, read_form, safe_next
from connectapps.web.pages import HtmlResource, WebError, redirect, render
from connectapps.web.sessions import Session

CONSENT_CHANGED = ("This app changed while this page was open, so nothing was authorized. "
                   "Check what it asks for now, then answer again.")
_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))
_HOST = re.compile(r"^[A-Za-z0-9.\-]+\Z")


FORM_EXPIRED = "This form has expired, so nothing was checked. Enter your password again."
_CONSENT_PATH = re.compile(r"^/authorize/(CN[0-9a-fA-F]{32})(?:\?|\Z)")


def asking_app(store: Store, next_path: str) -> ConnectApp | None:
    """The Connect App whose consent page sign-in will return to, if it is one that can be authorized."""
    match = _CONSENT_PATH.match(next_path)
    if match is None:
        return None
    try:
        return authorizations.consent_app(store, match.group(1))
    except DomainError:
        return None


def consent_path(app_sid: str, state: str | None) -> str:
    return f"/authorize/{app_sid}" + (f"?{urlencode({'state': state})}" if state else "")


def form_target(url: str) -> str | None:
    """The CSP source for ``url``'s origin (``scheme://host[:port]``), or just its scheme."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        return None
    if scheme not in ("http", "https") or not host:
        return None
    try:
        address = ipaddress.ip_address(host)
        host = f"[{address}]" if address.version == 6 else str(address)
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return f"{scheme}:"
        if not _HOST.match(host):
            return f"{scheme}:"
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def ascii_location(url: str) -> str:
    """``url`` safe for a Location header: anything beyond ASCII percent-encoded as UTF-8."""
    return quote(url, safe=_PRINTABLE_ASCII)


class Home(HtmlResource):
    """``GET /``: who is signed in, and their accounts."""

    def __init__(self, web: Web) -> None:
        self.web = web

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        session = self.web.begin(req)
        user = self.web.user(session)
        if session is None or user is None:
            redirect(resp, SIGN_IN)
            return
        render(resp, "home.html", user=user, accounts=self.web.store.accounts_of_user(user.id),
               csrf=self.web.sessions.csrf_token(session), next_path="/")


class SignIn(HtmlResource):
    """``GET /signin`` shows the form; ``POST /signin`` checks email and password."""

    def __init__(self, web: Web) -> None:
        self.web = web

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        session = self.web.begin(req)
        next_path = safe_next(req.get_param("next"))
        if self.web.user(session) is not None:
            redirect(resp, next_path)
            return
        if session is None:
            session = self.web.sessions.start(req, resp)
        self._form(resp, session, next_path)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        if passwords.saturated():  # refused before any work: a flood of sign-ins must not crowd out the rest
            discard_body(req)
            meter.signin_refused("busy")
            raise Busy()
        session = self.web.begin(req)
        form = read_form(req)
        next_path = safe_next(form.get("next"))
        email = form.get("email", "")
        if session is None or not self.web.sessions.csrf_valid(session, form.get(csrf.FIELD)):
            # Nothing is checked; the form comes back with the email kept and a fresh token.
            session = session or self.web.sessions.start(req, resp)
            self._form(resp, session, next_path, email=email, error=FORM_EXPIRED, status=403)
            return
        address = client_address(req, self.web.proxy_hops)
        try:
            user = users.sign_in(self.web.store, email, form.get("password", ""), address)
        except NotAuthenticated:
            self._form(resp, session, next_path, email=email, error="Incorrect email or password.")
            return
        self.web.sessions.start(req, resp, user.id)  # a new id: no session fixation
        redirect(resp, next_path)

    def _form(self, resp: falcon.Response, session: Session, next_path: str, status: int = 200,
              **context: Any) -> None:
        context.setdefault("email", "")
        context.setdefault("error", None)
        asking = asking_app(self.web.store, next_path)
        render(resp, "signin.html", status=status, csrf=self.web.sessions.csrf_token(session),
               next_path=next_path, user=None, asking=asking, asking_name=app_name(asking) if asking else None,
               **context)


class SignOut(HtmlResource):
    """``POST /signout``: this session ends on the server (every copy of its cookie with it); a
    new, signed-out session; then the sign-in page (keeping ``next``)."""

    def __init__(self, web: Web) -> None:
        self.web = web

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        session = self.web.begin(req)
        form = read_form(req)
        self.web.check_csrf(session, form.get(csrf.FIELD))
        self.end(session)
        self.web.sessions.start(req, resp)
        redirect(resp, sign_in_url(safe_next(form.get("next"))))

    def end(self, session: Session | None) -> None:
        self.web.sessions.end(session)


class SignOutEverywhere(SignOut):
    """``POST /signout/everywhere``: every session of the user ends, in every browser."""

    def end(self, session: Session | None) -> None:
        user = self.web.user(session)
        if user is not None:
            sessions.end_everywhere(self.web.store, user.id)


class Consent(HtmlResource):
    """``/authorize/{ConnectAppSid}``: the consent page (GET) and the user's answer (POST).

    The browser is only ever sent to the app's stored authorize_redirect_url; no parameter of
    this request chooses the destination.
    """

    def __init__(self, web: Web) -> None:
        self.web = web

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        session = self.web.begin(req)
        app = authorizations.consent_app(self.web.store, app_sid)
        state = req.get_param("state") or None
        user = self.web.user(session)
        if session is None or user is None:
            redirect(resp, sign_in_url(consent_path(app.sid, state)))
            return
        self._page(resp, session, user, app, state)

    def _page(self, resp: falcon.Response, session: Session, user: User, app: ConnectApp, state: str | None,
              status: int = 200, notice: str | None = None, chosen: str | None = None) -> None:
        """The consent page; its form carries the app's terms as shown, signed for this session."""
        accounts = self.web.store.accounts_of_user(user.id)
        if not accounts:
            raise WebError(403, "No account to connect", "Your sign-in has no Twilio account to connect.")
        assert app.authorize_redirect_url
        render(
            resp, "consent.html", status=status, form_target=form_target(app.authorize_redirect_url),
            app=app, name=app_name(app), homepage=web_link(app.homepage_url),
            permissions=[authorizations.PERMISSION_WORDS[p] for p in app.permissions],
            subaccount_name=authorizations.SUBACCOUNT_NAME.format(name=app_name(app)),
            accounts=accounts, chosen=chosen or accounts[0].sid, state=state, user=user, notice=notice,
            terms=self.web.sessions.seal(session, authorizations.terms(app)),
            csrf=self.web.sessions.csrf_token(session), next_path=consent_path(app.sid, state),
        )

    def on_post(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        session = self.web.begin(req)
        form = read_form(req)
        self.web.check_csrf(session, form.get(csrf.FIELD))
        assert session is not None
        app = authorizations.consent_app(self.web.store, app_sid)
        state = form.get("state") or None
        decision = form.get("decision")
        if decision == "deny":
            redirect(resp, ascii_location(authorizations.denied_redirect(app, state)))
            return
        if decision != "authorize":
            raise WebError(400, "Bad request", "Choose Authorize or Deny.")
        user = self.web.user(session)
        if user is None:
            redirect(resp, sign_in_url(consent_path(app.sid, state)))
            return
        account = users.owns(self.web.store, user, form.get("account", ""))
        if account is None:
            raise WebError(403, "Not your account", "You can only connect an account you own.")
        shown = self.web.sessions.unseal(session, form.get("terms", "")) or ""
        try:
            authorization = authorizations.authorize_as_shown(self.web.store, app, account, shown)
        except ConsentChanged:
            self._page(resp, session, user, app, state, status=409, notice=CONSENT_CHANGED, chosen=account.sid)
            return
        redirect(resp, ascii_location(authorizations.approved_redirect(app, authorization, state)))


def app_name(app: ConnectApp) -> str:
    return app.friendly_name or app.sid


class StaticFile(HtmlResource):
    """``GET /static/{name}``: the pages' CSS."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if not static.serve(resp, name):
            raise WebError(404, "Not found", "There is no such file.")
