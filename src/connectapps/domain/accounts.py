"""Accounts and subaccounts: creation, and the rules for changing name and status."""

from datetime import UTC, datetime

from connectapps.domain import sids
from connectapps.domain.access import Principal, require_parent
from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import ACCOUNT_STATUSES, ACTIVE, CLOSED, Account
from connectapps.domain.text import check_text
from connectapps.store.interface import Store

FRIENDLY_NAME_MAX = 64


def new_account(
    friendly_name: str | None = None, owner_account_sid: str | None = None, user_id: str | None = None
) -> Account:
    now = datetime.now(UTC)
    return Account(
        sid=sids.new_sid(sids.ACCOUNT),
        auth_token=sids.new_auth_token(),
        friendly_name=friendly_name or _default_friendly_name(now),
        owner_account_sid=owner_account_sid,
        status=ACTIVE,
        date_created=now,
        date_updated=now,
        user_id=user_id,
    )


def _default_friendly_name(now: datetime) -> str:
    # Twilio names a new subaccount after its creation time when no name is given.
    return f"SubAccount Created at {now:%Y-%m-%d %I:%M %p}"


def create(store: Store, friendly_name: str | None = None, owner_account_sid: str | None = None) -> Account:
    if friendly_name is not None:
        _check_friendly_name(friendly_name)
    account = new_account(friendly_name, owner_account_sid)
    store.insert_account(account)
    return account


def _check_friendly_name(name: str) -> None:
    if len(name) > FRIENDLY_NAME_MAX:
        raise InvalidParameter("friendly_name", InvalidParameter.TOO_LONG, str(FRIENDLY_NAME_MAX))
    check_text("friendly_name", name)


def list_filter(friendly_name: str | None, status: str | None) -> dict[str, str | None]:
    """The Accounts list's filters (``FriendlyName``: exact match; ``Status``), checked."""
    if status and status not in ACCOUNT_STATUSES:
        raise InvalidParameter("status", InvalidParameter.ACCOUNT_STATUS, status)
    return {"friendly_name": friendly_name or None, "status": status or None}


def update(
    store: Store, principal: Principal, account: Account, friendly_name: str | None, status: str | None
) -> Account:
    """Rename an account, or change a subaccount's status (its parent's own credentials only).

    A closed account stays closed; a main account's status is not changed through the API.
    """
    changes: dict[str, object] = {}
    if friendly_name is not None:
        _check_friendly_name(friendly_name)
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
            from connectapps.domain import authorizations

            authorizations.revoke(
                store, authorization.account_sid, authorization.connect_app_sid, close_subaccount=True
            )
    updated = store.update_account(account.sid, changes, datetime.now(UTC))
    assert updated is not None  # accounts are never deleted
    return updated
