"""``/2010-04-01/Accounts/{AccountSid}/ConnectApps[/{Sid}].json``: fetch, update, list.

Create and delete are "Not supported" in Twilio's documentation: they answer 405 / 20004
after authentication (the public spec and SDKs carry a delete; see docs/compatibility.md).
"""

import falcon

from connectapps.api.auth import target_account
from connectapps.domain import connect_apps, sids
from connectapps.domain.connect_apps import UPDATABLE_FIELDS
from connectapps.domain.models import ConnectApp
from connectapps.store.interface import Store
from connectapps.wire import forms, paging, render, uris
from connectapps.wire.errors import INVALID_PARAMETER, TwilioError, method_not_allowed


def _respond(resp: falcon.Response, app: ConnectApp) -> None:
    resp.content_type = render.JSON
    resp.data = render.encode(render.connect_app(app))


class ConnectAppList:
    def __init__(self, store: Store) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        account_sid = target_account(self.store, req, account_sid)
        page, request = paging.parse(req.params, sids.CONNECT_APP)
        result = connect_apps.list_page(self.store, account_sid, request)
        items = [render.connect_app(app) for app in result.items]
        body = paging.envelope(
            "connect_apps", uris.connect_apps(account_sid), items, page, request, result.has_more,
            echo_query=bool(req.query_string),
        )
        resp.content_type = render.JSON
        resp.data = render.encode(body)

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        target_account(self.store, req, account_sid)
        raise method_not_allowed("POST", req.path, "GET")


class ConnectAppInstance:
    def __init__(self, store: Store) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        account_sid = target_account(self.store, req, account_sid)
        _respond(resp, connect_apps.fetch(self.store, account_sid, sid))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        account_sid = target_account(self.store, req, account_sid)
        try:
            form = forms.read_form(req)
        except forms.FormError as exc:
            raise TwilioError(400, INVALID_PARAMETER, f"Unreadable request body: {exc}") from None
        changes = forms.pick(form, UPDATABLE_FIELDS, list_fields=("permissions",))
        _respond(resp, connect_apps.update(self.store, account_sid, sid, changes))  # type: ignore[arg-type]

    def on_delete(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        target_account(self.store, req, account_sid)
        raise method_not_allowed("DELETE", req.path, "GET, POST")
