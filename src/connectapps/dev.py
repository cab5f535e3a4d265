"""Developer tooling: bulk seeding for benchmarks and scale tests."""

from collections.abc import Iterator
from dataclasses import replace

from connectapps.domain import connect_apps, sids
from connectapps.domain.models import ConnectApp
from connectapps.domain.store import ConnectAppStore

BATCH = 50_000


def sample_apps(account_sid: str, count: int) -> Iterator[ConnectApp]:
    """``count`` valid apps: one validated template, each copy with a fresh SID and name."""
    template = connect_apps.new_connect_app(account_sid, {
        "company_name": "Bulk Co",
        "homepage_url": "https://example.com",
        "authorize_redirect_url": "https://example.com/authorize",
        "deauthorize_callback_url": "https://example.com/deauthorize",
        "deauthorize_callback_method": "POST",
        "permissions": ["get-all"],
    })
    for n in range(count):
        yield replace(template, sid=sids.new_sid(sids.CONNECT_APP), friendly_name=f"Bulk app {n}")


def seed_bulk(store: ConnectAppStore, account_sid: str, count: int) -> int:
    """Insert ``count`` apps for ``account_sid`` in batches of one transaction each."""
    inserted = 0
    apps = sample_apps(account_sid, count)
    while inserted < count:
        batch = [app for _, app in zip(range(BATCH), apps, strict=False)]
        inserted += store.bulk_insert_connect_apps(batch)
    return inserted
