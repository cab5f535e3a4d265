"""The console's Connect App forms, create (``/console/apps/new``) and edit (``…/{sid}/edit``).

Nothing a person typed is lost. An invalid form comes back with every problem next to its field
(app_form.py). A form whose CSRF token no longer matches — the session ended, or the person signed
out and in again in another tab — changes nothing, as every form must, and comes back (403) with
what was typed and a fresh token. If the session has ended, it comes back with the email and
password fields of sign-in above it: sending it signs in (throttled like ``/signin``) and saves in
one step. To a signed-out visitor that page shows nothing but what they sent themselves.
"""

from dataclasses import dataclass
from typing import Any

import falcon

from connectapps.domain import connect_apps, users
from connectapps.domain.errors import InvalidParameter, NotAuthenticated, Throttled
from connectapps.domain.models import Account, ConnectApp, User
from connectapps.web import csrf
from connectapps.web.app_form import TEMPLATE_CONTEXT, AppForm
from connectapps.web.base import Web, sign_in_url
from connectapps.web.console import NEW_APP, ConsolePage, Visit, app_path, done
from connectapps.web.console_data import active_accounts, held_account, held_app
from connectapps.web.console_nav import APPS, CONSOLE, PATHS, Nav
from connectapps.web.inputs import client_address, last, read_form_lists
from connectapps.web.pages import SeeOther, render
from connectapps.web.sessions import Session

EXPIRED = ("This form has expired, so nothing was saved: your session ended or changed since the page "
           "was opened. What you typed is kept below; check it and send it again.")
SIGNED_OUT = ("This form has expired, so nothing was saved: you were signed out. What you typed is kept "
              "below. Sign in here and it is sent again.")
SIGN_IN_FAILED = "Incorrect email or password."
EMAIL, PASSWORD = "email", "password"


@dataclass(frozen=True, slots=True)
class Received:
    """A posted app form: who sent it (None: signed out), their session, the fields, and why it
    cannot be saved yet (``problem``: the form expired; ``sign_in_error``: a failed sign-in)."""

    user: User | None
    session: Session
    fields: dict[str, list[str]]
    problem: str | None = None
    sign_in_error: str | None = None


class AppFormPage(ConsolePage):
    """A page with the Connect App form: shown, or shown again with what was typed and its problems."""

    def show_form(self, resp: falcon.Response, visit: Visit, form: AppForm, app: ConnectApp | None,
                  accounts: list[Account], status: int = 200, **context: Any) -> None:
        """The form to create an app (``app`` None: choose one of ``accounts``) or to edit ``app``."""
        action, cancel = (app_path(app.sid, "edit"), app_path(app.sid)) if app else (NEW_APP, PATHS[APPS])
        context.setdefault("problem", None)
        context.setdefault("nav", self.nav(visit.user, APPS, app.account_sid if app else form.account_sid))
        self.show(resp, visit, "console_app_form.html", status=status, form=form, app=app, accounts=accounts,
                  action=action, cancel=cancel, sign_in=False, sign_in_error=None, app_sid=None, email="",
                  **TEMPLATE_CONTEXT, **context)

    def receive(self, req: falcon.Request, resp: falcon.Response) -> Received:
        """The form of a POST, its CSRF token checked before anything else; signing in on the way
        if it carries email and password (the signed-out form below)."""
        session = self.web.begin(req)
        fields = read_form_lists(req)
        user = self.web.user(session)
        if session is None or not self.web.sessions.csrf_valid(session, last(fields, csrf.FIELD)):
            if session is None or user is None:
                return Received(None, self.web.sessions.start(req, resp), fields, SIGNED_OUT)
            return Received(user, session, fields, EXPIRED)
        if user is None and EMAIL in fields:
            try:
                user = users.sign_in(self.store, last(fields, EMAIL), last(fields, PASSWORD),
                                     client_address(req, self.web.proxy_hops))
            except (NotAuthenticated, Throttled) as exc:
                error = SIGN_IN_FAILED if isinstance(exc, NotAuthenticated) else "Too many failed sign-in " \
                    "attempts. Try again later; what you typed is kept."
                return Received(None, session, fields, SIGNED_OUT, error)
            session = self.web.sessions.start(req, resp, user.id)  # a new id: no session fixation
        return Received(user, session, fields)

    def refuse(self, resp: falcon.Response, received: Received, path: str, app_sid: str | None) -> bool:
        """Show the form again if it cannot be saved yet (True); False when it can be."""
        form = AppForm.read(received.fields)
        if received.user is None:
            if received.problem is None:  # signed out, with nothing to sign in with: as any page
                raise SeeOther(sign_in_url(CONSOLE))
            # Only what the visitor sent: no account, no app, nothing of anyone's.
            render(resp, "console_app_form.html", status=403, user=None, csrf=self.web.sessions.csrf_token(
                received.session), next_path=path, form=form, app=None, app_sid=app_sid, accounts=[],
                action=path, cancel=sign_in_url(path), problem=received.problem, sign_in=True,
                sign_in_error=received.sign_in_error, email=last(received.fields, EMAIL), nav=None,
                **TEMPLATE_CONTEXT)
            return True
        if received.problem is None:
            return False
        visit = Visit(received.user, self.web.sessions.csrf_token(received.session), path)
        app = held_app(self.store, received.user, app_sid) if app_sid else None
        accounts = [] if app else active_accounts(self.store, received.user)
        self.show_form(resp, visit, form, app, accounts, 403, problem=received.problem)
        return True


