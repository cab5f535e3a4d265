"""Messages for the generic-resource endpoints: one made by the engine, cloned with fresh SIDs.

The clone keeps every property a real create stores (lifecycle included), so a fetch or a list
costs what it costs for a Message sent through the API.
"""

from dataclasses import replace

from connectapps.domain import sids
from connectapps.domain.resources import context, engine
from connectapps.domain.resources.contract import contract
from connectapps.domain.resources.lifecycle import Settings
from connectapps.domain.resources.records import Resource
from connectapps.store import open_store

BATCH = 1_000
MAX_MESSAGES = 100_000


def seed_messages(database_url: str, account_sid: str, count: int) -> int:
    """Store ``count`` Messages in the account (in batches); return how many."""
    store = open_store(database_url)
    try:
        account = store.get_account(account_sid)
        assert account is not None
        op = contract().operations["CreateMessage"]
        first = engine.create(context.call(store, op, account, {}, Settings()),
                              {"To": ["+15005550006"], "From": ["+15005550001"], "Body": ["Benchmark"]})
        model = store.get_resource(account_sid, "message", first.key, "")
        assert model is not None
        made = 1
        while made < count:
            batch: list[Resource] = [replace(model, sid=sids.new_sid("SM")) for _ in range(min(BATCH, count - made))]
            if not store.insert_resources(batch):
                raise RuntimeError("a benchmark Message SID was drawn twice")
            made += len(batch)
        return made
    finally:
        store.close()
