"""Accounts and subaccounts: creation, and the rules for changing name and status."""

from datetime import UTC, datetime

from connectapps.domain import access, authorizations
from connectapps.domain.access import Principal, require_parent
from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import ACCOUNT_STATUSES, ACTIVE, CLOSED, Account, Page, PageRequest
from connectapps.domain.new_accounts import check_friendly_name, new_account
from connectapps.domain.store import ConnectStore


def create(
    store: ConnectStore, friendly_name: str | None = None, owner_account_sid: str | None = None,
    user_id: str | None = None,
) -> Account:
    """A subaccount (API), or a main account (command line; of an existing user, if given), its
    name checked the same way for both."""
    if friendly_name is not None:
        check_friendly_name(friendly_name)
    account = new_account(friendly_name, owner_account_sid, user_id)
    store.insert_account(account)
    return account


def list_scope(store: ConnectStore, principal: Principal) -> Account:
    """The account whose tree a caller may list (it and its subaccounts): the root of its reach,
    its own account or the one that authorized the app it acts for. Raises if it may not read."""
    return access.require_access(store, principal, principal.root_sid, access.READ)


def list_page(
    store: ConnectStore, scope: Account, request: PageRequest, friendly_name: str | None, status: str | None
) -> Page[Account]:
    """A page of ``scope`` and its subaccounts (``list_scope``), optionally filtered (``list_filter``)."""
    return store.list_accounts(scope.sid, request, friendly_name, status)


def list_filter(friendly_name: str | None, status: str | None) -> dict[str, str | None]:
    """The Accounts list's filters (``FriendlyName``: exact match; ``Status``), checked."""
    if status and status not in ACCOUNT_STATUSES:
        raise InvalidParameter("status", InvalidParameter.ACCOUNT_STATUS, status)
    return {"friendly_name": friendly_name or None, "status": status or None}


def update(
    store: ConnectStore, principal: Principal, account: Account, friendly_name: str | None, status: str | None
) -> Account:
    """Rename an account, or change a subaccount's status (its parent's own credentials only).

    A closed account stays closed; a main account's status is not changed through the API.
    """
    changes: dict[str, object] = {}
    if friendly_name is not None:
        check_friendly_name(friendly_name)
        changes["friendly_name"] = friendly_name or account.friendly_name
    if status is not None:
        if status not in ACCOUNT_STATUSES:
            raise InvalidParameter("status", InvalidParameter.ACCOUNT_STATUS, status)
        if status != account.status:
            if account.status == CLOSED:
                raise InvalidParameter("status", InvalidParameter.CLOSED_ACCOUNT, status)
            if not account.is_subaccount:
                raise InvalidParameter("status", InvalidParameter.MAIN_ACCOUNT_STATUS, status)
            require_parent(principal, account)
            changes["status"] = status
    if not changes:
        return account
    if changes.get("status") == CLOSED:
        # Closing a Connect subaccount ends the authorization it exists for, callback included,
        # in one transaction with the closing itself.
        authorization = store.get_authorization_by_subaccount(account.sid)
        if authorization is not None and authorization.status == ACTIVE:
            authorizations.revoke(
                store, authorization.account_sid, authorization.connect_app_sid, close_subaccount=True
            )
    updated = store.update_account(account.sid, changes, datetime.now(UTC))
    assert updated is not None  # accounts are never deleted
    return updated
