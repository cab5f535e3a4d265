"""The console: a signed-in person's accounts, their Connect Apps, and the apps they authorized.

Routes (each an HTML page; every form carries the session's CSRF token and answers 303):

- the lists (console_lists.py): ``GET /console`` (accounts), ``/console/apps``,
  ``/console/authorized``, ``/console/deliveries``;
- ``POST /signout/everywhere`` (views.py): "Sign out everywhere", offered on the accounts page;
- ``GET|POST /console/apps/new``: create a Connect App;
- ``GET /console/apps/{sid}``: one app, who authorized it, its deauthorize callbacks' delivery log;
- ``GET|POST /console/apps/{sid}/edit`` and ``GET|POST /console/apps/{sid}/delete``;
- ``GET|POST /console/authorizations/{AccountSid}/{ConnectAppSid}/revoke``: are you sure, and revoke.

Signed out, a page redirects to sign in. A POST checks its CSRF token before anything else
(403 otherwise: the app forms come back with what was typed, app_forms.py); then every SID in
the path must be held by the user (console_data), else 404.
"""

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import falcon

from connectapps.domain import authorizations, connect_apps
from connectapps.domain.errors import NotFound
from connectapps.domain.models import ACTIVE, ConnectApp, User
from connectapps.domain.store import Store
from connectapps.web import csrf
from connectapps.web.base import Web, sign_in_url, web_link
from connectapps.web.console_data import delivery_log, held_app, held_authorization
from connectapps.web.console_nav import APPS, AUTHORIZED, CONSOLE, PATHS, Nav, scope_of, with_params
from connectapps.web.inputs import last, read_form_lists
from connectapps.web.pages import HtmlResource, SeeOther, redirect, render

NEW_APP = f"{CONSOLE}/apps/new"

# Shown after a form succeeded (POST-redirect-GET): ``?done=<key>`` picks one of these fixed texts.
NOTICES = {
    "created": "Connect App created.",
    "saved": "Changes saved.",
    "deleted": "Connect App deleted.",
    "revoked": "Access revoked. The app can no longer use your account, and its deauthorize callback is on its way.",
    "connected": "Authorized. The app now has the access listed here; you can revoke it at any time.",
}


def app_path(app_sid: str, action: str = "") -> str:
    return f"{CONSOLE}/apps/{app_sid}" + (f"/{action}" if action else "")


def done(path: str, notice: str, params: dict[str, str] | None = None) -> str:
    return with_params(path, {**(params or {}), "done": notice})


def revoke_path(account_sid: str, app_sid: str) -> str:
    return f"{CONSOLE}/authorizations/{account_sid}/{app_sid}/revoke"


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in request: who, their form token, and the page to come back to after sign-out."""

    user: User
    csrf: str
    path: str


class ConsolePage(HtmlResource):
    """A console page: sign-in first, then the user's own things only."""

    def __init__(self, web: Web) -> None:
        self.web = web

    @property
    def store(self) -> Store:
        return self.web.store

    def visit(self, req: falcon.Request) -> Visit:
        """The signed-in user of a GET; a signed-out visitor is sent to sign in (``SeeOther``)."""
        session = self.web.begin(req)
        user = self.web.user(session)
        if session is None or user is None:
            raise SeeOther(sign_in_url(req.relative_uri))
        return Visit(user, self.web.sessions.csrf_token(session), req.path)

    def submit(self, req: falcon.Request) -> tuple[Visit, dict[str, list[str]]]:
        """The signed-in user and the form of a POST, its CSRF token checked before anything else."""
        session = self.web.begin(req)
        form = read_form_lists(req)
        self.web.check_csrf(session, last(form, csrf.FIELD))
        user = self.web.user(session)
        if session is None or user is None:
            raise SeeOther(sign_in_url(CONSOLE))
        return Visit(user, self.web.sessions.csrf_token(session), req.path), form

    def visit_app(self, req: falcon.Request, app_sid: str) -> tuple[Visit, ConnectApp]:
        """``visit``, and the user's own app (a 404 page for anyone else's)."""
        visit = self.visit(req)
        return visit, held_app(self.store, visit.user, app_sid)

    def submit_app(self, req: falcon.Request, app_sid: str) -> tuple[Visit, dict[str, list[str]], ConnectApp]:
        """``submit``, and the user's own app (a 404 page for anyone else's)."""
        visit, form = self.submit(req)
        return visit, form, held_app(self.store, visit.user, app_sid)

    def nav(self, user: User, section: str, account_sid: str) -> Nav:
        """The navigation of a page about something in ``account_sid`` (its main account is shown)."""
        return Nav(section, scope_of(self.store, user, account_sid))

    def show(self, resp: falcon.Response, visit: Visit, template: str, status: int = 200, **context: Any) -> None:
        render(resp, template, status=status, user=visit.user, csrf=visit.csrf, next_path=visit.path, **context)


