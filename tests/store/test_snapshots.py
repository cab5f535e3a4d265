"""Snapshots in the store, on every backend: every table of records is saved and restored, parents
before children, and a table added by a later migration cannot be forgotten."""

import threading
from datetime import UTC, datetime

from connectapps import seeding
from connectapps.domain import accounts, authorizations, snapshots
from connectapps.domain.models import CallbackAttempt
from connectapps.domain.store import Store
from connectapps.seeding.loading import apply
from connectapps.store import open_store
from connectapps.store.rows import CALLBACK_ATTEMPTS
from connectapps.store.snapshots import DATA_TABLES
from tests.seeding.seeds import APP, CUSTOMER, SEED

# Tables that are not records: kept across a reset.
KEPT = {"schema_migrations", "settings", "snapshots", "sign_in_failures"}


def tables(store: Store) -> set[str]:
    rows = store._query(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table'" if "Sqlite" in type(store).__name__ else
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
    return {str(row[0]) for row in rows}


def test_every_table_is_either_a_record_table_or_kept(store: Store) -> None:
    """A new table (the Keys resource's, say) must join DATA_TABLES — parents first — or KEPT."""
    assert tables(store) == {t.name for t in DATA_TABLES} | KEPT


def test_restore_puts_back_every_table(store: Store) -> None:
    apply(store, seeding.load_text(SEED))
    saved = store.save_snapshot("before", datetime.now(UTC))
    authorizations.revoke(store, CUSTOMER, APP)  # queues a callback, ends the grant
    extra = accounts.create(store, "made after the snapshot")
    assert store.list_callbacks() != []
    restored = snapshots.restore(store, "before")
    assert restored.records == saved.records
    assert store.list_callbacks() == [] and store.get_account(extra.sid) is None
    grant = store.get_authorization(CUSTOMER, APP)
    assert grant is not None and grant.status == "active"
    snapshots.reset(store, to_seed=False)
    assert store.count_accounts() == 0
    assert [s.name for s in store.list_snapshots()] == ["@seed", "before"]
    snapshots.reset(store)
    assert store.count_accounts() == 4


def test_a_reset_waits_for_an_attempt_being_recorded_and_deletes_it_too(store: Store, database_url: str) -> None:
    """A callback's sender records an attempt, in its own transaction, while the admin API resets: the reset
    waits for it and then deletes it with the rest. (On PostgreSQL it used to delete the attempts, then wait
    on the callback's row, and fail on the attempt committed meanwhile: a foreign key error, a 500.)"""
    apply(store, seeding.load_text(SEED))
    authorizations.revoke(store, CUSTOMER, APP)  # queues a callback
    [callback] = store.list_callbacks()
    attempt = CallbackAttempt(callback.id, 1, "sender", datetime.now(UTC), 200, 5, None)
    failures: list[BaseException] = []

    def reset() -> None:
        try:
            snapshots.reset(store, to_seed=False)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    sender = open_store(database_url)
    resetting = threading.Thread(target=reset)
    try:
        with sender._transaction() as run:  # type: ignore[attr-defined]  # as finish_claim: the row, then the attempt
            run("UPDATE callbacks SET attempts = attempts WHERE id = ?", (callback.id,))
            run(CALLBACK_ATTEMPTS.insert, CALLBACK_ATTEMPTS.to_row(attempt))
            resetting.start()
            resetting.join(1.0)
            assert resetting.is_alive()  # waiting for the sender
        resetting.join(30)
    finally:
        sender.close()
    assert not resetting.is_alive() and failures == []
    assert store.list_callbacks() == [] and store.callback_attempts(callback.id) == []
    assert store.count_accounts() == 0
