"""What the delivery suites share: fast sender settings, apps with authorizations to revoke, and
waiting for callbacks to reach a state."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from connectapps.delivery.egress import Policy
from connectapps.domain import accounts, authorizations, connect_apps
from connectapps.domain.models import Account, Callback, ConnectApp
from connectapps.domain.store import Store
from tests.conftest import Server
from tests.eventually import eventually
from tests.receiver import Receiver

FAST = {
    "CONNECTAPPS_CALLBACK_TIMEOUT": "1",
    "CONNECTAPPS_CALLBACK_LEASE": "7",
    "CONNECTAPPS_CALLBACK_BACKOFF_BASE": "0.05",
    "CONNECTAPPS_CALLBACK_BACKOFF_MAX": "0.2",
    "CONNECTAPPS_CALLBACK_POLL_INTERVAL": "0.05",
    "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS": "loopback",  # the test receivers listen on 127.0.0.1
}
LOOPBACK = Policy.parse("loopback")  # the test receivers listen on 127.0.0.1


def wait_for_status(server: Server, app_sid: str, status: str, timeout: float = 20.0) -> list[Any]:
    """The app's callbacks, once there are some and every one has ``status``."""
    def all_there() -> list[Callback] | None:
        callbacks = server.store.list_callbacks(app_sid)
        return callbacks if callbacks and all(c.status == status for c in callbacks) else None

    return eventually(all_there, lambda: f"callbacks of {app_sid} not all {status}: "
                      f"{server.store.list_callbacks(app_sid)}", timeout)


def all_delivered(store: Store, app_sid: str, timeout: float = 60.0) -> list[Callback]:
    """The app's callbacks, once every one is delivered."""
    def delivered() -> list[Callback] | None:
        callbacks = store.list_callbacks(app_sid)
        return callbacks if all(c.status == "delivered" for c in callbacks) else None

    return eventually(delivered, "not every callback was delivered", timeout, interval=0.05)


def authorized_app(store: Store, url: str, count: int) -> tuple[ConnectApp, list[Account]]:
    """An app calling back to ``url``, authorized by ``count`` users."""
    owner = accounts.create(store, "Owner")
    app = connect_apps.create(store, owner.sid, {
        "friendly_name": "Durable", "authorize_redirect_url": "https://vendor.example/cb",
        "deauthorize_callback_url": url, "deauthorize_callback_method": "POST",
    })
    users = [accounts.create(store, f"User {n}") for n in range(count)]
    for user in users:
        authorizations.authorize(store, app, user)
    return app, users


def queue_callbacks(store: Store, url: str, count: int) -> ConnectApp:
    """``count`` users authorize one app, then all are revoked: ``count`` callbacks queued."""
    app, users = authorized_app(store, url, count)
    for user in users:
        authorizations.revoke(store, user.sid, app.sid)
    return app


def delivered_keys(receiver: Receiver) -> Counter[str]:
    return Counter(r.params["AccountSid"] for r in receiver.requests)


def claim_expired(store: Store, owner: str) -> list[Callback]:
    """Claim every due callback for ``owner`` with a lease that has already run out: as if that
    sender had stalled (or died) mid-send long enough for another sender to claim the rows again."""
    now = datetime.now(UTC)
    due = [c.id for c in store.due_callbacks(now, 100)]
    return store.claim_callbacks(owner, due, now, now - timedelta(seconds=1))
