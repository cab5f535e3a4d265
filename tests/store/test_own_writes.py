"""A thread's own writes show in its next reads, whatever its cache held (store/cache.py drops the
records of the table a statement writes; SQLite's data_version does not count a connection's own
commits, so nothing else would)."""

from datetime import UTC, datetime

from connectapps.domain import accounts, authorizations, connect_apps
from connectapps.domain.store import Store


def test_own_writes_to_each_cached_table_are_read_back_at_once(store: Store) -> None:
    owner = accounts.create(store, "Owner")
    user = accounts.create(store, "User")
    app = connect_apps.create(store, owner.sid, {"friendly_name": "before", "permissions": ["get-all"]})
    grant = authorizations.authorize(store, app, user)
    store.begin_request()
    try:
        assert store.get_account(owner.sid) == owner  # all three kinds cached now
        assert store.find_connect_app(app.sid) == app
        assert store.get_authorization_by_subaccount(grant.subaccount_sid) == grant
        connect_apps.update(store, owner.sid, app.sid, {"friendly_name": "after"})
        assert store.find_connect_app(app.sid).friendly_name == "after"  # type: ignore[union-attr]
        store.update_account(owner.sid, {"friendly_name": "Renamed"}, datetime.now(UTC))
        assert store.get_account(owner.sid).friendly_name == "Renamed"  # type: ignore[union-attr]
        store.end_authorization(user.sid, app.sid, datetime.now(UTC), None)
        ended = store.get_authorization_by_subaccount(grant.subaccount_sid)
        assert ended is not None and ended.status != grant.status
    finally:
        store.end_request()


def test_a_write_elsewhere_keeps_the_cached_records(store: Store) -> None:
    """A statement on a table no record is cached from (the sign-in throttle, sessions) drops nothing:
    the next read of a cached record asks no query."""
    owner = accounts.create(store, "Owner")
    store.begin_request()
    try:
        store.get_account(owner.sid)
        store.setting("bench-test", lambda: "x")  # an INSERT INTO settings
        queries: list[str] = []
        original = store._query  # type: ignore[attr-defined]

        def counting(sql: str, params: object = ()) -> object:
            queries.append(sql)
            return original(sql, params)

        store._query = counting  # type: ignore[attr-defined]
        assert store.get_account(owner.sid) == owner
        assert queries == []
    finally:
        store.end_request()
