"""Password hashing (Argon2id, argon2-cffi) and the bound on how many are checked at once.

Checking a password costs tens of milliseconds of CPU on several threads (Argon2's lanes) and
64 MiB, so a flood of sign-ins could take every core and every request thread. Two guards keep the
rest of the server answering:

- at most ``limit`` checks at once per process (``limit_checks``, from config.sign_in_concurrency);
  beyond that ``checking`` answers Busy at once instead of queueing a request thread;
- checks run on a small pool of threads of lower CPU priority (nice ``CHECK_NICE``; Argon2's lane
  threads inherit it), so while hashing competes with API requests for the cores, the API wins.

Passwords are never logged or returned.
"""

import contextlib
import functools
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from connectapps.domain.errors import Busy

CHECK_NICE = 10

_hasher = PasswordHasher()


@functools.cache
def dummy_hash() -> str:
    """Verified against when the email is unknown, so a miss costs what a hit costs. Made on first
    use (or by ``warm``), not at import: one Argon2 hash is ~0.2 s of a worker's start-up."""
    return _hasher.hash(secrets.token_hex(16))


def warm() -> None:
    """Make the dummy hash now, on a low-priority background thread, so no sign-in waits for it."""
    def make() -> None:
        _lower_priority()
        dummy_hash()

    threading.Thread(target=make, name="dummy-hash", daemon=True).start()


def _lower_priority() -> None:
    """Run this pool thread (and the threads it starts) at a lower CPU priority, where the OS allows."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CHECK_NICE)


class _Checks:
    """A semaphore that refuses at once when full, and the pool the checks run on."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.slots = threading.BoundedSemaphore(self.limit)
        self.pool = ThreadPoolExecutor(self.limit, "password-check", initializer=_lower_priority)


_checks = _Checks(os.cpu_count() or 1)  # replaced by limit_checks when the web pages are installed


def limit_checks(limit: int) -> None:
    """At most ``limit`` password checks at once in this process."""
    global _checks
    previous, _checks = _checks, _Checks(limit)
    previous.pool.shutdown(wait=False)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def saturated() -> bool:
    """Whether every check slot is taken right now: a hint, to refuse a sign-in before any other
    work (``checking`` alone decides)."""
    slots = _checks.slots
    if not slots.acquire(blocking=False):
        return True
    slots.release()
    return False


@contextmanager
def checking() -> Iterator[Callable[[str, str], bool]]:
    """A slot to check a password in: yields ``check(password_hash, password) -> bool``.

    Busy, at once, when ``limit`` checks are running already.
    """
    checks = _checks
    if not checks.slots.acquire(blocking=False):
        raise Busy()
    try:
        yield lambda password_hash, password: checks.pool.submit(_verify, password_hash, password).result()
    finally:
        checks.slots.release()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one hashed, checked on the caller's thread (seeding, not sign-in)."""
    return _verify(password_hash, password)
