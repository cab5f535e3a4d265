"""``/2010-04-01/Accounts/{AccountSid}/Keys[/{Sid}].json``: API keys — create, list, fetch, update, delete.

For the account's own credentials: its auth token (or its parent's), or a Main key; a Standard
key answers 401 / 20003 here as on Twilio, and a Connect App is refused (a key it made would
outlive the authorization). The API creates Standard keys; the secret is in the create answer only.
"""

import falcon

from connectapps.api.base import Resource, respond, respond_page
from connectapps.domain import access, keys, sids
from connectapps.domain.errors import Forbidden
from connectapps.domain.models import Account
from connectapps.wire import forms, paging, render, uris


class _Keys(Resource):
    account_credentials_only = True

    def _owner(self, req: falcon.Request, account_sid: str) -> Account:
        """The path's account, for its own credentials (a Connect App's are refused)."""
        principal = self.principal(req)
        if principal.delegation is not None:
            raise Forbidden("API keys are managed with the account's own credentials, not a Connect App's")
        mode = access.READ if req.method in ("GET", "HEAD") else access.WRITE
        return access.require_access(self.store, principal, account_sid, mode)


def _friendly_name(req: falcon.Request) -> str | None:
    value = forms.pick(forms.read_form(req), ("friendly_name",)).get("friendly_name")
    return None if value is None else str(value)


class KeyList(_Keys):
    schema = "api.v2010.account.key"

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        account = self._owner(req, account_sid)
        page, request = paging.parse(req.params, sids.KEY)
        result = keys.list_page(self.store, account.sid, request)
        respond_page(req, resp, "keys", uris.keys(account.sid), [render.key(k) for k in result.items],
                     page, request, result.has_more)

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        account = self._owner(req, account_sid)
        created = keys.create(self.store, account, _friendly_name(req))
        respond(resp, render.key(created.key, created.secret), status=201)


class KeyInstance(_Keys):
    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        respond(resp, render.key(keys.fetch(self.store, self._owner(req, account_sid).sid, sid)))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        renamed = keys.rename(self.store, self._owner(req, account_sid), sid, _friendly_name(req))
        respond(resp, render.key(renamed))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, account_sid: str, sid: str) -> None:
        keys.delete(self.store, self._owner(req, account_sid).sid, sid)
        resp.status = 204
