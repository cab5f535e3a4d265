"""Connect Apps' JSON kept per (sid, version): same bytes as encoding afresh, a new version is a new
encoding, a page whose item vanished is refused, and the store bumps the version on every change."""

import json
import subprocess
import sys
import threading
from dataclasses import replace

from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import ConnectApp, Page, PageRequest
from connectapps.store import open_store
from connectapps.wire import fragments, paging, render


def an_app(name: str = "One") -> ConnectApp:
    return connect_apps.new_connect_app("AC" + "1" * 32, {"friendly_name": name})


def test_the_cached_bytes_are_what_encoding_gives() -> None:
    app = an_app()
    assert fragments.connect_app(app) == render.encode(render.connect_app(app))
    assert fragments.connect_app(app) is fragments.connect_app(app)


def test_a_new_version_is_encoded_again() -> None:
    app = an_app("before")
    fragments.connect_app(app)
    changed = replace(app, friendly_name="after", version=app.version + 1)
    assert json.loads(fragments.connect_app(changed))["friendly_name"] == "after"


def test_a_page_is_the_envelope_with_the_items_joined() -> None:
    apps = [an_app(f"App {n}") for n in range(3)]
    request = PageRequest(size=2)
    full = paging.envelope("connect_apps", "/x", [render.connect_app(a) for a in apps], 0, request, True)
    items = fragments.connect_app_items([(a.sid, a.version) for a in apps], lambda missing: apps)
    assert items is not None
    envelope = paging.envelope("connect_apps", "/x", items, 0, request, True, keys=[a.sid for a in apps])
    encoded = fragments.encode_page(envelope, "connect_apps", items)
    assert encoded == render.encode(full)  # same keys, same order, same bytes


def test_a_page_whose_item_vanished_is_refused() -> None:
    gone, kept = an_app("gone"), an_app("kept")
    assert fragments.connect_app_items([(gone.sid, 7), (kept.sid, 7)], lambda missing: [kept]) is None


def test_every_update_increments_the_version(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    try:
        owner = accounts.create(store, "Owner")
        app = connect_apps.create(store, owner.sid, {"friendly_name": "a"})
        assert app.version == 1
        for n in range(2, 5):
            changed = connect_apps.update(store, owner.sid, app.sid, {"friendly_name": f"v{n}"})
            assert changed.version == n
        assert store.get_connect_app(owner.sid, app.sid) == changed
        page = store.list_connect_app_versions(owner.sid, PageRequest(size=50))
        assert page.items == [(app.sid, 4)]
    finally:
        store.close()


_FULL_CACHE = """
import dataclasses
from connectapps.domain import connect_apps
from connectapps.wire import fragments

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

app = connect_apps.new_connect_app("AC" + "1" * 32, {"friendly_name": "x" * 40, "description": "d" * 100,
                                                      "homepage_url": "https://example.com/home"})
before = rss()
for n in range(fragments.LIMIT):
    fragments.connect_app(dataclasses.replace(app, sid=f"CN{n:032x}"))
print(rss() - before)
"""


def test_a_full_cache_of_encodings_costs_about_their_size() -> None:
    """LIMIT encodings of ~600 bytes take a few MiB of the worker's memory, not the ~4 KB buffer orjson
    wrote each into (41 MiB for a full cache, measured before the copy)."""
    done = subprocess.run([sys.executable, "-c", _FULL_CACHE], capture_output=True, text=True, check=True)
    assert float(done.stdout) < 15, f"{done.stdout.strip()} MiB for {fragments.LIMIT} encodings"


def test_a_kept_page_body_is_reused_only_for_the_very_page_it_was_made_from() -> None:
    bodies = fragments.PageBodies()
    page = Page(items=[("CN" + "1" * 32, 1)], has_more=False)
    bodies.keep(("AC1", ""), page, b"body")
    assert bodies.get(("AC1", ""), page) == b"body"
    assert bodies.get(("AC1", ""), Page(items=list(page.items), has_more=False)) is None  # equal, not the same
    assert bodies.get(("AC1", "PageSize=5"), page) is None
    assert bodies.get(("AC2", ""), page) is None


def test_page_bodies_are_bounded_per_thread() -> None:
    bodies = fragments.PageBodies()
    pages: list[Page[tuple[str, int]]] = [Page(items=[], has_more=False) for _ in range(fragments.PAGES_KEPT + 1)]
    for n, page in enumerate(pages):
        bodies.keep(n, page, b"x")
        assert len(bodies.kept) <= fragments.PAGES_KEPT
    assert bodies.get(fragments.PAGES_KEPT, pages[-1]) == b"x"
    seen: list[bytes | None] = []
    thread = threading.Thread(target=lambda: seen.append(bodies.get(fragments.PAGES_KEPT, pages[-1])))
    thread.start()
    thread.join()
    assert seen == [None]  # another thread keeps its own


def test_a_body_larger_than_those_kept_is_not_kept() -> None:
    """PageSize=1000 with a different query each time must not pile up 32 large bodies a thread."""
    bodies = fragments.PageBodies()
    page: Page[tuple[str, int]] = Page(items=[], has_more=False)
    bodies.keep("large", page, b"x" * (fragments.BODY_KEPT_MAX + 1))
    bodies.keep("small", page, b"x" * fragments.BODY_KEPT_MAX)
    assert bodies.get("large", page) is None
    assert bodies.get("small", page) == b"x" * fragments.BODY_KEPT_MAX
