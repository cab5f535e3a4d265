"""A stop signal stops a worker whichever of its threads the kernel hands it to (ops/lifecycle.py
``relay_stop_signals``). A signal sent to a process goes to the first of its threads to return to user space;
Python runs its handler on the main thread only, and Granian's worker parks that thread in an ``Event.wait()``
with no timeout. Under CPU load a request thread took a worker's SIGTERM and the worker served on until
Granian killed it 30 s later (tests/ops/test_graceful.py, seen failing that way under two CPU hogs)."""

import subprocess
import sys

import pytest

# The state a busy thread leaves behind: a SIGTERM taken by a thread other than the main one, which sleeps
# in a wait with no timeout, as Granian's worker does, until its handler (Granian's, here ``stop``) runs.
WORKER = """
import signal, threading
from connectapps.ops import lifecycle
stopped = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
if {relay}:
    lifecycle.relay_stop_signals()
busy = threading.Thread(target=threading.Event().wait, daemon=True)
busy.start()
signal.pthread_kill(busy.ident, signal.SIGTERM)  # taken by that thread, as a process-directed one can be
stopped.wait()
print("stopped by", threading.current_thread() is threading.main_thread() and "the main thread")
"""


def _run(relay: bool, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WORKER.format(relay=relay)], capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_a_sigterm_taken_by_another_thread_wakes_the_main_thread() -> None:
    done = _run(relay=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped by the main thread"


def test_without_the_relay_the_main_thread_never_hears_of_it() -> None:
    """The failure the relay mends, shown: nothing wakes the main thread."""
    with pytest.raises(subprocess.TimeoutExpired):
        _run(relay=False, timeout=3)


def test_the_relay_sends_one_stop_on_and_not_its_own_echo() -> None:
    """Two stop signals in a row (``SIGINT`` from a terminal, then ``SIGTERM`` from Granian): the relay sends
    the first on, once, and ignores the rest, its own among them (each reaches the wakeup fd again: sent on
    each time, they would go round for ever), so every handler runs once."""
    script = """
import os, signal, threading, time
from connectapps.ops import lifecycle
seen = []
done = threading.Event()
def handler(signum, frame):
    seen.append(signal.Signals(signum).name)
signal.signal(signal.SIGTERM, handler)
signal.signal(signal.SIGINT, handler)
lifecycle.relay_stop_signals()
busy = threading.Thread(target=done.wait, daemon=True)
busy.start()
signal.pthread_kill(busy.ident, signal.SIGINT)
signal.pthread_kill(busy.ident, signal.SIGTERM)
time.sleep(1.0)  # both handled by now, the relayed one among them
print(sorted(seen))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['SIGINT', 'SIGTERM']", done.stdout
