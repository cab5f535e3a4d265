"""The console: a signed-in person's accounts, their Connect Apps, and the apps they authorized.

Routes (each an HTML page; every form carries the session's CSRF token and answers 303):

- ``GET /console``: accounts and subaccounts (auth tokens behind a click), your Connect Apps,
  the apps authorized on your accounts with a Revoke button, and "Sign out everywhere"
  (``POST /signout/everywhere``, views.py);
- ``GET|POST /console/apps/new``: create a Connect App;
- ``GET /console/apps/{sid}``: one app, who authorized it, its deauthorize callbacks' delivery log;
- ``GET|POST /console/apps/{sid}/edit`` and ``GET|POST /console/apps/{sid}/delete``;
- ``POST /console/authorizations/{AccountSid}/{ConnectAppSid}/revoke``.

Signed out, a page redirects to sign in. A POST checks its CSRF token before anything else
(403 otherwise); then every SID in the path must be held by the user (console_data), else 404.
"""

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import falcon

from connectapps.domain import authorizations, connect_apps, sessions
from connectapps.domain.errors import InvalidParameter, NotFound
from connectapps.domain.models import ACTIVE, Account, ConnectApp, User
from connectapps.store.interface import Store
from connectapps.web import csrf
from connectapps.web.app_form import TEMPLATE_CONTEXT, AppForm
from connectapps.web.console_data import (
    delivery_log,
    every_account,
    held_account,
    held_app,
    held_authorization,
    holdings,
    overview,
)
from connectapps.web.inputs import last, read_form_lists
from connectapps.web.pages import Page, redirect, render
from connectapps.web.views import Web, sign_in_url, web_link

CONSOLE = "/console"
NEW_APP = f"{CONSOLE}/apps/new"

# Shown after a form succeeded (POST-redirect-GET): ``?done=<key>`` picks one of these fixed texts.
NOTICES = {
    "created": "Connect App created.",
    "saved": "Changes saved.",
    "deleted": "Connect App deleted.",
    "revoked": "Access revoked. The app can no longer use your account.",
}


def app_path(app_sid: str, action: str = "") -> str:
    return f"{CONSOLE}/apps/{app_sid}" + (f"/{action}" if action else "")


