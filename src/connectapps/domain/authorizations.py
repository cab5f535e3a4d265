"""Authorizing a Connect App, and ending an authorization (Twilio Connect's consent flow).

Authorize creates — or, on re-authorization, reuses — a subaccount named ``Subaccount for
ConnectApp: <friendly name>`` under the chosen account, and records the app's permissions as
they are at that moment (a later change of the app's permissions applies only after the user
authorizes again). The browser then goes to the app's stored authorize_redirect_url with
``AccountSid`` (or ``error=unauthorized_client`` on denial) and the ``state`` it came with.

Consent covers what the page showed: the page carries ``terms(app)``, a digest of everything it
displayed, and ``authorize_as_shown`` grants only if the app still has those terms — the
authorization then records the very permissions the user saw. An app whose owner account is
not active (suspended or closed) cannot be authorized: it is as unavailable as an unknown one.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from connectapps.domain import sids
from connectapps.domain.errors import ConsentChanged, Forbidden, InvalidParameter, NotFound
from connectapps.domain.models import (
    ACTIVE,
    CLOSED,
    GET_ALL,
    PENDING,
    POST_ALL,
    Account,
    Authorization,
    Callback,
    ConnectApp,
    Page,
    PageRequest,
)
from connectapps.domain.new_accounts import FRIENDLY_NAME_MAX, new_account
from connectapps.domain.store import ConnectStore

SUBACCOUNT_NAME = "Subaccount for ConnectApp: {name}"
DENIED = "unauthorized_client"

# What each permission means, in the plain words the consent page shows.
PERMISSION_WORDS = {
    GET_ALL: "Read all account data",
    POST_ALL: "Charge account for usage",
}


def consent_app(store: ConnectStore, connect_app_sid: str) -> ConnectApp:
    """The app a consent page is for: it must exist, belong to an active account, and have
    somewhere to send the user back."""
    app = store.find_connect_app(connect_app_sid) if sids.is_sid(connect_app_sid, sids.CONNECT_APP) else None
    if app is None or not _owner_active(store, app):
        raise NotFound(connect_app_sid)
    if not app.authorize_redirect_url:
        raise InvalidParameter("authorize_redirect_url", InvalidParameter.NO_REDIRECT_URL, app.sid)
    return app


def _owner_active(store: ConnectStore, app: ConnectApp) -> bool:
    owner = store.get_account(app.account_sid)
    return owner is not None and owner.status == ACTIVE


def granted(store: ConnectStore, account_sid: str, connect_app_sid: str) -> tuple[Authorization, ConnectApp]:
    """An app an account has authorized (and not revoked), with the authorization."""
    authorization = (
        store.get_authorization(account_sid, connect_app_sid) if sids.is_sid(connect_app_sid, sids.CONNECT_APP)
        else None
    )
    if authorization is None or authorization.status != ACTIVE:
        raise NotFound(connect_app_sid)
    return authorization, _granted_app(store, authorization)


def granted_page(
    store: ConnectStore, account_sid: str, request: PageRequest
) -> Page[tuple[Authorization, ConnectApp]]:
    """One page of the apps an account has authorized, in ConnectApp SID order."""
    page = store.list_authorizations(account_sid, request)
    return Page([(a, _granted_app(store, a)) for a in page.items], page.has_more)


def _granted_app(store: ConnectStore, authorization: Authorization) -> ConnectApp:
    app = store.find_connect_app(authorization.connect_app_sid)
    if app is None:  # an authorization outlives no app: deleting an app revokes its authorizations
        raise NotFound(authorization.connect_app_sid)
    return app


def terms(app: ConnectApp) -> str:
    """A digest of everything the consent page shows of ``app`` (and where it sends the user)."""
    shown = [app.sid, app.friendly_name, app.company_name, app.description, app.homepage_url,
             app.authorize_redirect_url, list(app.permissions)]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def authorize_as_shown(store: ConnectStore, app: ConnectApp, account: Account, shown_terms: str) -> Authorization:
    """Authorize ``app`` if it still has the terms its consent page showed; ConsentChanged if not.

    ``app`` is the record just read, so what is recorded is exactly what matched the page.
    """
    if not hmac.compare_digest(terms(app).encode(), shown_terms.encode("utf-8", "replace")):
        raise ConsentChanged(app.sid)
    return authorize(store, app, account)


def authorize(store: ConnectStore, app: ConnectApp, account: Account) -> Authorization:
    """Grant ``app`` access to ``account`` (which the caller has checked the user owns).

    NotFound if the app's owner account is not active; Forbidden if ``account`` is not: an
    authorization that could never be used is not created.
    """
    if not _owner_active(store, app):
        raise NotFound(app.sid)
    if account.status != ACTIVE:
        raise Forbidden(f"{account.sid} is not active")
    now = datetime.now(UTC)
    existing = store.get_authorization(account.sid, app.sid)
    subaccount = store.get_account(existing.subaccount_sid) if existing else None
    new_subaccount = None
    if subaccount is None or subaccount.status == CLOSED:
        name = SUBACCOUNT_NAME.format(name=app.friendly_name or app.sid)
        new_subaccount = new_account(name[:FRIENDLY_NAME_MAX], owner_account_sid=account.sid)
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


def revoke(
    store: ConnectStore, account_sid: str, connect_app_sid: str, *, close_subaccount: bool = False
) -> Authorization:
    """End an active authorization: delegated access with it stops on the next request, and —
    in the same transaction — the app's deauthorize callback is queued (if it has a URL)."""
    now = datetime.now(UTC)
    authorization = store.get_authorization(account_sid, connect_app_sid)
    app = store.find_connect_app(connect_app_sid)
    if authorization is None or authorization.status != ACTIVE or app is None:
        raise NotFound(connect_app_sid)
    callback = deauthorize_callback(app, authorization, now)
    ended = store.end_authorization(account_sid, connect_app_sid, now, callback, close_subaccount)
    if ended is None:  # ended meanwhile by someone else, who queued its callback
        raise NotFound(connect_app_sid)
    return ended


def deauthorize_callback(app: ConnectApp, authorization: Authorization, now: datetime) -> Callback | None:
    """The callback telling ``app`` it lost ``authorization``; None if the app has no callback URL.

    ``AccountSid`` is the Connect subaccount: the SID the app was given when the user authorized.
    """
    if not app.deauthorize_callback_url:
        return None
    return Callback(
        id=sids.new_sid(sids.CALLBACK),
        connect_app_sid=app.sid,
        account_sid=authorization.subaccount_sid,
        authorizing_account_sid=authorization.account_sid,
        url=app.deauthorize_callback_url,
        method=app.deauthorize_callback_method or "POST",
        status=PENDING,
        attempts=0,
        claims=0,
        next_attempt_at=now,
        lease_owner=None,
        lease_until=None,
        date_created=now,
        date_updated=now,
        destination=callback_destination(app.deauthorize_callback_url),
    )


def callback_destination(url: str) -> str:
    """The host a callback goes to, as senders group callbacks for fairness (lower case, no port)."""
    return (urlsplit(url).hostname or "").rstrip(".")


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
