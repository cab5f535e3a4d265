"""What the domain needs from storage. Every backend implements exactly this."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from connectapps.domain.models import Account, ConnectApp, Page, PageRequest


class Store(Protocol):
    def migrate(self) -> list[int]:
        """Apply pending migrations; return the versions applied."""
        ...

    def schema_version(self) -> int: ...

    def begin_request(self) -> None:
        """Called as each HTTP request starts: a backend with a cache revalidates it once here."""
        ...

    def end_request(self) -> None:
        """Called as each HTTP request ends."""
        ...

    def insert_account(self, account: Account) -> None: ...

    def get_account(self, sid: str) -> Account | None: ...

    def update_account(self, sid: str, changes: Mapping[str, object], now: datetime) -> Account | None:
        """Write only ``changes`` (field -> value); return the account as stored, or None if absent."""
        ...

    def count_accounts(self) -> int: ...

    def insert_connect_app(self, app: ConnectApp) -> None: ...

    def bulk_insert_connect_apps(self, apps: Iterable[ConnectApp]) -> int:
        """Insert many apps in one transaction (seeding and benchmarks); return how many."""
        ...

    def get_connect_app(self, account_sid: str, sid: str) -> ConnectApp | None: ...

    def update_connect_app(
        self, account_sid: str, sid: str, changes: Mapping[str, object], now: datetime
    ) -> ConnectApp | None:
        """Write only ``changes`` (field -> value) and return the app as stored, or None if absent."""
        ...

    def list_connect_apps(self, account_sid: str, request: PageRequest) -> Page[ConnectApp]: ...

    def close(self) -> None: ...
