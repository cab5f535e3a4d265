"""A graceful stop of each worker, on Granian's signals.

- ``SIGTERM`` (or ``SIGINT``) to the main process: Granian closes the listening socket, sends each
  worker ``SIGTERM`` and waits for it. A worker stops accepting, finishes the requests it is
  answering, and returns; then ``at_worker_exit`` runs: the callback sender gives back the claims it
  has not started and waits for its sends in progress; the database pool is closed; exit 0.
- ``SIGHUP`` to the main process: a rolling restart. Worker by worker, Granian starts a new one,
  waits ``respawn_interval`` seconds, then stops the old one as above, so the port never goes
  unanswered.
- Bounded: a worker still running ``SHUTDOWN_ENV`` seconds (default 30) after its ``SIGTERM`` is
  killed. Keep it above ``CONNECTAPPS_CALLBACK_TIMEOUT`` so that sends in progress can end.
- The main process gone without a word (``SIGKILL``, the OOM killer): each worker notices within
  ``PARENT_CHECK_S`` and stops as on ``SIGTERM`` (``watch_parent``), instead of serving the port on its
  own, unsupervised, until someone finds it.
- A stop signal taken by a busy thread still stops the worker (``relay_stop_signals``).
"""

import logging
import multiprocessing.connection
import multiprocessing.util
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from connectapps.delivery.worker import Worker
from connectapps.domain.store import Store
from connectapps.ops import logs

SHUTDOWN_ENV = "CONNECTAPPS_SHUTDOWN_TIMEOUT"
DEFAULT_SHUTDOWN_TIMEOUT = 30
RECORDING = 2.0  # seconds past a send's deadline to log its result
PARENT_CHECK_S = 1.0
log = logging.getLogger("connectapps.server")


def shutdown_timeout() -> int:
    """Seconds a stopping worker has before it is killed (``CONNECTAPPS_SHUTDOWN_TIMEOUT``)."""
    value = os.environ.get(SHUTDOWN_ENV, "").strip()
    try:
        seconds = int(value) if value else DEFAULT_SHUTDOWN_TIMEOUT
    except ValueError:
        raise ValueError(f"{SHUTDOWN_ENV} must be a whole number of seconds, not {value!r}") from None
    if seconds < 1:
        raise ValueError(f"{SHUTDOWN_ENV} must be 1 or more, not {value}")
    return seconds


def exact_worker_liveness() -> None:
    """Make Granian's "is this stopping worker still alive?" look at the process itself.

    With a kill timeout, Granian joins a stopping worker from the main thread while a watcher thread
    of its own joins it too; when the watcher reaps it first, the main thread's check finds no exit
    status yet, reports "Killing worker-N after it refused to gracefully stop" and signals a pid that
    is gone (Granian 2.8). A worker's sentinel becomes readable when it has exited, whoever reaped it.
    """
    from granian.server.mp import WorkerProcess

    def is_alive(worker: Any) -> bool:
        return not multiprocessing.connection.wait([worker.inner.sentinel], 0)

    WorkerProcess.is_alive = is_alive  # type: ignore[method-assign]


def at_worker_exit(action: Callable[[], None]) -> None:
    """Run ``action`` when this worker process ends normally (Granian's worker returns from serving;
    ``multiprocessing`` then runs its finalizers before the process exits)."""
    multiprocessing.util.Finalize(None, action, exitpriority=10)


def stop_worker(store: Store, sender: Worker | None) -> None:
    """The end of a worker: the callback sender first (it writes to the store), then the store."""
    released = unfinished = 0
    if sender is not None:
        released, unfinished = sender.shutdown(sender.settings.timeout + RECORDING)
    store.close()
    level = logging.WARNING if unfinished else logging.INFO
    logs.event(log, level, "worker_stopped", f"worker {os.getpid()} stopped: {released} unsent callback claims "
               f"given back, {unfinished} sends unfinished", pid=os.getpid(), released=released,
               unfinished=unfinished)


def watch_parent(interval: float = PARENT_CHECK_S) -> threading.Thread:
    """Stop this worker (``SIGTERM`` to its main thread: the graceful stop above) once its main process is gone —
    the worker then has another parent (``init`` or a subreaper). One look every ``interval`` seconds."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        logs.event(log, logging.WARNING, "orphaned", f"worker {os.getpid()}: its main process {parent} is gone; "
                   "stopping", pid=os.getpid(), parent=parent)
        _stop_once(signal.SIGTERM)

    watcher = threading.Thread(target=watch, name="parent-watch", daemon=True)
    watcher.start()
    return watcher


STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
_stopping = threading.Lock()


def relay_stop_signals() -> threading.Thread:
    """Make sure a stop signal reaches this worker's main thread, whichever thread the kernel gave it to.

    A signal sent to the process is taken by whichever of its threads next returns to user space; Python
    runs the handler on the main thread only, at its next bytecode. Granian's main thread sleeps in an
    ``Event.wait()`` with no timeout, so a ``SIGTERM`` taken by a request thread (likely when the CPU is
    busy) only raised a flag nobody read: the worker served on until Granian killed it 30 s later, its
    graceful stop skipped. Python writes each signal's number to the wakeup fd from the thread that took
    it; this thread reads it and sends the first stop signal on to the main thread itself
    (``pthread_kill``), which wakes it. Call it from the main thread (``signal.set_wakeup_fd``)."""
    readable, writable = os.pipe()
    os.set_blocking(writable, False)
    signal.set_wakeup_fd(writable, warn_on_full_buffer=False)

    def relay() -> None:
        while True:
            for signum in os.read(readable, 64):
                if signum in STOP_SIGNALS:
                    _stop_once(signal.Signals(signum))

    relayer = threading.Thread(target=relay, name="stop-signal-relay", daemon=True)
    relayer.start()
    return relayer


def _stop_once(signum: signal.Signals) -> None:
    """The stop signal, to the main thread, once per process: the stop is one-way, and the signal sent on
    reaches the wakeup fd again, which must not send it on again (and so on, for ever)."""
    if _stopping.acquire(blocking=False):
        signal.pthread_kill(threading.main_thread().ident or 0, signum)
