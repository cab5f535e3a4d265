"""What every REST resource shares: HTTP Basic authentication, access checks, the methods it answers.

Authentication is the first thing every API request does, so it also begins the request for
the store (a cache is revalidated once; the RequestScope middleware ends it).
"""

import base64
import binascii
import re
import threading
from typing import Any, ClassVar

import falcon

from connectapps.domain import access, meter
from connectapps.domain.access import Principal
from connectapps.domain.errors import NotAuthenticated
from connectapps.domain.models import Account, PageRequest
from connectapps.domain.store import Store
from connectapps.ops import limits
from connectapps.ops.access import note_principal
from connectapps.wire import methods, paging, render
from connectapps.wire.errors import method_not_allowed, not_authenticated, too_many_requests

NO_CREDENTIALS = "Authentication Error - No credentials provided"
_READ_METHODS = frozenset({"GET", "HEAD"})

# An ``Authorization`` header longer than this is not read at all (it answers as unreadable): Basic
# credentials of an Account SID and a token take about 100 characters.
AUTHORIZATION_MAX = 1024
# The decoding memo keeps only what real credentials look like — an Account SID (or an API key's SK
# SID) and a token of at most TOKEN_MAX characters — so each entry is under ~150 characters and the
# whole memo under MEMO_MAX of them (a few hundred KB), whoever sends what.
MEMO_MAX = 1024
TOKEN_MAX = 64
_PLAUSIBLE_USERNAME = re.compile(r"(?:AC|SK)[0-9a-fA-F]{32}\Z")

_decoded: dict[str, tuple[str, str]] = {}
_decoded_lock = threading.Lock()


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic …`` header, or None if absent/unreadable.

    Decoding is memoised per header value (clients resend the same one on every request), bounded
    as above; this only skips base64 work — the password is still checked against the store every time.
    """
    if not header or len(header) > AUTHORIZATION_MAX:
        return None
    credentials = _decoded.get(header)
    if credentials is not None:
        return credentials
    credentials = _decode_basic(header)
    if credentials is not None and _plausible(*credentials):
        with _decoded_lock:
            if len(_decoded) >= MEMO_MAX:
                del _decoded[next(iter(_decoded))]  # the oldest entry
            _decoded[header] = credentials
    return credentials


def _plausible(username: str, password: str) -> bool:
    return 0 < len(password) <= TOKEN_MAX and _PLAUSIBLE_USERNAME.match(username) is not None


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


def respond(resp: falcon.Response, body: Any, status: int = 200) -> None:
    respond_encoded(resp, render.encode(body), status)


def respond_encoded(resp: falcon.Response, body: bytes, status: int = 200) -> None:
    """Answer JSON already encoded."""
    resp.status = status
    resp.content_type = render.JSON
    resp.data = body


def respond_page(
    req: falcon.Request, resp: falcon.Response, key: str, path: str, items: list[dict[str, Any]],
    page: int, request: PageRequest, has_more: bool, sid_key: str = "sid",
) -> None:
    """A list answer in Twilio's paging envelope; its ``uri`` echoes the query only if one was sent."""
    respond(resp, paging.envelope(key, path, items, page, request, has_more, sid_key=sid_key,
                                  echo_query=bool(req.query_string)))


def authenticate(store: Store, authorization: str | None, account_credentials_only: bool = False) -> Principal:
    """The caller an ``Authorization`` header proves, or a 401 with Twilio's 20003; begins the request
    for the store (every API request authenticates first)."""
    store.begin_request()
    credentials = basic_credentials(authorization)
    if credentials is None:
        raise not_authenticated(NO_CREDENTIALS)
    try:
        principal = access.authenticate(store, *credentials)
    except NotAuthenticated:
        raise not_authenticated() from None
    if account_credentials_only:
        access.require_account_credentials(principal)
    return principal


def note(principal: Principal) -> None:
    """Who this request is from, for its access-log line."""
    if principal.delegation is None:
        note_principal("account", principal.account.sid)
    else:
        note_principal("connect_app", principal.account.sid, principal.delegation.connect_app_sid)


class Resource:
    """A Twilio REST resource. HEAD and OPTIONS come with GET (wire/methods.py); methods a subclass
    does not define answer 405 / 20004, after authentication, with ``Allow`` naming ``allowed``."""

    allowed: ClassVar[str] = ""
    schema: ClassVar[str | None] = None  # the spec's schema of one item it answers (wire/representations.py)
    # The Accounts and Keys resources: not for Standard API keys (401 / 20003, as Twilio answers them).
    account_credentials_only: ClassVar[bool] = False

    def __init__(self, store: Store) -> None:
        self.store = store

    def principal(self, req: falcon.Request) -> Principal:
        """The authenticated caller, or a 401 with Twilio's 20003."""
        principal = authenticate(self.store, req.get_header("Authorization"), self.account_credentials_only)
        req.context.principal = principal  # for the admin API's request journal
        if not limits.enter(req.context, principal.account.sid):
            meter.concurrency_limited()
            raise too_many_requests()
        note(principal)
        return principal

    def account(self, req: falcon.Request, account_sid: str) -> Account:
        """The path's account, once the caller is known and allowed this request's method on it."""
        mode = access.READ if req.method in _READ_METHODS else access.WRITE
        return access.require_access(self.store, self.principal(req), account_sid, mode)

    def _refuse(self, req: falcon.Request, resp: falcon.Response, **params: str) -> None:
        account_sid = params.get("account_sid")
        if account_sid is None:
            self.principal(req)
        else:
            self.account(req, account_sid)
        raise method_not_allowed(req.method, req.path, self.allowed)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.allowed = methods.complete(cls, Resource._refuse)
