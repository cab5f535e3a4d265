"""A store kept busy as a server keeps it: one thread writing while another reads all along."""

import threading
from collections.abc import Callable

from connectapps.domain import accounts, connect_apps
from connectapps.domain.models import ConnectApp
from connectapps.store.sqlite import SqliteStore


def updates_beside_a_reader(store: SqliteStore, times: int, measure: Callable[[], int]) -> tuple[ConnectApp, int]:
    """A new app updated ``times`` times (FriendlyName ``v0`` … ``v<times - 1>``) while another thread
    reads it in a loop, each read a request of its own; the app, and the largest ``measure()`` after a write."""
    owner = accounts.create(store, "Owner")
    app = connect_apps.create(store, owner.sid, {"friendly_name": "v0"})
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            store.begin_request()
            store.get_connect_app(owner.sid, app.sid)
            store.end_request()

    reader = threading.Thread(target=read)
    reader.start()
    largest = 0
    try:
        for n in range(times):
            connect_apps.update(store, owner.sid, app.sid, {"friendly_name": f"v{n}"})
            largest = max(largest, measure())
    finally:
        stop.set()
        reader.join()
    return app, largest
