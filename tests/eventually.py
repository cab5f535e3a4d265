"""One bounded wait on another process or thread, for every test that needs one.

Not a timing claim: ``eventually`` only gives the other side up to ``timeout`` seconds to get
there, and fails with ``what`` (and how long it waited) if it does not.
"""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str | Callable[[], str], timeout: float = 30.0,
               interval: float = 0.02) -> T:
    """The first result of ``probe`` that is neither None nor False, polling every ``interval``
    seconds; an AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what() if callable(what) else what} (waited {timeout:g} s)")
        time.sleep(interval)
