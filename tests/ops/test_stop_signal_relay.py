"""A stop signal stops a worker whichever of its threads the kernel hands it to (ops/lifecycle.py
``relay_stop_signals``). A signal sent to a process goes to the first of its threads to return to user space;
Python runs its handler on the main thread only, and Granian's worker parks that thread in an ``Event.wait()``
with no timeout. Under CPU load a request thread took a worker's SIGTERM and the worker served on until
Granian killed it 30 s later (tests/ops/test_graceful.py, seen failing that way under two CPU hogs)."""

import subprocess
import sys

import pytest

# A thread other than the main one takes the signals, and only once the main thread is parked: a main thread
# still running bytecode would see the handler's flag by itself (CI's host once did, before this waited), so
# the state under test would not be the one a busy worker leaves behind.
SEND_WHEN_PARKED = """
import signal, threading, time

def send_when_parked(*signums):
    def sender():
        main = threading.main_thread().native_id
        while open("/proc/self/task/%d/stat" % main).read().rpartition(") ")[2][0] != "S":
            time.sleep(0.01)
        time.sleep(0.3)  # from sleeping to parked in its wait: a few bytecodes
        for signum in signums:
            signal.pthread_kill(threading.get_ident(), signum)  # taken here, as a process-directed one can be
    threading.Thread(target=sender, daemon=True).start()
"""

# The state a busy thread leaves behind: a SIGTERM taken by a thread other than the main one, which sleeps
# in a wait with no timeout, as Granian's worker does, until its handler (Granian's, here ``stop``) runs.
WORKER = SEND_WHEN_PARKED + """
from connectapps.ops import lifecycle
stopped = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
if {relay}:
    lifecycle.relay_stop_signals()
send_when_parked(signal.SIGTERM)
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
        _run(relay=False, timeout=4)


def test_the_relay_sends_one_stop_on_and_not_its_own_echo() -> None:
    """Two stop signals in a row (``SIGINT`` from a terminal, then ``SIGTERM`` from Granian): the relay sends
    the first on, once, and ignores the rest, its own among them (each reaches the wakeup fd again: sent on
    each time, they would go round for ever), so every handler runs once."""
    script = SEND_WHEN_PARKED + """
from connectapps.ops import lifecycle
seen = []
def handler(signum, frame):
    seen.append(signal.Signals(signum).name)
signal.signal(signal.SIGTERM, handler)
signal.signal(signal.SIGINT, handler)
lifecycle.relay_stop_signals()
send_when_parked(signal.SIGINT, signal.SIGTERM)
time.sleep(2.0)  # parked; woken by the relayed SIGINT, and all handled by the end, the relayed one among them
print(sorted(seen))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['SIGINT', 'SIGTERM']", done.stdout
