"""HTTP Basic credentials -> the account a request may act on."""

import base64
import binascii

import falcon

from connectapps.domain import accounts
from connectapps.domain.errors import NotAuthenticated
from connectapps.domain.models import Account
from connectapps.store.interface import Store
from connectapps.wire.errors import not_authenticated

NO_CREDENTIALS = "Authentication Error - No credentials provided"

_DECODED: dict[str, tuple[str, str] | None] = {}
_DECODED_MAX = 4096


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic …`` header, or None if absent/unreadable.

    Decoding is memoised per header value (clients resend the same one on every request);
    this only skips base64 work — the token is still checked against the store every time.
    """
    if not header:
        return None
    try:
        return _DECODED[header]
    except KeyError:
        pass
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
    credentials = _decode_basic(header)
    _DECODED[header] = credentials
    return credentials


def _decode_basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def caller(store: Store, req: falcon.Request) -> Account:
    """The authenticated account, or a 401 with Twilio's 20003.

    Authentication is the first thing every API request does, so it also begins the request
    for the store (a cache is revalidated once here; the RequestScope middleware ends it).
    """
    store.begin_request()
    credentials = basic_credentials(req.get_header("Authorization"))
    if credentials is None:
        raise not_authenticated(NO_CREDENTIALS)
    try:
        return accounts.authenticate(store, *credentials)
    except NotAuthenticated:
        raise not_authenticated() from None


def target_account(store: Store, req: falcon.Request, account_sid: str) -> str:
    """The path's AccountSid, once the caller is known and allowed to act on it."""
    return accounts.resolve_target(store, caller(store, req), account_sid)
