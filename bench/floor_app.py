"""The floor: the ceiling app (bench/ceiling.py) plus the store's own work for one request of a path, and
nothing else: no authentication, no form, no validation, no rendering of the record, and no access line
unless asked for one (below).

The ceiling is what a request costs when the application does nothing; the floor is what it costs when
the application does only what the storage layer does for it. A path's ratio cannot rise above its floor's
while it makes those calls for each request, so a floor under a target says that no work taken out of the
rest of our code can reach it. Served like the ceiling (``python -m granian --interface wsgi
bench.floor_app:app``, started through ``python -m bench.floor_app`` so that its threads run under serve's
CPU policy), on the database ``CONNECTAPPS_BENCH_FLOOR_DATABASE`` names, with the store that
``connectapps serve`` would open on it:

- a GET of ``/2010-04-01/Accounts/AC…/ConnectApps/CN….json``: the per-request coherence check
  (``begin_request``: on PostgreSQL one round trip for the WAL position; on SQLite a read of shared memory);
- a POST to it: that check, then ``update_connect_app`` with FriendlyName (SQLite: ``UPDATE … RETURNING``
  under the process's writer lock, the checkpointer woken as it would be; PostgreSQL: the same statement
  in autocommit, a commit that flushes the WAL);
- a GET of ``/2010-04-01/Accounts/AC…/ConnectApps.json``: the check, then the first page's (SID, version)
  pairs, as a list page reads them (``list_connect_app_versions``: from the store's page cache until
  something commits, else one indexed query). The query string is not read: always the first page of 50.
  Its answer is as long as the real page's (``CONNECTAPPS_BENCH_FLOOR_LIST_BYTES``, which bench/floor.py
  reads off the server): the page's ~25 KB must cross Granian and the kernel whatever made them, and cost
  a served request more than the ceiling's 15 bytes do.

With ``CONNECTAPPS_BENCH_FLOOR_ACCESS_LINE=1`` (``python -m bench floor --access-line``) each of those
paths also writes the access line ``connectapps serve`` writes for it, through the same code
(ops/access.py, with serve's logging settings and its request ids): the floor of a path whose line is on,
as it is by default.
"""

import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import falcon
import orjson

from bench.ceiling import BODY
from bench.endpoints import PAGE_SIZE
from connectapps.api import express
from connectapps.domain.models import PageRequest
from connectapps.ops.access import AccessLog, note_principal
from connectapps.wire import uris

if TYPE_CHECKING:
    from connectapps.domain.store import Store

DATABASE_ENV = "CONNECTAPPS_BENCH_FLOOR_DATABASE"
LIST_BYTES_ENV = "CONNECTAPPS_BENCH_FLOOR_LIST_BYTES"
ACCESS_LINE_ENV = "CONNECTAPPS_BENCH_FLOOR_ACCESS_LINE"
# The routes as the server's router, and so its access line, names them (app.py), and their paths as the
# express lane takes them.
INSTANCE_ROUTE = uris.connect_app("{account_sid}", "{sid}")
LIST_ROUTE = uris.connect_apps("{account_sid}")
INSTANCE, LIST = express.pattern(INSTANCE_ROUTE), express.pattern(LIST_ROUTE)
ACCESS_LINE = os.environ.get(ACCESS_LINE_ENV) == "1"


_opened: list["Store"] = []
_opening = threading.Lock()


def _store() -> "Store":
    """The one store of this process, opened by the first request (importing this module opens nothing)."""
    if _opened:
        return _opened[0]
    with _opening:
        if not _opened:
            from connectapps.store import open_store

            url = os.environ.get(DATABASE_ENV)
            if not url:
                raise RuntimeError(f"{DATABASE_ENV} names no database")
            _opened.append(open_store(url))
        return _opened[0]


def padded(length: int) -> bytes:
    """A JSON body of ``length`` bytes (the ceiling's, if it is longer)."""
    if length <= len(BODY):  # also every length too short for the padding's own 14 bytes
        return BODY
    return orjson.dumps({"padding": "x" * (length - len(orjson.dumps({"padding": ""})))})


LIST_BODY = padded(int(os.environ.get(LIST_BYTES_ENV) or 0))
"""The list's answer: as long as the real first page (``LIST_BYTES_ENV``), or the ceiling's hello."""

_logging: list[tuple[AccessLog, Callable[[], str]]] = []


def _access_log() -> tuple[AccessLog, Callable[[], str]]:
    """The access log as serve's worker has it (its logging settings applied in this process by the first
    line) and its maker of request ids."""
    if _logging:
        return _logging[0]
    store = _store()  # before the lock, which opening the store takes too
    with _opening:
        if not _logging:
            from connectapps.app import RequestScope
            from connectapps.ops import logs

            logs.configure()
            _logging.append((AccessLog(), RequestScope(store).next_id))
        return _logging[0]


def floor(req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
    """An app's or the list's path: the store's work for it (and its access line, if ``ACCESS_LINE``); any
    other (the health check's): the ceiling's hello."""
    started = time.perf_counter()
    resp.content_type = "application/json"
    resp.data = BODY
    if (found := INSTANCE.fullmatch(req.path)) is not None:
        _stored(_store(), req.method, *found.groups())
        route, account_sid = INSTANCE_ROUTE, found.group(1)
    elif (listed := LIST.fullmatch(req.path)) is not None:
        _listed(_store(), listed.group(1))
        resp.data = LIST_BODY
        route, account_sid = LIST_ROUTE, listed.group(1)
    else:
        return
    if ACCESS_LINE:
        access_log, request_id = _access_log()
        note_principal("account", account_sid)  # as the server notes the account it authenticated
        access_log.answered(req.method, req.path, route, 200, started, request_id())


def _stored(store: "Store", method: str, account_sid: str, sid: str) -> None:
    store.begin_request()
    try:
        if method == "POST" and store.update_connect_app(
                account_sid, sid, {"friendly_name": "bench"}, datetime.now(UTC)) is None:
            raise falcon.HTTPNotFound()
    finally:
        store.end_request()


def _listed(store: "Store", account_sid: str) -> None:
    store.begin_request()
    try:
        if not store.list_connect_app_versions(account_sid, PageRequest(PAGE_SIZE)).items:
            raise falcon.HTTPNotFound()
    finally:
        store.end_request()


app = falcon.App()
app.add_sink(floor, "/")


if __name__ == "__main__":  # serve's CPU policy (its threads inherit it through exec), then Granian's command
    from connectapps import serving

    serving.apply_cpu_policy(serving.cpu_policy())
    os.execv(sys.executable, [sys.executable, "-m", "granian", *sys.argv[1:]])
