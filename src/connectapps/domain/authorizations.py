"""Authorizing a Connect App, and ending an authorization (Twilio Connect's consent flow).

Authorize creates — or, on re-authorization, reuses — a subaccount named ``Subaccount for
ConnectApp: <friendly name>`` under the chosen account, and records the app's permissions as
they are at that moment (a later change of the app's permissions applies only after the user
authorizes again). The browser then goes to the app's stored authorize_redirect_url with
``AccountSid`` (or ``error=unauthorized_client`` on denial) and the ``state`` it came with.
"""

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from connectapps.domain import accounts, sids
from connectapps.domain.errors import InvalidParameter, NotFound
from connectapps.domain.models import ACTIVE, CLOSED, GET_ALL, POST_ALL, Account, Authorization, ConnectApp
from connectapps.store.interface import Store

SUBACCOUNT_NAME = "Subaccount for ConnectApp: {name}"
DENIED = "unauthorized_client"

# What each permission means, in the plain words the consent page shows.
PERMISSION_WORDS = {
    GET_ALL: "Read all account data",
    POST_ALL: "Charge account for usage",
}


def consent_app(store: Store, connect_app_sid: str) -> ConnectApp:
    """The app a consent page is for: it must exist and have somewhere to send the user back."""
    app = store.find_connect_app(connect_app_sid) if sids.is_sid(connect_app_sid, sids.CONNECT_APP) else None
    if app is None:
        raise NotFound(connect_app_sid)
    if not app.authorize_redirect_url:
        raise InvalidParameter("authorize_redirect_url", InvalidParameter.NO_REDIRECT_URL, app.sid)
    return app


def authorize(store: Store, app: ConnectApp, account: Account) -> Authorization:
    """Grant ``app`` access to ``account`` (which the caller has checked the user owns)."""
    now = datetime.now(UTC)
    existing = store.get_authorization(account.sid, app.sid)
    subaccount = store.get_account(existing.subaccount_sid) if existing else None
    new_subaccount = None
    if subaccount is None or subaccount.status == CLOSED:
        name = SUBACCOUNT_NAME.format(name=app.friendly_name or app.sid)
        new_subaccount = accounts.new_account(name[: accounts.FRIENDLY_NAME_MAX], owner_account_sid=account.sid)
        subaccount = new_subaccount
    authorization = Authorization(
        account_sid=account.sid,
        connect_app_sid=app.sid,
        subaccount_sid=subaccount.sid,
        permissions=app.permissions,
        status=ACTIVE,
        date_created=existing.date_created if existing else now,
        date_updated=now,
    )
    return store.save_authorization(authorization, new_subaccount)


def revoke(store: Store, account_sid: str, connect_app_sid: str) -> Authorization:
    """End an active authorization; delegated access with it stops on the next request."""
    ended = store.revoke_authorization(account_sid, connect_app_sid, datetime.now(UTC))
    if ended is None:
        raise NotFound(connect_app_sid)
    return ended


def redirect_url(app: ConnectApp, params: dict[str, str]) -> str:
    """The app's stored authorize_redirect_url with ``params`` added, keeping its own query.

    Only ever the stored URL: nothing from the request chooses where the browser goes.
    """
    assert app.authorize_redirect_url
    parts = urlsplit(app.authorize_redirect_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def approved_redirect(app: ConnectApp, authorization: Authorization, state: str | None) -> str:
    params = {"AccountSid": authorization.subaccount_sid}
    if state:
        params["state"] = state
    return redirect_url(app, params)


def denied_redirect(app: ConnectApp, state: str | None) -> str:
    params = {"error": DENIED}
    if state:
        params["state"] = state
    return redirect_url(app, params)
