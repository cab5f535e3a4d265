"""Representations: Twilio's JSON for each resource, keys in Twilio's order, and the encoder."""

from datetime import UTC, datetime
from typing import Any

import orjson

from connectapps.domain.keys import ApiKey
from connectapps.domain.models import Account, Authorization, ConnectApp
from connectapps.wire import uris

JSON = "application/json; charset=utf-8"


def encode(body: Any) -> bytes:
    return orjson.dumps(body)


def connect_app(app: ConnectApp) -> dict[str, Any]:
    """The 11 properties of the documentation, in its order; null where unset."""
    return {
        "account_sid": app.account_sid,
        "authorize_redirect_url": app.authorize_redirect_url,
        "company_name": app.company_name,
        "deauthorize_callback_method": app.deauthorize_callback_method,
        "deauthorize_callback_url": app.deauthorize_callback_url,
        "description": app.description,
        "friendly_name": app.friendly_name,
        "homepage_url": app.homepage_url,
        "permissions": list(app.permissions),
        "sid": app.sid,
        "uri": uris.connect_app(app.account_sid, app.sid),
    }


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date(value: datetime) -> str:
    """Twilio's date format: RFC 2822 in GMT, e.g. ``Fri, 20 Aug 2010 01:13:42 +0000``.

    What ``email.utils.format_datetime`` writes for a UTC time, without its ``strftime("%z")``, which
    cost most of a list of dated resources."""
    t = value.astimezone(UTC)
    return (f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000")


# Twilio's ``type``: ``Trial`` until an account is upgraded, then ``Full``, a subaccount as its parent. Nothing
# here is limited as a trial is (no verified-numbers-only rule, no trial prefix, no balance to run out), so every
# account, main or sub, is ``Full`` (docs/compatibility.md).
ACCOUNT_TYPE = "Full"


def account(acct: Account, *, with_token: bool = True) -> dict[str, Any]:
    """An Account in Twilio's representation. A main account is its own owner, as on Twilio.

    ``with_token=False`` (a Connect App reading through delegated access) gives a null
    auth_token: the token would hand the app the account's full, undelegated powers.
    """
    return {
        "auth_token": acct.auth_token if with_token else None,
        "date_created": date(acct.date_created),
        "date_updated": date(acct.date_updated),
        "friendly_name": acct.friendly_name,
        "owner_account_sid": acct.owner_account_sid or acct.sid,
        "sid": acct.sid,
        "status": acct.status,
        "subresource_uris": uris.account_subresources(acct.sid),
        "type": ACCOUNT_TYPE,
        "uri": uris.account(acct.sid),
    }


def authorized_connect_app(authorization: Authorization, app: ConnectApp) -> dict[str, Any]:
    """The spec's 8 properties: the app as it is now, the permissions as authorized."""
    return {
        "account_sid": authorization.account_sid,
        "connect_app_company_name": app.company_name,
        "connect_app_description": app.description,
        "connect_app_friendly_name": app.friendly_name,
        "connect_app_homepage_url": app.homepage_url,
        "connect_app_sid": app.sid,
        "permissions": list(authorization.permissions),
        "uri": uris.authorized_connect_app(authorization.account_sid, app.sid),
    }


def key(api_key: ApiKey, secret: str | None = None) -> dict[str, Any]:
    """A Key as the spec has it (sid, friendly_name, the dates); ``secret`` only in the answer that
    created it (the spec's NewKey)."""
    body: dict[str, Any] = {
        "date_created": date(api_key.date_created),
        "date_updated": date(api_key.date_updated),
        "friendly_name": api_key.friendly_name,
        "sid": api_key.sid,
    }
    if secret is not None:
        body["secret"] = secret
    return body
