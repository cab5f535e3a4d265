"""A new account record and the limit on account names: a leaf, so that both accounts.py and
authorizations.py (which creates a Connect subaccount) can build on it without importing each other."""

from datetime import UTC, datetime

from connectapps.domain import sids
from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import ACTIVE, Account
from connectapps.domain.text import check_text

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


def check_friendly_name(name: str) -> None:
    """An account's name as the API takes it: at most ``FRIENDLY_NAME_MAX`` characters of plain text."""
    if len(name) > FRIENDLY_NAME_MAX:
        raise InvalidParameter("friendly_name", InvalidParameter.TOO_LONG, str(FRIENDLY_NAME_MAX))
    check_text("friendly_name", name)