def done(path: str, notice: str) -> str:
    return f"{path}?done={notice}"


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in request: who, their form token, and the page to come back to after sign-out."""

    user: User
    csrf: str
    path: str


class ConsolePage(Page):
    """A console page: sign-in first, then the user's own things only."""

    def __init__(self, web: Web) -> None:
        self.web = web

    @property
    def store(self) -> Store:
        return self.web.store

    def visit(self, req: falcon.Request, resp: falcon.Response) -> Visit | None:
        """The signed-in user of a GET; None after redirecting a signed-out one to sign in."""
        session = self.web.begin(req)
        user = self.web.user(session)
        if session is None or user is None:
            redirect(resp, sign_in_url(req.path))
            return None
        return Visit(user, self.web.sessions.csrf_token(session), req.path)

    def submit(self, req: falcon.Request, resp: falcon.Response) -> tuple[Visit, dict[str, list[str]]] | None:
        """The signed-in user and the form of a POST, its CSRF token checked before anything else."""
        session = self.web.begin(req)
        form = read_form_lists(req)
        self.web.check_csrf(session, last(form, csrf.FIELD))
        user = self.web.user(session)
        if session is None or user is None:
            redirect(resp, sign_in_url(CONSOLE))
            return None
        return Visit(user, self.web.sessions.csrf_token(session), req.path), form

    def visit_app(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> tuple[Visit, ConnectApp] | None:
        """``visit``, and the user's own app (a 404 page for anyone else's)."""
        visit = self.visit(req, resp)
        return None if visit is None else (visit, held_app(self.store, visit.user, app_sid))

    def submit_app(
        self, req: falcon.Request, resp: falcon.Response, app_sid: str
    ) -> tuple[Visit, dict[str, list[str]], ConnectApp] | None:
        """``submit``, and the user's own app (a 404 page for anyone else's)."""
        submitted = self.submit(req, resp)
        if submitted is None:
            return None
        visit, form = submitted
        return visit, form, held_app(self.store, visit.user, app_sid)

    def show(self, resp: falcon.Response, visit: Visit, template: str, status: int = 200, **context: Any) -> None:
        render(resp, template, status=status, user=visit.user, csrf=visit.csrf, next_path=visit.path, **context)


def notice(req: falcon.Request) -> str | None:
    return NOTICES.get(req.get_param("done") or "")


class Console(ConsolePage):
    """``GET /console``: everything the user holds, on one page."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        visit = self.visit(req, resp)
        if visit is None:
            return
        view = overview(self.store, visit.user)
        live = sessions.count(self.store, visit.user.id, datetime.now(UTC))
        self.show(resp, visit, "console.html", view=view, notice=notice(req), words=authorizations.PERMISSION_WORDS,
                  sessions=live)


class AppFormPage(ConsolePage):
    """A page with the Connect App form: shown, or shown again with the API's error text."""

    def show_form(self, resp: falcon.Response, visit: Visit, form: AppForm, app: ConnectApp | None,
                  accounts: list[Account], status: int = 200) -> None:
        """The form to create an app (``app`` None: choose one of ``accounts``) or to edit ``app``."""
        action, cancel = (app_path(app.sid, "edit"), app_path(app.sid)) if app else (NEW_APP, CONSOLE)
        self.show(resp, visit, "console_app_form.html", status=status, form=form, app=app, accounts=accounts,
                  action=action, cancel=cancel, **TEMPLATE_CONTEXT)


class NewApp(AppFormPage):
    """``/console/apps/new``: the empty form (GET) and creating the app (POST)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        visit = self.visit(req, resp)
        if visit is None:
            return
        accounts = active_accounts(self.store, visit.user)
        self.show_form(resp, visit, AppForm.blank(accounts[0].sid if accounts else ""), None, accounts)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        submitted = self.submit(req, resp)
        if submitted is None:
            return
        visit, fields = submitted
        form = AppForm.read(fields)
        account = held_account(self.store, visit.user, form.account_sid)
        try:
            app = connect_apps.create(self.store, account.sid, form.changes())
        except InvalidParameter as exc:
            accounts = active_accounts(self.store, visit.user)
            self.show_form(resp, visit, form.failed(exc, req.path), None, accounts, 400)
            return
        redirect(resp, done(app_path(app.sid), "created"))


def active_accounts(store: Store, user: User) -> list[Account]:
    """The accounts a new Connect App may go in: the user's active ones (the domain refuses others)."""
    return [a for a in every_account(holdings(store, user)) if a.status == ACTIVE]


class AppPage(ConsolePage):
    """``GET /console/apps/{sid}``: the app, who authorized it, and its callbacks' delivery log."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visited = self.visit_app(req, resp, app_sid)
        if visited is None:
            return
        visit, app = visited
        self.show(resp, visit, "console_app.html", app=app, notice=notice(req),
                  homepage=web_link(app.homepage_url), words=authorizations.PERMISSION_WORDS,
                  authorizations=self.store.authorizations_of_app(app.sid),
                  deliveries=delivery_log(self.store, app.sid))


class EditApp(AppFormPage):
    """``/console/apps/{sid}/edit``: the app's form (GET) and saving it (POST)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visited = self.visit_app(req, resp, app_sid)
        if visited is None:
            return
        visit, app = visited
        self.show_form(resp, visit, AppForm.of(app), app, [])

    def on_post(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        submitted = self.submit_app(req, resp, app_sid)
        if submitted is None:
            return
        visit, fields, app = submitted
        form = AppForm.read(fields)
        try:
            connect_apps.update(self.store, app.account_sid, app.sid, form.changes())
        except InvalidParameter as exc:
            self.show_form(resp, visit, form.failed(exc, req.path), app, [], 400)
            return
        redirect(resp, done(app_path(app.sid), "saved"))


class DeleteApp(ConsolePage):
    """``/console/apps/{sid}/delete``: are you sure (GET), and deleting the app (POST)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visited = self.visit_app(req, resp, app_sid)
        if visited is None:
            return
        visit, app = visited
        active = [a for a in self.store.authorizations_of_app(app.sid) if a.status == ACTIVE]
        self.show(resp, visit, "console_delete.html", app=app, active=len(active))

    def on_post(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        submitted = self.submit_app(req, resp, app_sid)
        if submitted is None:
            return
        _, _, app = submitted
        connect_apps.delete(self.store, app.account_sid, app.sid)
        redirect(resp, done(CONSOLE, "deleted"))


class Revoke(ConsolePage):
    """``POST /console/authorizations/{AccountSid}/{ConnectAppSid}/revoke``: end an app's access.

    Revoking queues the app's deauthorize callback in the same transaction. Revoking what has
    already ended (a second click) changes nothing and lands on the console like the first.
    """

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, app_sid: str) -> None:
        submitted = self.submit(req, resp)
        if submitted is None:
            return
        visit, _ = submitted
        authorization = held_authorization(self.store, visit.user, account_sid, app_sid)
        if authorization.status == ACTIVE:
            with suppress(NotFound):  # ended meanwhile by another request: the outcome asked for
                authorizations.revoke(self.store, authorization.account_sid, authorization.connect_app_sid)
        redirect(resp, done(CONSOLE, "revoked"))


def install(app: falcon.App[Any, Any], web: Web) -> None:
    app.add_route(CONSOLE, Console(web))
    app.add_route(NEW_APP, NewApp(web))
    app.add_route(f"{CONSOLE}/apps/{{app_sid}}", AppPage(web))
    app.add_route(f"{CONSOLE}/apps/{{app_sid}}/edit", EditApp(web))
    app.add_route(f"{CONSOLE}/apps/{{app_sid}}/delete", DeleteApp(web))
    app.add_route(f"{CONSOLE}/authorizations/{{account_sid}}/{{app_sid}}/revoke", Revoke(web))
