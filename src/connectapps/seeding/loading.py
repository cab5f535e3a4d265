"""Putting a checked seed into a store: idempotent, atomic, and remembered for ``reset``.

Applying the same seed twice leaves the same records (the second time only ``date_updated``
moves): fixed SIDs and tokens are written as given; a token the seed leaves out is kept if the
record exists, made otherwise; a user's password is hashed again only if it no longer matches.
An API key's secret is stored, as the Keys resource stores it, only as its keyed hash.
After applying, every record is saved as the seed's snapshot, which ``reset`` restores.
"""

from dataclasses import replace
from datetime import UTC, datetime

from connectapps.domain import authorizations, connect_apps, keys, new_accounts, passwords, sids, snapshots
from connectapps.domain.models import ACTIVE, Account, Authorization, ConnectApp, User
from connectapps.domain.store import Store
from connectapps.seeding.model import Seed, SeedAccount, SeedApp, SeedAuthorization, SeedKey, SeedUser


def apply(store: Store, seed: Seed) -> snapshots.Snapshot:
    """Write the seed's records in one transaction, then save them as the seed's snapshot."""
    now = datetime.now(UTC)
    people = {user.email: _user(store, user, now) for user in seed.users}
    owned = [_account(store, account, people, now) for account in seed.accounts]
    by_sid = {account.sid: account for account in owned}
    apps = [_app(store, app, now) for app in seed.connect_apps]
    app_by_sid = {app.sid: app for app in apps}
    grants: list[Authorization] = []
    for grant in seed.authorizations:
        authorization, subaccount = _authorization(store, grant, app_by_sid[grant.connect_app_sid],
                                                   by_sid[grant.account_sid], now)
        grants.append(authorization)
        owned.append(subaccount)
    api_keys = [_key(store, key, now) for key in seed.keys]
    store.apply_seed(list(people.values()), owned, apps, grants, api_keys)
    return store.save_snapshot(snapshots.SEED, now)


def _user(store: Store, seed: SeedUser, now: datetime) -> User:
    existing = store.get_user_by_email(seed.email)
    if existing is not None and passwords.matches(existing.password_hash, seed.password):
        return existing
    return User(id=existing.id if existing else sids.new_sid(sids.USER), email=seed.email,
                password_hash=passwords.hash_password(seed.password),
                date_created=existing.date_created if existing else now)


def _account(store: Store, seed: SeedAccount, people: dict[str, User], now: datetime) -> Account:
    existing = store.get_account(seed.sid)
    token = seed.auth_token or (existing.auth_token if existing else sids.new_auth_token())
    return Account(
        sid=seed.sid, auth_token=token,
        friendly_name=seed.friendly_name or (existing.friendly_name if existing else _default_name(now)),
        owner_account_sid=seed.owner_account_sid, status=seed.status,
        date_created=existing.date_created if existing else now, date_updated=now,
        user_id=people[seed.user_email].id if seed.user_email else None,
    )


def _app(store: Store, seed: SeedApp, now: datetime) -> ConnectApp:
    existing = store.find_connect_app(seed.sid)
    blank = connect_apps.new_connect_app(seed.account_sid, {})
    return replace(blank, sid=seed.sid, date_created=existing.date_created if existing else now,
                   date_updated=now, **seed.fields)  # type: ignore[arg-type]


def _authorization(
    store: Store, seed: SeedAuthorization, app: ConnectApp, account: Account, now: datetime
) -> tuple[Authorization, Account]:
    """The authorization and its Connect subaccount, named as the consent page would name it."""
    existing = store.get_authorization(seed.account_sid, seed.connect_app_sid)
    sub_sid = seed.subaccount_sid or (existing.subaccount_sid if existing else sids.new_sid(sids.ACCOUNT))
    stored = store.get_account(sub_sid)
    name = authorizations.SUBACCOUNT_NAME.format(name=app.friendly_name or app.sid)[: new_accounts.FRIENDLY_NAME_MAX]
    subaccount = Account(
        sid=sub_sid,
        auth_token=seed.subaccount_auth_token or (stored.auth_token if stored else sids.new_auth_token()),
        friendly_name=name, owner_account_sid=account.sid, status=ACTIVE,
        date_created=stored.date_created if stored else now, date_updated=now,
    )
    authorization = Authorization(
        account_sid=account.sid, connect_app_sid=app.sid, subaccount_sid=sub_sid, permissions=app.permissions,
        status=ACTIVE, date_created=existing.date_created if existing else now, date_updated=now,
    )
    return authorization, subaccount


def _key(store: Store, seed: SeedKey, now: datetime) -> keys.ApiKey:
    existing = store.get_key(seed.sid)
    return keys.ApiKey(sid=seed.sid, account_sid=seed.account_sid, friendly_name=seed.friendly_name,
                       key_type=seed.key_type, secret_hash=keys.secret_hash(store, seed.secret),
                       date_created=existing.date_created if existing else now, date_updated=now)


def _default_name(now: datetime) -> str:
    return f"Account created at {now:%Y-%m-%d %H:%M}"
