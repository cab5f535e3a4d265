"""The SQL every backend shares, one mixin per role of the domain's port (domain/store.py),
and ``SqlStore``, their composition: the whole ``Store``.

Here: accounts, Connect Apps, users, authorizations, settings; the other roles' SQL has a module
of its own (outbox.py, signin.py, resources.py, listing.py, schema.py). Backends (sqlite.py,
postgres.py) supply only connections and transactions.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from connectapps.domain.models import (
    ACTIVE,
    REVOKED,
    Account,
    Authorization,
    Callback,
    ConnectApp,
    ConnectAppChanges,
    Page,
    PageRequest,
    User,
)
from connectapps.domain.store import (
    AccountStore,
    AuthorizationStore,
    ConnectAppStore,
    SettingsStore,
    Store,
    UserStore,
)
from connectapps.store.base import SqlBase
from connectapps.store.keys import KeySql
from connectapps.store.listing import ListingSql
from connectapps.store.outbox import OutboxSql
from connectapps.store.resources import ResourceSql
from connectapps.store.rows import ACCOUNTS, AUTHORIZATIONS, CALLBACKS, CONNECT_APPS, USERS, timestamp
from connectapps.store.schema import SchemaSql
from connectapps.store.seeds import SeedSql
from connectapps.store.signin import SessionSql, ThrottleSql
from connectapps.store.snapshots import SnapshotSql


class AccountSql(SqlBase, AccountStore):
    def insert_account(self, account: Account) -> None:
        self._insert(ACCOUNTS, account)

    def get_account(self, sid: str) -> Account | None:
        return self._one(ACCOUNTS, "sid = ?", (sid,))

    def update_account(self, sid: str, changes: Mapping[str, object], now: datetime) -> Account | None:
        return self._update(ACCOUNTS, changes, now, "sid = ?", (sid,))

    def count_accounts(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM accounts")[0][0])

    def list_accounts(
        self, account_sid: str, request: PageRequest, friendly_name: str | None = None, status: str | None = None
    ) -> Page[Account]:
        """The account itself and its subaccounts, optionally only those with this name or status."""
        where, params = "(sid = ? OR owner_account_sid = ?)", [account_sid, account_sid]
        for column, value in (("friendly_name", friendly_name), ("status", status)):
            if value is not None:
                where += f" AND {column} = ?"
                params.append(value)
        return self._page(ACCOUNTS, where, params, request)

    def accounts_of_user(self, user_id: str) -> list[Account]:
        rows = self._query(f"{ACCOUNTS.select} WHERE user_id = ? ORDER BY sid", (user_id,))
        return [ACCOUNTS.from_row(r) for r in rows]


class ConnectAppSql(SqlBase, ConnectAppStore):
    def insert_connect_app(self, app: ConnectApp) -> None:
        self._insert(CONNECT_APPS, app)

    def bulk_insert_connect_apps(self, apps: Iterable[ConnectApp]) -> int:
        return self._insert_many(CONNECT_APPS, (CONNECT_APPS.to_row(app) for app in apps))

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None:
        return self._one(CONNECT_APPS, "sid = ? AND account_sid = ?", (sid, account_sid))

    def find_connect_app(self, sid: str) -> ConnectApp | None:
        return self._one(CONNECT_APPS, "sid = ?", (sid,))

    def update_connect_app(
        self, account_sid: str, sid: str, changes: ConnectAppChanges, now: datetime
    ) -> ConnectApp | None:
        return self._update(CONNECT_APPS, changes, now, "sid = ? AND account_sid = ?", (sid, account_sid))

    def list_connect_apps(self, account_sid: str, request: PageRequest) -> Page[ConnectApp]:
        return self._page(CONNECT_APPS, "account_sid = ?", (account_sid,), request)

    def delete_connect_app(self, account_sid: str, sid: str) -> bool:
        """Delete an app and every authorization of it (ended without callbacks: the app is gone)."""
        with self._transaction() as run:
            if not run("SELECT sid FROM connect_apps WHERE sid = ? AND account_sid = ?", (sid, account_sid)):
                return False
            run("DELETE FROM authorizations WHERE connect_app_sid = ?", (sid,))
            run("DELETE FROM connect_apps WHERE sid = ?", (sid,))
        return True

    def list_connect_app_versions(self, account_sid: str, request: PageRequest) -> Page[tuple[str, int]]:
        """The page's (sid, version) pairs, from the account's index alone (migration 0012)."""
        return self._page(CONNECT_APPS, "account_sid = ?", (account_sid,), request, "sid, version")

    def get_connect_apps(self, account_sid: str, sids: Sequence[str]) -> list[ConnectApp]:
        if not sids:
            return []
        marks = ", ".join("?" * len(sids))
        rows = self._query(f"{CONNECT_APPS.select} WHERE account_sid = ? AND sid IN ({marks})",
                           [account_sid, *sids])
        return [CONNECT_APPS.from_row(r) for r in rows]



class UserSql(SqlBase, UserStore):
    def insert_user(self, user: User, main_account: Account) -> None:
        """A person and their first main account, together or not at all."""
        with self._transaction() as run:
            run(USERS.insert, USERS.to_row(user))
            run(ACCOUNTS.insert, ACCOUNTS.to_row(main_account))

    def get_user(self, user_id: str) -> User | None:
        return self._one(USERS, "id = ?", (user_id,))

    def get_user_by_email(self, email: str) -> User | None:
        return self._one(USERS, "email = ?", (email,))

    def set_password_hash(self, user_id: str, password_hash: str) -> bool:
        """A new password hash and, in the same transaction, the end of every session of the user."""
        with self._transaction() as run:
            rows = run("UPDATE users SET password_hash = ? WHERE id = ? RETURNING id", (password_hash, user_id))
            run("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))
        return bool(rows)


class AuthorizationSql(SqlBase, AuthorizationStore):
    def get_authorization(self, account_sid: str, connect_app_sid: str) -> Authorization | None:
        return self._one(AUTHORIZATIONS, "account_sid = ? AND connect_app_sid = ?", (account_sid, connect_app_sid))

    def get_authorization_by_subaccount(self, subaccount_sid: str) -> Authorization | None:
        return self._one(AUTHORIZATIONS, "subaccount_sid = ?", (subaccount_sid,))

    def save_authorization(self, authorization: Authorization, new_subaccount: Account | None) -> Authorization:
        """Insert or re-activate (account, app)'s authorization, creating its subaccount if given."""
        row = AUTHORIZATIONS.to_row(authorization)
        with self._transaction() as run:
            if new_subaccount is not None:
                run(ACCOUNTS.insert, ACCOUNTS.to_row(new_subaccount))
            rows = run(
                f"{AUTHORIZATIONS.insert} ON CONFLICT (account_sid, connect_app_sid) DO UPDATE SET "
                "subaccount_sid = excluded.subaccount_sid, permissions = excluded.permissions, "
                f"status = excluded.status, date_updated = excluded.date_updated {AUTHORIZATIONS.returning}",
                row,
            )
        return AUTHORIZATIONS.from_row(rows[0])

    def end_authorization(
        self, account_sid: str, connect_app_sid: str, now: datetime, callback: Callback | None,
        close_subaccount: bool = False,
    ) -> Authorization | None:
        """End an active authorization and, in the same transaction, queue its deauthorize
        callback (if any) and close its subaccount (if asked). None if none was active."""
        with self._transaction() as run:
            rows = run(
                f"UPDATE authorizations SET status = ?, date_updated = ? WHERE account_sid = ? "
                f"AND connect_app_sid = ? AND status = ? {AUTHORIZATIONS.returning}",
                (REVOKED, timestamp(now), account_sid, connect_app_sid, ACTIVE),
            )
            if not rows:
                return None
            ended = AUTHORIZATIONS.from_row(rows[0])
            if callback is not None:
                run(CALLBACKS.insert, CALLBACKS.to_row(callback))
            if close_subaccount:
                run("UPDATE accounts SET status = 'closed', date_updated = ? WHERE sid = ?",
                    (timestamp(now), ended.subaccount_sid))
        return ended

    def list_authorizations(self, account_sid: str, request: PageRequest) -> Page[Authorization]:
        """The active authorizations granted by ``account_sid``, in ConnectApp SID order."""
        return self._page(AUTHORIZATIONS, "account_sid = ? AND status = ?", (account_sid, ACTIVE), request)

    def authorizations_of_app(self, connect_app_sid: str) -> list[Authorization]:
        """Every authorization of one app (active and ended), by authorizing account."""
        rows = self._query(
            f"{AUTHORIZATIONS.select} WHERE connect_app_sid = ? ORDER BY account_sid", (connect_app_sid,)
        )
        return [AUTHORIZATIONS.from_row(r) for r in rows]

    def all_authorizations(self, account_sid: str | None = None) -> list[Authorization]:
        """Every authorization (active and ended), optionally of one authorizing account."""
        where, params = ("WHERE account_sid = ?", (account_sid,)) if account_sid else ("", ())
        rows = self._query(f"{AUTHORIZATIONS.select} {where} ORDER BY account_sid, connect_app_sid", params)
        return [AUTHORIZATIONS.from_row(r) for r in rows]


class SettingsSql(SqlBase, SettingsStore):
    def setting(self, name: str, default: Callable[[], str]) -> str:
        """The setting's value; the first caller anywhere stores ``default()`` and every other sees it."""
        self._query("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                    (name, default()))
        return str(self._query("SELECT value FROM settings WHERE name = ?", (name,))[0][0])


class SqlStore(
    SchemaSql, AccountSql, ConnectAppSql, UserSql, AuthorizationSql, OutboxSql, ResourceSql, SettingsSql,
    SessionSql, ThrottleSql, ListingSql, KeySql, SnapshotSql, SeedSql, Store,
):
    """Every role of the Store, in SQL shared by the backends."""
