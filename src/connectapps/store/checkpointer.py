"""SQLite's log copied into the database on a thread of its own, never inside a request's write.

By default SQLite checkpoints in the commit itself (``wal_autocheckpoint``): the commit that finds 1,000
pages or more in the write-ahead log copies them into the database and syncs both files before it
returns. That write's request waits for the syncs (16-60 ms on these machines, once every ~330
updates), and so does every other writer of the process, queued behind it on the store's writer mutex
(store/sqlite.py). In a loop of updates the mean write took nearly twice its median (docs/benchmarks.md).

The store turns that off on its connections and, after a write that leaves 1,000 pages or more not yet
copied, wakes this thread, which runs ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection: it
copies what no reader still needs and syncs, waiting for nobody, while the requests go on committing to
the log. Durability is what it was: a write is acknowledged once it is in the log; the log is synced at
each checkpoint; a checkpoint is asked for after the same 1,000 pages (those written while it runs wait
for the next one).

The log's file is started again from its beginning only by a write that finds every page of it copied
(and no reader still in it); writes that go on during a checkpoint leave some pages not copied, so the
file would grow until the store's bound on it (sqlite.py: ``WAL_FRAMES_MAX``), whose emptying waits for
the readers. So once the log holds ``RESTART_FRAMES`` pages, the checkpoint that follows copies the rest
while the process's writers wait on their mutex (a copy of the few pages written meanwhile and the
syncs: what SQLite's own checkpoint made them wait for every 1,000 pages, now every 4,096).
"""

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

log = logging.getLogger(__name__)

BACKLOG_FRAMES = 1_000  # SQLite's own ``wal_autocheckpoint`` default, in pages not yet copied
RESTART_FRAMES = 4_096  # pages in the log (16 MiB) past which a checkpoint copies it to its end
_PASSIVE = "PRAGMA wal_checkpoint(PASSIVE)"
STOP_WAIT_S = 10.0  # how long closing waits for a checkpoint under way (a sync, usually milliseconds)


class Checkpointer:
    """One database's checkpoints, on a daemon thread started at the first ``wake`` (again, should it have
    died). ``close`` stops it; a later ``wake`` starts another."""

    def __init__(self, path: str, writers: Callable[[], AbstractContextManager[object]]) -> None:
        self.path = path
        self.writers = writers  # holds the process's writers back while it is entered
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._due = threading.Event()  # the running thread's: a checkpoint is asked for
        self._stop = threading.Event()  # the running thread's: it is to end
        self.checkpoints = 0  # run so far in this process (for tests and curiosity)

    def wake(self) -> None:
        """Ask for a checkpoint soon; returns at once. Calls while one is due make one checkpoint."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            self._start()
        self._due.set()

    def _start(self) -> None:
        with self._lock:
            thread = self._thread
            if thread is not None and thread.is_alive():
                return
            self._due, self._stop = threading.Event(), threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._due, self._stop),
                                            name="sqlite-checkpointer", daemon=True)
            self._thread.start()

    def _run(self, due: threading.Event, stop: threading.Event) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            # NORMAL, as the store's connections: the checkpoint syncs the log before copying it, and the
            # database after (with OFF it would sync neither).
            conn.execute("PRAGMA synchronous = NORMAL")
            while True:
                due.wait()
                if stop.is_set():
                    return
                due.clear()
                try:
                    _, frames, _ = conn.execute(_PASSIVE).fetchone()
                    if frames >= RESTART_FRAMES:
                        with self.writers():  # what they wrote meanwhile: then the next write restarts the log
                            conn.execute(_PASSIVE).fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as error:  # the next write that finds the backlog wakes it again
                    log.warning("checkpoint of %s failed: %s", self.path, error)
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the thread, after the checkpoint under way if any, which closes its connection."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._due.set()
        if thread is not None:
            thread.join(STOP_WAIT_S)
