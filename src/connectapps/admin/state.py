"""What the admin API holds for one serving process: its token, the request journal, the faults and
the callback settings (why ``serve`` allows one worker with the admin API on)."""

import hmac

from connectapps.admin.callbacks import Callbacks
from connectapps.admin.faults import Faults
from connectapps.admin.journal import Journal
from connectapps.delivery.worker import Worker
from connectapps.domain.store import Store

BEARER = "Bearer "


class Admin:
    """Everything the admin API holds for one process."""

    def __init__(self, store: Store, token: str, worker: Worker | None = None, journal_size: int = 1000) -> None:
        self.store = store
        self._token = token.encode()
        self.journal = Journal(journal_size)
        self.faults = Faults()
        self.callbacks = Callbacks(store, worker)

    def allows(self, header: str | None) -> bool:
        given = header[len(BEARER):].strip() if header and header.startswith(BEARER) else ""
        return hmac.compare_digest(self._token, given.encode("utf-8", "replace"))
