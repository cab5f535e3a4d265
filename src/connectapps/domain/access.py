"""Who the caller is, and what the caller may do to which account.

Three kinds of caller (Twilio's rules, docs/compatibility.md):
- an account with its own auth token: its own account and its subaccounts, read and write;
- an API key (``SK…`` and its secret, domain/keys.py) as its account: a Main key reaches what the
  auth token reaches; a Standard key only its own account, and not its Accounts and Keys resources;
- a Connect App acting for a user: username the Connect subaccount's SID, password the app
  owner's auth token. ``get-all`` reads the authorizing account, its subaccounts and their
  subresources; ``post-all`` writes to the Connect subaccount and its subresources. An ended
  authorization stops working on the very next request.
"""

import hmac
from typing import NamedTuple

from connectapps.domain import keys, sids
from connectapps.domain.errors import Forbidden, KeyNotPermitted, NotAuthenticated, NotFound
from connectapps.domain.keys import ApiKey
from connectapps.domain.models import ACTIVE, GET_ALL, POST_ALL, Account, Authorization
from connectapps.domain.store import ConnectStore, Store

READ = "read"
WRITE = "write"

# Compared against when the username names no account, so a miss costs what a hit costs.
_DUMMY_TOKEN = sids.new_auth_token()


class Principal(NamedTuple):
    """The authenticated caller: an account, and the authorization it acts under, if delegated,
    or the API key it authenticated with. Made on every API request: a named tuple is as immutable as
    a frozen dataclass, whose making sets each field through ``object.__setattr__`` (a fetch counted
    ~1,700 instructions fewer of its ~120,000: docs/benchmarks.md, fifth session)."""

    account: Account
    delegation: Authorization | None = None
    api_key: ApiKey | None = None

    @property
    def standard_key(self) -> bool:
        return self.api_key is not None and self.api_key.key_type == keys.STANDARD

    @property
    def sees_auth_tokens(self) -> bool:
        """An account's own credentials see auth tokens; a Connect App acting for a user never does."""
        return self.delegation is None

    @property
    def root_sid(self) -> str:
        """The account whose tree the caller reaches: its own, or the one that authorized the app."""
        return self.delegation.account_sid if self.delegation is not None else self.account.sid


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def authenticate(store: Store, username: str, password: str) -> Principal:
    """The caller these credentials prove; constant-time on every token compared.

    What they proved is remembered by the store (``remembered``) until any account, Connect App,
    authorization or API key changes, anywhere: a token rotated, a key deleted or an authorization
    ended stops the credentials on the next request, as when each was read again; a client sends the
    same credentials on every request, and proving them again was a ninth of a fetch's instructions
    (docs/benchmarks.md). Only what proved true is kept, keyed by the credentials as the decoded header
    is (api/base.py): a dict compares a key only on a hash match, which a guess cannot aim at. A guess
    still costs what it did, and compares in constant time."""
    return store.remembered(("principal", username, password), lambda: _prove(store, username, password))


def _prove(store: Store, username: str, password: str) -> Principal:
    if sids.is_sid(username, sids.KEY):
        return _key_principal(store, username, password)
    account = store.get_account(username) if sids.is_sid(username, sids.ACCOUNT) else None
    if account is None:
        _same(_DUMMY_TOKEN, password)
        raise NotAuthenticated()
    if _same(account.auth_token, password):
        if account.status != ACTIVE:
            raise NotAuthenticated()
        return Principal(account)
    delegation = _delegation(store, account, password)
    if delegation is None:
        raise NotAuthenticated()
    return Principal(account, delegation)


def _key_principal(store: Store, key_sid: str, secret: str) -> Principal:
    """An API key's account, if the secret is the key's and the account is active."""
    key = store.get_key(key_sid)
    if not keys.secret_matches(store, key, secret):
        raise NotAuthenticated()
    assert key is not None
    account = store.get_account(key.account_sid)
    if account is None or account.status != ACTIVE:
        raise NotAuthenticated()
    return Principal(account, api_key=key)


def require_account_credentials(principal: Principal) -> None:
    """The Accounts and Keys resources are not for Standard API keys (Twilio: 401 / 20003)."""
    if principal.standard_key:
        raise KeyNotPermitted()


def _delegation(store: Store, subaccount: Account, password: str) -> Authorization | None:
    """The live authorization under which ``password`` (an app owner's token) may act as ``subaccount``."""
    if subaccount.status != ACTIVE:
        return None
    authorization = store.get_authorization_by_subaccount(subaccount.sid)
    if authorization is None or authorization.status != ACTIVE:
        return None
    app = store.find_connect_app(authorization.connect_app_sid)
    owner = store.get_account(app.account_sid) if app is not None else None
    authorizer = store.get_account(authorization.account_sid)
    if owner is None or owner.status != ACTIVE or authorizer is None or authorizer.status != ACTIVE:
        return None
    return authorization if _same(owner.auth_token, password) else None


def require_access(store: ConnectStore, principal: Principal, account_sid: str, access: str) -> Account:
    """The account the path names, if the caller may ``access`` (READ or WRITE) it.

    Outside the caller's reach is an authentication error (Twilio lists "credentials used on
    another account" as a cause of 20003), so another account's existence is never revealed;
    within reach but beyond a Connect App's permissions is Forbidden. A malformed SID is a 404.
    """
    caller = principal.account
    if account_sid == caller.sid:
        target: Account | None = caller
    elif not sids.is_sid(account_sid, sids.ACCOUNT):
        raise NotFound(account_sid)
    else:
        target = store.get_account(account_sid)
    if target is None:
        raise NotAuthenticated()
    delegation = principal.delegation
    if delegation is None:
        if target.sid == caller.sid or (target.owner_account_sid == caller.sid and not principal.standard_key):
            return target
        raise NotAuthenticated()
    root = delegation.account_sid
    if target.sid != root and target.owner_account_sid != root:
        raise NotAuthenticated()
    if access == READ and GET_ALL in delegation.permissions:
        return target
    if access == WRITE and POST_ALL in delegation.permissions and target.sid == delegation.subaccount_sid:
        return target
    needed = GET_ALL if access == READ else POST_ALL
    raise Forbidden(f"this Connect App's authorization does not allow {needed} on {target.sid}")


def require_direct(principal: Principal, what: str) -> None:
    """Some actions (creating subaccounts) are only for an account's own credentials."""
    if principal.delegation is not None or principal.account.is_subaccount:
        raise Forbidden(f"{what} needs a main account's own credentials")


def require_parent(principal: Principal, account: Account) -> None:
    """Changing an account's status is for its parent's own credentials."""
    if principal.delegation is not None or account.owner_account_sid != principal.account.sid:
        raise Forbidden("only the parent account's own credentials can change an account's status")