def notice(req: falcon.Request) -> str | None:
    return NOTICES.get(req.get_param("done") or "")


class AppPage(ConsolePage):
    """``GET /console/apps/{sid}``: the app, who authorized it, and its callbacks' delivery log."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visit, app = self.visit_app(req, app_sid)
        self.show(resp, visit, "console_app.html", app=app, notice=notice(req),
                  nav=self.nav(visit.user, APPS, app.account_sid),
                  homepage=web_link(app.homepage_url), words=authorizations.PERMISSION_WORDS,
                  authorizations=self.store.authorizations_of_app(app.sid),
                  deliveries=delivery_log(self.store, app.sid))


class DeleteApp(ConsolePage):
    """``/console/apps/{sid}/delete``: are you sure (GET), and deleting the app (POST)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visit, app = self.visit_app(req, app_sid)
        active = [a for a in self.store.authorizations_of_app(app.sid) if a.status == ACTIVE]
        self.show(resp, visit, "console_delete.html", app=app, active=len(active),
                  nav=self.nav(visit.user, APPS, app.account_sid))

    def on_post(self, req: falcon.Request, resp: falcon.Response, app_sid: str) -> None:
        visit, _, app = self.submit_app(req, app_sid)
        nav = self.nav(visit.user, APPS, app.account_sid)
        connect_apps.delete(self.store, app.account_sid, app.sid)
        redirect(resp, done(PATHS[APPS], "deleted", nav.params))


class Revoke(ConsolePage):
    """``/console/authorizations/{AccountSid}/{ConnectAppSid}/revoke``: what revoking does and are
    you sure (GET), and ending the app's access (POST).

    Revoking queues the app's deauthorize callback in the same transaction. Revoking what has
    already ended (a second click) changes nothing and lands on the list like the first.
    """

    allowed = "GET, POST"

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, app_sid: str) -> None:
        visit = self.visit(req)
        authorization = held_authorization(self.store, visit.user, account_sid, app_sid)
        app = self.store.find_connect_app(authorization.connect_app_sid)
        if app is None:
            raise NotFound(app_sid)
        self.show(resp, visit, "console_revoke.html", authorization=authorization, app=app,
                  account=self.store.get_account(authorization.account_sid),
                  nav=self.nav(visit.user, AUTHORIZED, authorization.account_sid))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, app_sid: str) -> None:
        visit, _ = self.submit(req)
        authorization = held_authorization(self.store, visit.user, account_sid, app_sid)
        if authorization.status == ACTIVE:
            with suppress(NotFound):  # ended meanwhile by another request: the outcome asked for
                authorizations.revoke(self.store, authorization.account_sid, authorization.connect_app_sid)
        nav = self.nav(visit.user, AUTHORIZED, authorization.account_sid)
        redirect(resp, done(PATHS[AUTHORIZED], "revoked", nav.params))


def install(app: falcon.App[Any, Any], web: Web) -> None:
    """The pages of one app and revoking; the lists and the app forms add their own routes."""
    app.add_route(f"{CONSOLE}/apps/{{app_sid}}", AppPage(web))
    app.add_route(f"{CONSOLE}/apps/{{app_sid}}/delete", DeleteApp(web))
    app.add_route(f"{CONSOLE}/authorizations/{{account_sid}}/{{app_sid}}/revoke", Revoke(web))
