"""The resources table on both backends: keyset paging, selecting on JSON properties alike on SQLite
and PostgreSQL, atomic multi-row inserts, updates read and written under one lock."""

from datetime import UTC, datetime

import pytest

from connectapps.domain import accounts, sids
from connectapps.domain.models import PageRequest
from connectapps.domain.resources.records import AT_LEAST, BELOW, EQUAL, Match, Resource
from connectapps.domain.store import Store


def row(account_sid: str, data: dict[str, object], kind: str = "message", scope: str = "") -> Resource:
    now = datetime.now(UTC)
    return Resource(account_sid, kind, scope, sids.new_sid("SM"), data, now, now)


def test_pages_in_sid_order_and_selects_on_properties(store: Store) -> None:
    account = accounts.create(store, "Store")
    rows = [row(account.sid, {"to": f"+1500555000{n % 2}", "flag": n % 2 == 0, "n": n, "at": f"2024-05-0{n + 1}"})
            for n in range(5)]
    assert store.insert_resources(rows)
    ordered = sorted(r.sid for r in rows)
    first = store.list_resources(account.sid, "message", PageRequest(size=2))
    rest = store.list_resources(account.sid, "message", PageRequest(size=5, after=first.items[-1].sid))
    assert [r.sid for r in first.items + rest.items] == ordered and first.has_more and not rest.has_more

    def selected(*matches: Match) -> list[int]:
        page = store.list_resources(account.sid, "message", PageRequest(size=10), None, matches)
        return sorted(int(str(r.data["n"])) for r in page.items)

    assert selected(Match("to", EQUAL, "+15005550000")) == [0, 2, 4]
    assert selected(Match("flag", EQUAL, True)) == [0, 2, 4]
    assert selected(Match("flag", EQUAL, False)) == [1, 3]
    assert selected(Match("n", EQUAL, 3)) == [3]
    assert selected(Match("at", AT_LEAST, "2024-05-02"), Match("at", BELOW, "2024-05-04")) == [1, 2]
    assert selected(Match("date_created", AT_LEAST, "2000-01-01")) == [0, 1, 2, 3, 4]  # a column, not data
    with pytest.raises(ValueError):
        selected(Match("to'; DROP TABLE resources; --", EQUAL, "x"))


def test_scopes_keep_children_apart(store: Store) -> None:
    account = accounts.create(store, "Scopes")
    a, b = row(account.sid, {}, "recording", "CA1"), row(account.sid, {}, "recording", "CA2")
    assert store.insert_resources([a, b])
    assert [r.sid for r in store.list_resources(account.sid, "recording", PageRequest(size=5), "CA1").items] == [a.sid]
    assert store.get_resource(account.sid, "recording", a.sid, "CA2") is None
    assert store.get_resource(account.sid, "recording", a.sid, None) == a
    assert store.count_resources(account.sid, "recording") == 2
    assert store.count_resources(account.sid, "recording", "CA2") == 1


def test_inserts_together_or_not_at_all(store: Store) -> None:
    account = accounts.create(store, "Atomic")
    existing = row(account.sid, {"n": 1})
    assert store.insert_resources([existing])
    fresh = row(account.sid, {"n": 2})
    assert not store.insert_resources([fresh, existing])
    assert store.get_resource(account.sid, "message", fresh.sid, "") is None


def test_an_update_that_raises_writes_nothing(store: Store) -> None:
    account = accounts.create(store, "Update")
    stored = row(account.sid, {"body": "before"})
    assert store.insert_resources([stored])
    now = datetime.now(UTC)

    def refuse(current: Resource) -> dict[str, object]:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.update_resource(account.sid, "message", stored.sid, None, refuse, now)
    updated = store.update_resource(account.sid, "message", stored.sid, None,
                                    lambda current: {**current.data, "body": "after"}, now)
    assert updated is not None and updated.data == {"body": "after"} and updated.date_updated == now
    assert store.update_resource(account.sid, "message", "SM" + "0" * 32, None, lambda c: {}, now) is None
    assert store.delete_resource(account.sid, "message", stored.sid, "")
    assert not store.delete_resource(account.sid, "message", stored.sid, "")
