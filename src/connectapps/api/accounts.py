"""``/2010-04-01/Accounts[/{Sid}].json``: list, fetch, update; create subaccounts.

A parent's credentials reach its subaccounts; a subaccount's reach only itself. A Connect App
with ``get-all`` may read the authorizing account and its subaccounts (without auth tokens).
"""

import falcon

from connectapps.api.base import Resource, respond
from connectapps.domain import access, accounts, sids
from connectapps.domain.access import Principal
from connectapps.domain.models import Account
from connectapps.wire import forms, paging, render, uris


def _render(principal: Principal, account: Account) -> dict[str, object]:
    return render.account(account, with_token=principal.sees_auth_tokens)


class AccountList(Resource):
    schema = "api.v2010.account"
    account_credentials_only = True

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        principal = self.principal(req)
        scope = accounts.list_scope(self.store, principal)
        page, request = paging.parse(req.params, sids.ACCOUNT)
        criteria = accounts.list_filter(req.get_param("FriendlyName"), req.get_param("Status"))
        filters = [(forms.param_name(field), value) for field, value in criteria.items() if value]
        result = accounts.list_page(self.store, scope, request, **criteria)
        respond(resp, paging.envelope(
            "accounts", uris.accounts(), [_render(principal, a) for a in result.items],
            page, request, result.has_more, echo_query=bool(req.query_string), filters=filters,
        ))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Create a subaccount of the caller's main account."""
        principal = self.principal(req)
        access.require_direct(principal, "Creating a subaccount")
        form = forms.pick(forms.read_form(req), ("friendly_name",))
        name = form.get("friendly_name")
        account = accounts.create(self.store, str(name) if name else None, principal.account.sid)
        respond(resp, _render(principal, account), status=201)


class AccountInstance(Resource):
    account_credentials_only = True

    def on_get(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        principal = self.principal(req)
        respond(resp, _render(principal, access.require_access(self.store, principal, account_sid, access.READ)))

    def on_post(self, req: falcon.Request, resp: falcon.Response, account_sid: str) -> None:
        principal = self.principal(req)
        account = access.require_access(self.store, principal, account_sid, access.WRITE)
        form = forms.pick(forms.read_form(req), ("friendly_name", "status"))
        updated = accounts.update(
            self.store, principal, account, _str(form.get("friendly_name")), _str(form.get("status"))
        )
        respond(resp, _render(principal, updated))


def _str(value: object) -> str | None:
    return None if value is None else str(value)
