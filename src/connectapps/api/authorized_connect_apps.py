"""``/2010-04-01/Accounts/{AccountSid}/AuthorizedConnectApps[/{ConnectAppSid}].json``: fetch, list.

The Connect Apps an account has authorized (and not revoked), in ConnectApp SID order. Read
only: authorizing happens on the consent page, revoking in the console or the CLI.
"""

import falcon

from connectapps.api.base import Resource, respond, respond_page
from connectapps.domain import authorizations, sids
from connectapps.wire import paging, render, uris


class AuthorizedConnectAppList(Resource):
    schema = "api.v2010.account.authorized_connect_app"

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        account = self.account(req, account_sid)
        page, request = paging.parse(req.params, sids.CONNECT_APP)
        result = authorizations.granted_page(self.store, account.sid, request)
        respond_page(req, resp, "authorized_connect_apps", uris.authorized_connect_apps(account.sid),
                     [render.authorized_connect_app(a, app) for a, app in result.items], page, request,
                     result.has_more, sid_key="connect_app_sid")


class AuthorizedConnectAppInstance(Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, connect_app_sid: str) -> None:
        account = self.account(req, account_sid)
        respond(resp, render.authorized_connect_app(*authorizations.granted(self.store, account.sid, connect_app_sid)))
