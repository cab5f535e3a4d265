"""``/2010-04-01/Accounts/{AccountSid}/AuthorizedConnectApps[/{ConnectAppSid}].json``: fetch, list.

The Connect Apps an account has authorized (and not revoked), in ConnectApp SID order. Read
only: authorizing happens on the consent page, revoking in the console or the CLI.
"""

import falcon

from connectapps.api.base import Resource, respond
from connectapps.domain import sids
from connectapps.domain.errors import NotFound
from connectapps.domain.models import ACTIVE, Authorization
from connectapps.store.interface import Store
from connectapps.wire import paging, render, uris


def _render(store: Store, authorization: Authorization) -> dict[str, object]:
    app = store.find_connect_app(authorization.connect_app_sid)
    if app is None:  # an authorization outlives no app: deleting an app revokes its authorizations
        raise NotFound(authorization.connect_app_sid)
    return render.authorized_connect_app(authorization, app)


class AuthorizedConnectAppList(Resource):
    schema = "api.v2010.account.authorized_connect_app"

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        account = self.account(req, account_sid)
        page, request = paging.parse(req.params, sids.CONNECT_APP)
        result = self.store.list_authorizations(account.sid, request)
        respond(resp, paging.envelope(
            "authorized_connect_apps", uris.authorized_connect_apps(account.sid),
            [_render(self.store, a) for a in result.items], page, request, result.has_more,
            sid_key="connect_app_sid", echo_query=bool(req.query_string),
        ))


class AuthorizedConnectAppInstance(Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, connect_app_sid: str) -> None:
        account = self.account(req, account_sid)
        authorization = (
            self.store.get_authorization(account.sid, connect_app_sid)
            if sids.is_sid(connect_app_sid, sids.CONNECT_APP) else None
        )
        if authorization is None or authorization.status != ACTIVE:
            raise NotFound(connect_app_sid)
        respond(resp, _render(self.store, authorization))
