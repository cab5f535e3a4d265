"""Every acknowledged update survives ``kill -9`` of the server and its workers (SQLite's
``synchronous = NORMAL`` in WAL mode keeps that promise for a process crash; docs/deployment.md),
and the version the kept JSON is keyed by (wire/fragments.py) is still counting on restart."""

import os
import signal
import threading
from pathlib import Path

import requests

from connectapps.domain import accounts, connect_apps
from connectapps.store import open_store
from tests.conftest import start_server
from tests.processes import children

WRITERS = 4


def test_acknowledged_updates_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    store = open_store(database_url)
    store.migrate()
    owner = accounts.create(store, "Owner")
    apps = [connect_apps.create(store, owner.sid, {"friendly_name": "v0"}) for _ in range(WRITERS)]
    server = start_server(database_url, tmp_path)
    acknowledged = [0] * WRITERS
    stop = threading.Event()

    def write(n: int) -> None:
        path = f"{server.url}/2010-04-01/Accounts/{owner.sid}/ConnectApps/{apps[n].sid}.json"
        with requests.Session() as session:
            count = 0
            while not stop.is_set():
                count += 1
                try:
                    response = session.post(path, data={"FriendlyName": f"v{count}"},
                                            auth=(owner.sid, owner.auth_token), timeout=10)
                except requests.RequestException:
                    return  # the server is gone: this one was never acknowledged
                assert response.status_code == 200, response.text
                acknowledged[n] = count

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        while min(acknowledged) < 20:
            stop.wait(0.05)
        for pid in [server.proc.pid, *children(server.proc.pid)]:
            os.kill(pid, signal.SIGKILL)  # mid-stream: requests are in flight
        server.proc.wait()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server.store.close()
        store.close()
    reopened = open_store(database_url)
    try:
        for n, app in enumerate(apps):
            stored = reopened.get_connect_app(owner.sid, app.sid)
            assert stored is not None
            written = int((stored.friendly_name or "v").removeprefix("v"))
            # the acknowledged one, or the one in flight when the kill came
            assert acknowledged[n] <= written <= acknowledged[n] + 1
            assert stored.version == written + 1
    finally:
        reopened.close()
