"""The SQL behind API keys (domain/keys.py): one table, read by primary key to authenticate."""

from collections.abc import Mapping
from datetime import datetime

from connectapps.domain.keys import ApiKey, KeyStore
from connectapps.domain.models import Page, PageRequest
from connectapps.store.base import SqlBase
from connectapps.store.rows import Table

KEYS = Table("api_keys", ApiKey)


class KeySql(SqlBase, KeyStore):
    def insert_key(self, key: ApiKey) -> None:
        self._insert(KEYS, key)

    def get_key(self, sid: str) -> ApiKey | None:
        return self._one(KEYS, "sid = ?", (sid,))

    def list_keys(self, account_sid: str, request: PageRequest) -> Page[ApiKey]:
        return self._page(KEYS, "account_sid = ?", (account_sid,), request)

    def update_key(self, account_sid: str, sid: str, changes: Mapping[str, object], now: datetime) -> ApiKey | None:
        return self._update(KEYS, changes, now, "sid = ? AND account_sid = ?", (sid, account_sid))

    def delete_key(self, account_sid: str, sid: str) -> bool:
        rows = self._query("DELETE FROM api_keys WHERE sid = ? AND account_sid = ? RETURNING sid",
                           (sid, account_sid))
        return bool(rows)

    def all_keys(self, account_sid: str | None = None) -> list[ApiKey]:
        """Every key (of one account if given), by account and SID: the command line's list."""
        where, params = ("WHERE account_sid = ?", (account_sid,)) if account_sid else ("", ())
        rows = self._query(f"{KEYS.select} {where} ORDER BY account_sid, sid", params)
        return [KEYS.from_row(r) for r in rows]
