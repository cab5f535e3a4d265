"""The counting points the rest of the code calls (a port the domain owns: storage, the API and the
sender count through it); each does nothing until ``ops.metrics.install`` binds it.

Call them as ``meter.db_round_trip()`` (through the module, never imported by name), so that the
binding made in a worker at start is the one called. With metrics off each call costs one call of a
function that does nothing.
"""

from collections.abc import Callable


def _nothing(*args: object) -> None:
    return None


db_round_trip: Callable[[], None] = _nothing
"""One statement sent to the database (a query, a statement of a transaction, a cache check)."""

cache_lookup: Callable[[bool], None] = _nothing
"""A record read through the per-thread cache: True when it was there (no round trip)."""

callback_attempt: Callable[[str], None] = _nothing
"""A deauthorize callback attempt ended: ``delivered``, ``http_error`` or a failure category."""

callback_given_up: Callable[[], None] = _nothing
"""A deauthorize callback will not be tried again: it failed for good."""

signin_refused: Callable[[str], None] = _nothing
"""A sign-in refused before its password was checked: ``throttled`` (backoff) or ``busy``."""

concurrency_limited: Callable[[], None] = _nothing
"""An API request answered 429 / 20429: its account had too many requests in flight."""
