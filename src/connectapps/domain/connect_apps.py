"""What a valid Connect App is, and how one is read, changed and listed.

The REST API can only fetch, update and list Connect Apps (the documentation says create
and delete are "Not supported"); creation is for the command line and, later, the console.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Final, Literal, get_args

from connectapps.domain import sids
from connectapps.domain.errors import InvalidParameter, NotFound
from connectapps.domain.models import (
    ACTIVE,
    CALLBACK_METHODS,
    PERMISSIONS,
    ConnectApp,
    ConnectAppChanges,
    Page,
    PageRequest,
)
from connectapps.domain.store import ConnectStore
from connectapps.domain.text import check_text, url_characters_legal
from connectapps.domain.urls import is_http_url

FRIENDLY_NAME_MAX = 64
DEFAULT_CALLBACK_METHOD = "GET"
METHOD: Final = "deauthorize_callback_method"
TextField = Literal["friendly_name", "company_name", "description"]
UrlField = Literal["homepage_url", "authorize_redirect_url", "deauthorize_callback_url"]
TEXT_FIELDS: tuple[TextField, ...] = get_args(TextField)
URL_FIELDS: tuple[UrlField, ...] = get_args(UrlField)
MULTILINE_FIELDS = frozenset({"description"})
UPDATABLE_FIELDS: tuple[str, ...] = tuple(ConnectAppChanges.__annotations__)
"""What the API, the console's form and the command line may set (the CLI's flags come from it)."""

Changes = Mapping[str, str | Sequence[str]]
"""Field name -> raw value: a string, or for ``permissions`` a sequence of strings."""


def validate_changes(raw: Changes) -> ConnectAppChanges:
    """Check and normalise changes. An empty string clears a field (to null, [] for permissions,
    GET for the callback method).

    Raises InvalidParameter for the first field that breaks a rule; nothing is written then.
    """
    clean = ConnectAppChanges()
    for text in TEXT_FIELDS:
        if text in raw:
            clean[text] = _text(text, _one(raw[text]))
    for url in URL_FIELDS:
        if url in raw:
            value = _one(raw[url])
            clean[url] = _url(url, value) if value else None
    if METHOD in raw:
        # the spec's enum has no null: an empty value goes back to the default
        clean[METHOD] = _method(_one(raw[METHOD])) if raw[METHOD] else DEFAULT_CALLBACK_METHOD
    if "permissions" in raw:
        given = raw["permissions"]
        clean["permissions"] = _permissions([given] if isinstance(given, str) else given)
    return clean


def _one(value: str | Sequence[str]) -> str:
    assert isinstance(value, str), "only permissions take several values"
    return value


def _text(field: str, value: str) -> str | None:
    if value == "":
        return None
    if field == "friendly_name" and len(value) > FRIENDLY_NAME_MAX:
        raise InvalidParameter(field, InvalidParameter.TOO_LONG, f"{FRIENDLY_NAME_MAX}")
    return check_text(field, value, multiline=field in MULTILINE_FIELDS)


def _url(field: str, value: str) -> str:
    """An absolute http(s) URL with a host, of legal URI characters (domain/text.py): what the
    spec's ``format: uri`` means for a callback."""
    if not (url_characters_legal(value) and is_http_url(value)):
        raise InvalidParameter(field, InvalidParameter.URL, value)
    return value


def _method(value: str) -> str:
    """GET or POST in any ASCII case, as Twilio compares them; ``str.upper`` alone would also turn
    non-ASCII look-alikes (``POﬅ``, with the ``ﬅ`` ligature) into ``POST``."""
    method = value.upper() if value.isascii() else value
    if method not in CALLBACK_METHODS:
        raise InvalidParameter("deauthorize_callback_method", InvalidParameter.ENUM, value)
    return method


def _permissions(values: Sequence[str]) -> tuple[str, ...]:
    """Each value may itself be a comma-joined list; duplicates collapse, first order kept."""
    seen: list[str] = []
    for value in values:
        for item in value.split(","):
            permission = item.strip()
            if not permission:
                continue
            if permission not in PERMISSIONS:
                raise InvalidParameter("permissions", InvalidParameter.PERMISSION, permission)
            if permission not in seen:
                seen.append(permission)
    return tuple(seen)


def new_connect_app(account_sid: str, raw: Changes) -> ConnectApp:
    """A new Connect App owned by ``account_sid``, validated like an update."""
    now = datetime.now(UTC)
    blank = ConnectApp(
        sid=sids.new_sid(sids.CONNECT_APP),
        account_sid=account_sid,
        friendly_name=None,
        company_name=None,
        description=None,
        homepage_url=None,
        authorize_redirect_url=None,
        deauthorize_callback_url=None,
        deauthorize_callback_method=DEFAULT_CALLBACK_METHOD,
        permissions=(),
        date_created=now,
        date_updated=now,
    )
    return replace(blank, **validate_changes(raw))


def create(store: ConnectStore, account_sid: str, raw: Changes) -> ConnectApp:
    """A new Connect App, in an account that exists and is active (a suspended or closed account
    gets no new apps: nobody could authorize them)."""
    account = store.get_account(account_sid)
    if account is None:
        raise NotFound(account_sid)
    if account.status != ACTIVE:
        raise InvalidParameter("account_sid", InvalidParameter.INACTIVE_ACCOUNT, account.status)
    app = new_connect_app(account_sid, raw)
    store.insert_connect_app(app)
    return app


def fetch(store: ConnectStore, account_sid: str, sid: str) -> ConnectApp:
    app = store.get_connect_app(account_sid, sid) if sids.is_sid(sid, sids.CONNECT_APP) else None
    if app is None:
        raise NotFound(sid)
    return app


def update(store: ConnectStore, account_sid: str, sid: str, raw: Changes) -> ConnectApp:
    """Write only the fields sent, so concurrent updates of different fields both survive."""
    if not sids.is_sid(sid, sids.CONNECT_APP):
        raise NotFound(sid)
    changes = validate_changes(raw)
    app = store.update_connect_app(account_sid, sid, changes, datetime.now(UTC))
    if app is None:
        raise NotFound(sid)
    return app


def list_page(store: ConnectStore, account_sid: str, request: PageRequest) -> Page[ConnectApp]:
    return store.list_connect_apps(account_sid, request)


def list_versions(store: ConnectStore, account_sid: str, request: PageRequest) -> Page[tuple[str, int]]:
    """The (sid, version) of each app on the page ``list_page`` would give: what identifies its
    content, for a caller that keeps representations of contents it has seen (wire/fragments.py)."""
    return store.list_connect_app_versions(account_sid, request)


def fetch_many(store: ConnectStore, account_sid: str, sids: Sequence[str]) -> list[ConnectApp]:
    """Those of these apps the account owns (as they are now), in any order."""
    return store.get_connect_apps(account_sid, sids)


def delete(store: ConnectStore, account_sid: str, sid: str) -> None:
    """Delete an app (console and CLI only: the REST API answers 405). Its authorizations end
    with it, without deauthorize callbacks: there is no app left to tell."""
    if not sids.is_sid(sid, sids.CONNECT_APP) or not store.delete_connect_app(account_sid, sid):
        raise NotFound(sid)
