"""``/2010-04-01/Accounts/{AccountSid}/ConnectApps[/{Sid}].json``: fetch, update, list.

Create and delete are "Not supported" in Twilio's documentation: they answer 405 / 20004
after authentication (the public spec and SDKs carry a delete; see docs/compatibility.md).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import falcon

from connectapps.api.base import Resource, respond_encoded
from connectapps.api.express import Lane, Params
from connectapps.domain import access, connect_apps, sids
from connectapps.domain.access import Principal
from connectapps.domain.connect_apps import UPDATABLE_FIELDS
from connectapps.domain.models import Account
from connectapps.domain.store import Store
from connectapps.wire import forms, fragments, paging, render, uris

KEY = "connect_apps"


class ConnectAppList(Resource):
    schema = "api.v2010.account.connect_app"

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.bodies = fragments.PageBodies()

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        respond_encoded(resp, self.page(self.principal(req), account_sid, req.params, req.query_string))

    def lanes(self, route: str) -> list[Lane]:
        """Its express lane (api/express.py): a page."""
        def page(principal: Principal, fields: Sequence[str], params: Params, query: str) -> bytes:
            return self.page(principal, fields[0], params, query)

        return [Lane(route, self.allowed, page)]

    def page(self, principal: Principal, account_sid: str, params: Mapping[str, Any], query_string: str) -> bytes:
        """The body of the page the query asks for, if ``principal`` may read the path's account (also the
        express lane's, api/express.py).

        Its items are joined from their cached JSON (wire/fragments.py), encoding only those not seen
        before; if one vanished meanwhile, the page is read again in full. The same page asked again
        before anything commits answers the body made the first time."""
        account = access.require_access(self.store, principal, account_sid, access.READ)
        page, request = paging.parse(params, sids.CONNECT_APP)
        listed = connect_apps.list_versions(self.store, account.sid, request)
        asked = (account.sid, query_string)
        body = self.bodies.get(asked, listed)
        if body is not None:
            return body
        path, echo = uris.connect_apps(account.sid), bool(query_string)
        items = fragments.connect_app_items(
            listed.items, lambda missing: connect_apps.fetch_many(self.store, account.sid, missing))
        if items is None:
            result = connect_apps.list_page(self.store, account.sid, request)
            return render.encode(paging.envelope(KEY, path, [render.connect_app(a) for a in result.items], page,
                                                 request, result.has_more, echo_query=echo))
        keys = [sid for sid, _ in listed.items]
        envelope = paging.envelope(KEY, path, items, page, request, listed.has_more, echo_query=echo, keys=keys)
        body = fragments.encode_page(envelope, KEY, items)
        self.bodies.keep(asked, listed, body)
        return body


class ConnectAppInstance(Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        respond_encoded(resp, self.fetched(self.principal(req), account_sid, sid))

    def fetched(self, principal: Principal, account_sid: str, sid: str) -> bytes:
        """The JSON of one Connect App, if ``principal`` may read the path's account (also the express
        lane's, api/express.py)."""
        account = access.require_access(self.store, principal, account_sid, access.READ)
        return fragments.connect_app(connect_apps.fetch(self.store, account.sid, sid))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        account = self.account(req, account_sid)
        respond_encoded(resp, self.updated(account, sid, forms.read_form(req)))

    def updated(self, account: Account, sid: str, form: Mapping[str, list[str]]) -> bytes:
        """The JSON of the account's app once the form's changes are written (also the express lane's)."""
        changes = forms.pick(form, UPDATABLE_FIELDS, list_fields=("permissions",))
        app = connect_apps.update(self.store, account.sid, sid, changes)
        return render.encode(render.connect_app(app))  # not kept: each update is a new version

    def lanes(self, route: str) -> list[Lane]:
        """Its express lanes (api/express.py): a fetch, and an update."""
        def fetch(principal: Principal, fields: Sequence[str], params: Params, query: str) -> bytes:
            return self.fetched(principal, *fields)

        def update(principal: Principal, fields: Sequence[str], form: Params, query: str) -> bytes:
            account_sid, sid = fields
            return self.updated(access.require_access(self.store, principal, account_sid, access.WRITE), sid, form)

        return [Lane(route, self.allowed, fetch), Lane(route, self.allowed, update, method="POST")]
