"""The caller a request's credentials prove is remembered (domain/access.py ``authenticate``, the store's
``remembered``) only as long as the records it was proved from: a token rotated, an account suspended, a key
deleted, an authorization ended or an app deleted stops the credentials on the very next request, whether
this thread, another connection or another process made the change. A refusal is never remembered."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from connectapps.domain import access, accounts, authorizations, connect_apps, keys, sids
from connectapps.domain.access import Principal
from connectapps.domain.errors import NotAuthenticated
from connectapps.domain.models import Account
from connectapps.domain.store import Store
from connectapps.store import open_store


def proved(store: Store, username: str, password: str) -> Principal:
    """Authenticate as an API request does: within one request of the store."""
    store.begin_request()
    try:
        return access.authenticate(store, username, password)
    finally:
        store.end_request()


def refused(store: Store, username: str, password: str) -> bool:
    try:
        proved(store, username, password)
    except NotAuthenticated:
        return True
    return False


def test_the_same_credentials_again_are_the_caller_proved_before(store: Store) -> None:
    owner = accounts.create(store, "Owner")
    proved(store, owner.sid, owner.auth_token)  # PostgreSQL's first read of a new row may write to its WAL
    first = proved(store, owner.sid, owner.auth_token)  # (hint bits), which moves the version each request checks
    assert proved(store, owner.sid, owner.auth_token) is first
    store.begin_request()
    try:  # a write to a table no caller depends on keeps it (within the request: on PostgreSQL, any commit
        store.setting("unrelated", lambda: "x")  # moves the version the next request checks)
        assert access.authenticate(store, owner.sid, owner.auth_token) is first
    finally:
        store.end_request()


def _rotated(store: Store, account: Account) -> None:
    store.update_account(account.sid, {"auth_token": sids.new_auth_token()}, datetime.now(UTC))


def _suspended(store: Store, account: Account) -> None:
    store.update_account(account.sid, {"status": "suspended"}, datetime.now(UTC))


@pytest.mark.parametrize("change", [_rotated, _suspended])
def test_a_change_to_the_account_stops_its_credentials_at_once(store: Store, change: Callable[..., None]) -> None:
    owner = accounts.create(store, "Owner")
    proved(store, owner.sid, owner.auth_token)
    change(store, owner)
    assert refused(store, owner.sid, owner.auth_token)


def test_a_deleted_key_stops_at_once(store: Store) -> None:
    owner = accounts.create(store, "Owner")
    made = keys.create(store, owner, "CI")
    assert proved(store, made.key.sid, made.secret).api_key == made.key
    store.delete_key(owner.sid, made.key.sid)
    assert refused(store, made.key.sid, made.secret)


def _grant(store: Store) -> tuple[Account, str, str]:
    """(the app's owner, the app's SID, the Connect subaccount's SID) of a live get-all authorization."""
    owner, user = accounts.create(store, "Owner"), accounts.create(store, "User")
    app = connect_apps.create(store, owner.sid, {"friendly_name": "App", "permissions": ["get-all"]})
    grant = authorizations.authorize(store, app, user)
    return owner, app.sid, grant.subaccount_sid


def test_an_ended_authorization_stops_delegated_access_at_once(store: Store) -> None:
    owner, app_sid, subaccount = _grant(store)
    assert proved(store, subaccount, owner.auth_token).delegation is not None
    grant = store.get_authorization_by_subaccount(subaccount)
    assert grant is not None
    authorizations.revoke(store, grant.account_sid, app_sid)
    assert refused(store, subaccount, owner.auth_token)


def test_a_deleted_app_stops_delegated_access_at_once(store: Store) -> None:
    owner, app_sid, subaccount = _grant(store)
    proved(store, subaccount, owner.auth_token)
    store.delete_connect_app(owner.sid, app_sid)
    assert refused(store, subaccount, owner.auth_token)


def test_a_change_through_another_connection_stops_the_credentials(store: Store, database_url: str) -> None:
    """Another process, as far as the database goes: its commit moves the version every request checks."""
    owner = accounts.create(store, "Owner")
    delegating, app_sid, subaccount = _grant(store)
    proved(store, owner.sid, owner.auth_token)
    proved(store, subaccount, delegating.auth_token)
    other = open_store(database_url)
    try:
        _rotated(other, owner)
        grant = other.get_authorization_by_subaccount(subaccount)
        assert grant is not None
        authorizations.revoke(other, grant.account_sid, app_sid)
    finally:
        other.close()
    assert refused(store, owner.sid, owner.auth_token)
    assert refused(store, subaccount, delegating.auth_token)


def test_a_refusal_is_not_remembered(store: Store) -> None:
    owner = accounts.create(store, "Owner")
    guess = sids.new_auth_token()
    assert refused(store, owner.sid, guess)
    store.update_account(owner.sid, {"auth_token": guess}, datetime.now(UTC))  # the guess becomes the token
    assert proved(store, owner.sid, guess).account.sid == owner.sid
