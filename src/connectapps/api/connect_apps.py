"""``/2010-04-01/Accounts/{AccountSid}/ConnectApps[/{Sid}].json``: fetch, update, list.

Create and delete are "Not supported" in Twilio's documentation: they answer 405 / 20004
after authentication (the public spec and SDKs carry a delete; see docs/compatibility.md).
"""

import falcon

from connectapps.api.base import Resource, respond, respond_page
from connectapps.domain import connect_apps, sids
from connectapps.domain.connect_apps import UPDATABLE_FIELDS
from connectapps.wire import forms, paging, render, uris


class ConnectAppList(Resource):
    schema = "api.v2010.account.connect_app"

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        account = self.account(req, account_sid)
        page, request = paging.parse(req.params, sids.CONNECT_APP)
        result = connect_apps.list_page(self.store, account.sid, request)
        respond_page(req, resp, "connect_apps", uris.connect_apps(account.sid),
                     [render.connect_app(a) for a in result.items], page, request, result.has_more)


class ConnectAppInstance(Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        account = self.account(req, account_sid)
        respond(resp, render.connect_app(connect_apps.fetch(self.store, account.sid, sid)))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        account = self.account(req, account_sid)
        changes = forms.pick(forms.read_form(req), UPDATABLE_FIELDS, list_fields=("permissions",))
        app = connect_apps.update(self.store, account.sid, sid, changes)
        respond(resp, render.connect_app(app))
