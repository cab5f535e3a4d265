"""A real connectapps server in this process, for other people's test suites (like moto's
``ThreadedMotoServer``): the same WSGI app ``serve`` runs, on a free loopback port, in a thread,
on its own SQLite file (or a database you name), seeded, with the admin API on.

```python
with ConnectAppsServer(seed="seed.yaml") as server:
    client = server.client()                 # twilio.rest.Client, base URL set
    answer = server.authorize("CN…", user="user@example.com", state="s1")
```
"""

import contextlib
import json
import secrets
import shutil
import socketserver
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from connectapps import seeding
from connectapps.admin import Admin
from connectapps.app import create_app
from connectapps.delivery.egress import Policy
from connectapps.delivery.worker import Settings, Worker
from connectapps.domain import sids
from connectapps.domain.store import Store
from connectapps.seeding.model import Seed
from connectapps.store import open_store
from connectapps.testing.defaults import DEFAULT_SEED

# Retries a test can wait for, and a sender that looks for due callbacks often.
TEST_CALLBACK_SETTINGS = Settings(timeout=5.0, lease=30.0, backoff_base=0.05, backoff_max=1.0,
                                  give_up_after=600.0, poll_interval=0.05, concurrency=4, per_host=4)


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


class AdminError(Exception):
    """The admin API answered an error: ``status`` and Twilio's envelope in ``body``."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


class ConnectAppsServer:
    """Start with ``start()`` or ``with``; stopped (and its temporary database removed) by ``stop()``.

    ``seed``: a seed file's path, its text (YAML or JSON), a dict, or None for DEFAULT_SEED.
    ``random_seed``: SIDs and tokens made during the run are the same on every run.
    ``callback_allowed_hosts``: where deauthorize callbacks may go (default: this machine too).
    """

    def __init__(
        self, seed: str | Path | dict[str, Any] | None = None, *, database_url: str | None = None,
        admin_token: str | None = None, random_seed: str | None = None, host: str = "127.0.0.1", port: int = 0,
        callbacks: bool = True, callback_allowed_hosts: str = "loopback",
    ) -> None:
        self.seed = _seed(seed)
        self.admin_token = admin_token or secrets.token_urlsafe(24)
        self.random_seed = random_seed
        self._host, self._port = host, port
        self._database_url = database_url
        self._callbacks = callbacks
        self._policy = Policy.parse(callback_allowed_hosts)
        self._tmp: str | None = None
        self._server: _ThreadingServer | None = None
        self._worker: Worker | None = None
        self.store: Store | None = None
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "ConnectAppsServer":
        if self._database_url is None:
            self._tmp = tempfile.mkdtemp(prefix="connectapps-")
            self._database_url = f"sqlite:///{self._tmp}/connectapps.db"
        sids.seed_random(self.random_seed)
        store = open_store(self._database_url)
        self.store = store
        store.migrate()
        seeding.loading.apply(store, self.seed)
        if self._callbacks:
            self._worker = Worker(store, TEST_CALLBACK_SETTINGS, self._policy)
            self._worker.start()
        admin = Admin(store, self.admin_token, self._worker)
        self._server = make_server(self._host, self._port, create_app(store, admin=admin),
                                   server_class=_ThreadingServer, handler_class=_QuietHandler)
        port = self._server.server_address[1]
        self.base_url = f"http://{self._host}:{port}"
        threading.Thread(target=self._server.serve_forever, name="connectapps-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self.store is not None:
            self.store.close()
            self.store = None
        sids.seed_random(None)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "ConnectAppsServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- credentials and clients --------------------------------------------------------------

    @property
    def credentials(self) -> dict[str, str]:
        """Account SID -> auth token, for every account the seed declares (tokens it left out: as made)."""
        assert self.store is not None, "start the server first"
        found = {}
        for account in self.seed.accounts:
            stored = self.store.get_account(account.sid)
            if stored is not None:
                found[account.sid] = stored.auth_token
        return found

    @property
    def account_sid(self) -> str:
        """The seed's first account."""
        return self.seed.accounts[0].sid

    @property
    def auth_token(self) -> str:
        return self.credentials[self.account_sid]

    def client(self, account_sid: str | None = None, auth_token: str | None = None) -> Any:
        """A ``twilio.rest.Client`` for an account (default: the seed's first), talking to this server."""
        from twilio.rest import Client

        sid = account_sid or self.account_sid
        token = auth_token or self.credentials.get(sid)
        if token is None:
            raise KeyError(f"no auth token known for {sid}: pass auth_token")
        client = Client(sid, token)
        client.api.base_url = self.base_url
        return client

    # -- the admin API ------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call ``/__admin/<path>`` with the admin token; the decoded JSON (None on 204), or AdminError."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/__admin/{path.lstrip('/')}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.admin_token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            with contextlib.suppress(ValueError):
                payload = json.loads(payload)
            raise AdminError(exc.code, payload) from None
        return json.loads(raw) if raw else None

    def reset(self, to: str = "seed") -> Any:
        return self.admin("POST", "reset", {"to": to})

    def authorize(self, connect_app_sid: str, *, user: str | None = None, account_sid: str | None = None,
                  state: str | None = None, deny: bool = False) -> Any:
        """What the consent page does: ``redirect_url`` and ``account_sid`` (the Connect subaccount)."""
        body = {"connect_app_sid": connect_app_sid, "decision": "deny" if deny else "authorize"}
        body |= {k: v for k, v in (("user", user), ("account_sid", account_sid), ("state", state)) if v}
        return self.admin("POST", "authorize", body)

    def deauthorize(self, connect_app_sid: str, account_sid: str) -> Any:
        """What the user's "revoke" does: the authorization ends, the deauthorize callback is queued."""
        return self.admin("POST", "deauthorize", {"connect_app_sid": connect_app_sid, "account_sid": account_sid})

    def deliver_callbacks(self) -> Any:
        return self.admin("POST", "callbacks/deliver")

    def callbacks(self) -> list[Any]:
        return list(self.admin("GET", "callbacks")["callbacks"])

    def requests(self, **filters: str) -> list[Any]:
        query = urllib.parse.urlencode(filters)
        return list(self.admin("GET", f"requests?{query}" if query else "requests")["requests"])

    def fault(self, **definition: Any) -> Any:
        return self.admin("POST", "faults", definition)

    def save_snapshot(self, name: str) -> Any:
        return self.admin("PUT", f"snapshots/{name}")

    def restore_snapshot(self, name: str) -> Any:
        return self.admin("POST", f"snapshots/{name}/restore")


def _seed(seed: str | Path | dict[str, Any] | None) -> Seed:
    if seed is None:
        return seeding.load_text(DEFAULT_SEED, "connectapps.testing.DEFAULT_SEED")
    if isinstance(seed, dict):
        return seeding.load_text(json.dumps(seed), "<seed dict>")
    if isinstance(seed, Path) or "\n" not in seed:
        return seeding.load(seed)
    return seeding.load_text(seed)