class NewApp(AppFormPage):
    """``/console/apps/new``: the empty form (GET) and creating the app (POST)."""

    allowed = "GET, POST"

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        visit = self.visit(req)
        nav = Nav(APPS, None)
        accounts = active_accounts(self.store, visit.user)
        held = [a.sid for a in accounts]
        chosen = req.get_param("account") or ""
        chosen = chosen if chosen in held else (held[0] if held else "")
        if accounts:
            nav = self.nav(visit.user, APPS, chosen)
        self.show_form(resp, visit, AppForm.blank(chosen), None, accounts, nav=nav)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        received = self.receive(req, resp)
        if self.refuse(resp, received, req.path, None):
            return
        assert received.user is not None
        visit = Visit(received.user, self.web.sessions.csrf_token(received.session), req.path)
        form = AppForm.read(received.fields).checked()
        account = held_account(self.store, visit.user, form.account_sid)
        if not form.errors:
            try:
                app = connect_apps.create(self.store, account.sid, form.changes())
            except InvalidParameter as exc:
                form = form.failed(exc)
            else:
                raise SeeOther(done(app_path(app.sid), "created"))
        self.show_form(resp, visit, form, None, active_accounts(self.store, visit.user), 400)


class EditApp(AppFormPage):
    """``/console/apps/{sid}/edit``: the app's form (GET) and saving it (POST)."""

    allowed = "GET, POST"

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visit, app = self.visit_app(req, app_sid)
        self.show_form(resp, visit, AppForm.of(app), app, [])

    def on_post(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        received = self.receive(req, resp)
        if self.refuse(resp, received, req.path, app_sid):
            return
        assert received.user is not None
        visit = Visit(received.user, self.web.sessions.csrf_token(received.session), req.path)
        app = held_app(self.store, visit.user, app_sid)
        form = AppForm.read(received.fields).checked()
        if not form.errors:
            try:
                connect_apps.update(self.store, app.account_sid, app.sid, form.changes())
            except InvalidParameter as exc:
                form = form.failed(exc)
            else:
                raise SeeOther(done(app_path(app.sid), "saved"))
        self.show_form(resp, visit, form, app, [], 400)


def install(app: falcon.App[Any, Any], web: Web) -> None:
    app.add_route(NEW_APP, NewApp(web))
    app.add_route(app_path("{app_sid}", "edit"), EditApp(web))
