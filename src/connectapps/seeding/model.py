"""What a seed file declares, checked field by field: every error names the file, line and field.

```yaml
users:          [{email, password}]
accounts:       [{sid, auth_token?, friendly_name?, status?, user?, subaccounts?: [{sid, auth_token?, …}]}]
connect_apps:   [{sid, account_sid, friendly_name?, company_name?, description?, homepage_url?,
                  authorize_redirect_url?, deauthorize_callback_url?, deauthorize_callback_method?,
                  permissions?}]
authorizations: [{account_sid, connect_app_sid, subaccount_sid?, subaccount_auth_token?}]
keys:           [{sid, account_sid, secret, friendly_name?, type?: standard | main}]
```

A seed is self-contained: every SID it refers to is declared in it. A key's secret is fixed by the
seed (32 to 128 printable ASCII characters, no spaces: the 32 letters and digits the Keys resource
makes fit) and stored, like any key's, only as its keyed hash.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectapps.domain import connect_apps, keys, new_accounts, sids, users
from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import ACCOUNT_STATUSES, ACTIVE
from connectapps.domain.text import check_text
from connectapps.seeding.document import Document, Path_

SECTIONS = ("users", "accounts", "connect_apps", "authorizations", "keys")
_TOKEN = re.compile(r"[\x21-\x7e]{8,64}\Z")  # printable ASCII, as Basic authentication carries it
_SECRET = re.compile(r"[\x21-\x7e]{32,128}\Z")  # at least as long as the secrets the Keys resource makes
_SUBACCOUNT_FIELDS = ("sid", "auth_token", "friendly_name", "status")
_APP_FIELDS = ("sid", "account_sid", *connect_apps.UPDATABLE_FIELDS)


@dataclass(frozen=True)
class SeedUser:
    email: str
    password: str


@dataclass(frozen=True)
class SeedAccount:
    sid: str
    auth_token: str | None  # None: keep the stored one, or make one
    friendly_name: str | None
    status: str
    owner_account_sid: str | None
    user_email: str | None


@dataclass(frozen=True)
class SeedApp:
    sid: str
    account_sid: str
    fields: Mapping[str, object]  # validated like an update (connect_apps.validate_changes)


@dataclass(frozen=True)
class SeedAuthorization:
    account_sid: str
    connect_app_sid: str
    subaccount_sid: str | None  # None: keep the stored one, or make one
    subaccount_auth_token: str | None


@dataclass(frozen=True)
class SeedKey:
    sid: str
    account_sid: str
    secret: str
    friendly_name: str | None
    key_type: str


@dataclass(frozen=True)
class Seed:
    users: tuple[SeedUser, ...] = ()
    accounts: tuple[SeedAccount, ...] = ()  # main accounts before subaccounts
    connect_apps: tuple[SeedApp, ...] = ()
    authorizations: tuple[SeedAuthorization, ...] = ()
    keys: tuple[SeedKey, ...] = ()

    def describe(self) -> str:
        described = (f"{len(self.users)} users, {len(self.accounts)} accounts, "
                     f"{len(self.connect_apps)} Connect Apps, {len(self.authorizations)} authorizations")
        return described + (f", {len(self.keys)} API keys" if self.keys else "")


class _Reader:
    """Checks one document, keeping what was declared for cross-references."""

    def __init__(self, document: Document) -> None:
        self.doc = document
        self.account_sids: set[str] = set()
        self.app_sids: set[str] = set()
        self.emails: set[str] = set()
        self.subaccount_sids: set[str] = set()
        self.grants: set[tuple[str, str]] = set()
        self.key_sids: set[str] = set()

    def mapping(self, value: Any, path: Path_, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.doc.error(path, "must be a mapping")
        for key in value:
            if key not in allowed:
                raise self.doc.error((*path, key), f"unknown field (expected one of: {', '.join(allowed)})",
                                     at_key=True)
        return value

    def items(self, data: dict[str, Any], key: str, path: Path_ = ()) -> list[tuple[Path_, Any]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.doc.error((*path, key), "must be a list")
        return [((*path, key, index), item) for index, item in enumerate(value)]

    def text(self, data: dict[str, Any], key: str, path: Path_, required: bool = False,
             check: Callable[[str], str | None] | None = None) -> str | None:
        value = data.get(key)
        where = (*path, key)
        if value is None:
            if required:
                raise self.doc.error(where if key in data else path, f"{key} is required")
            return None
        if not isinstance(value, str):
            raise self.doc.error(where, "must be a string")
        if check is not None:
            problem = check(value)
            if problem:
                raise self.doc.error(where, problem)
        return value

    def sid(self, data: dict[str, Any], key: str, path: Path_, prefix: str, required: bool = True) -> str | None:
        return self.text(data, key, path, required, lambda v: None if sids.is_sid(v, prefix) else
                         f"must be {prefix} followed by 32 hexadecimal digits, not {v!r}")


def _token(value: str) -> str | None:
    return None if _TOKEN.match(value) else "must be 8 to 64 printable ASCII characters, without spaces"


def _friendly_name(value: str) -> str | None:
    if len(value) > new_accounts.FRIENDLY_NAME_MAX:
        return f"must be at most {new_accounts.FRIENDLY_NAME_MAX} characters"
    try:
        check_text("friendly_name", value)
    except InvalidParameter:
        return "must not contain control characters"
    return None


def _status(value: str) -> str | None:
    return None if value in ACCOUNT_STATUSES else f"must be one of {', '.join(ACCOUNT_STATUSES)}"


def validate(document: Document) -> Seed:
    """The seed a parsed document declares; SeedError at the first field that is wrong."""
    reader = _Reader(document)
    top = reader.mapping(document.data, (), SECTIONS)
    seed_users = [_user(reader, path, item) for path, item in reader.items(top, "users")]
    mains: list[SeedAccount] = []
    subs: list[SeedAccount] = []
    for path, item in reader.items(top, "accounts"):
        account = _account(reader, path, item, None)
        mains.append(account)
        subs += [_account(reader, sub_path, sub, account.sid)
                 for sub_path, sub in reader.items(item, "subaccounts", path)]
    apps = [_app(reader, path, item) for path, item in reader.items(top, "connect_apps")]
    grants = [_authorization(reader, path, item) for path, item in reader.items(top, "authorizations")]
    api_keys = [_key(reader, path, item) for path, item in reader.items(top, "keys")]
    return Seed(tuple(seed_users), tuple(mains + subs), tuple(apps), tuple(grants), tuple(api_keys))


def _user(reader: _Reader, path: Path_, item: Any) -> SeedUser:
    data = reader.mapping(item, path, ("email", "password"))

    def email_problem(value: str) -> str | None:
        email = users.normalise_email(value)
        if "@" not in email or len(email) > users.EMAIL_MAX or any(ch.isspace() for ch in email):
            return f"not an email address: {value!r}"
        return f"{value!r} is declared twice" if email in reader.emails else None

    email = users.normalise_email(reader.text(data, "email", path, True, email_problem) or "")
    password = reader.text(data, "password", path, True, lambda v: None if len(v) >= users.PASSWORD_MIN
                           else f"must be at least {users.PASSWORD_MIN} characters")
    reader.emails.add(email)
    return SeedUser(email, password or "")


def _account(reader: _Reader, path: Path_, item: Any, owner: str | None) -> SeedAccount:
    allowed = _SUBACCOUNT_FIELDS if owner else (*_SUBACCOUNT_FIELDS, "user", "subaccounts")
    data = reader.mapping(item, path, allowed)
    sid = reader.sid(data, "sid", path, sids.ACCOUNT) or ""
    if sid in reader.account_sids:
        raise reader.doc.error((*path, "sid"), f"{sid} is declared twice")
    reader.account_sids.add(sid)
    user = reader.text(data, "user", path, check=lambda v: None if users.normalise_email(v) in reader.emails
                       else f"no user {v!r} is declared under users")
    return SeedAccount(
        sid=sid,
        auth_token=reader.text(data, "auth_token", path, check=_token),
        friendly_name=reader.text(data, "friendly_name", path, check=_friendly_name),
        status=reader.text(data, "status", path, check=_status) or ACTIVE,
        owner_account_sid=owner,
        user_email=users.normalise_email(user) if user else None,
    )


def _app(reader: _Reader, path: Path_, item: Any) -> SeedApp:
    data = reader.mapping(item, path, _APP_FIELDS)
    sid = reader.sid(data, "sid", path, sids.CONNECT_APP) or ""
    if sid in reader.app_sids:
        raise reader.doc.error((*path, "sid"), f"{sid} is declared twice")
    reader.app_sids.add(sid)
    owner = reader.sid(data, "account_sid", path, sids.ACCOUNT) or ""
    if owner not in reader.account_sids:
        raise reader.doc.error((*path, "account_sid"), f"no account {owner} is declared under accounts")
    raw: dict[str, Any] = {}
    for field in connect_apps.UPDATABLE_FIELDS:
        if field not in data or data[field] is None:
            continue
        value = data[field]
        if isinstance(value, str) or (field == "permissions" and isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raw[field] = value
        else:
            raise reader.doc.error((*path, field), "must be a list of strings" if field == "permissions"
                                   else "must be a string")
        try:
            connect_apps.validate_changes({field: raw[field]})
        except InvalidParameter as exc:
            raise reader.doc.error((*path, field), _explain(exc)) from None
    return SeedApp(sid, owner, connect_apps.validate_changes(raw))


def _explain(exc: InvalidParameter) -> str:
    from connectapps.wire.errors import from_domain

    return from_domain(exc, "").message


def _authorization(reader: _Reader, path: Path_, item: Any) -> SeedAuthorization:
    data = reader.mapping(item, path, ("account_sid", "connect_app_sid", "subaccount_sid", "subaccount_auth_token"))
    account = reader.sid(data, "account_sid", path, sids.ACCOUNT) or ""
    if account not in reader.account_sids:
        raise reader.doc.error((*path, "account_sid"), f"no account {account} is declared under accounts")
    app = reader.sid(data, "connect_app_sid", path, sids.CONNECT_APP) or ""
    if app not in reader.app_sids:
        raise reader.doc.error((*path, "connect_app_sid"), f"no Connect App {app} is declared under connect_apps")
    if (account, app) in reader.grants:
        raise reader.doc.error(path, f"{account} already authorizes {app} above")
    reader.grants.add((account, app))
    subaccount = reader.sid(data, "subaccount_sid", path, sids.ACCOUNT, required=False)
    if subaccount is not None and (subaccount in reader.account_sids or subaccount in reader.subaccount_sids):
        raise reader.doc.error((*path, "subaccount_sid"), f"{subaccount} is already declared: the Connect "
                               "subaccount is made by the authorization")
    if subaccount is not None:
        reader.subaccount_sids.add(subaccount)
    token = reader.text(data, "subaccount_auth_token", path, check=_token)
    return SeedAuthorization(account, app, subaccount, token)


def _key(reader: _Reader, path: Path_, item: Any) -> SeedKey:
    """An API key of a declared account (a subaccount's too), with a fixed SID and secret."""
    data = reader.mapping(item, path, ("sid", "account_sid", "secret", "friendly_name", "type"))
    sid = reader.sid(data, "sid", path, sids.KEY) or ""
    if sid in reader.key_sids:
        raise reader.doc.error((*path, "sid"), f"{sid} is declared twice")
    reader.key_sids.add(sid)
    owner = reader.sid(data, "account_sid", path, sids.ACCOUNT) or ""
    if owner not in reader.account_sids and owner not in reader.subaccount_sids:
        raise reader.doc.error((*path, "account_sid"), f"no account {owner} is declared under accounts")
    secret = reader.text(data, "secret", path, True, lambda v: None if _SECRET.match(v) else
                         "must be 32 to 128 printable ASCII characters, without spaces")
    name = reader.text(data, "friendly_name", path, check=lambda v: None if len(v) <= keys.FRIENDLY_NAME_MAX
                       else f"must be at most {keys.FRIENDLY_NAME_MAX} characters")
    if name is not None and _friendly_name(name):
        raise reader.doc.error((*path, "friendly_name"), "must not contain control characters")
    key_type = reader.text(data, "type", path, check=lambda v: None if v in keys.KEY_TYPES
                           else f"must be one of {', '.join(keys.KEY_TYPES)}") or keys.STANDARD
    return SeedKey(sid, owner, secret or "", name or None, key_type)
