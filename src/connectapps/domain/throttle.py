"""Sign-in throttling, after OWASP's guidance: per email-and-address counters with exponential
backoff instead of a hard lockout, each attempt counted atomically before its password is checked.

- A pair (client address, email) gets ``FREE_ATTEMPTS`` attempts; after that each further attempt
  must wait a delay that doubles from ``FIRST_DELAY`` to ``MAX_DELAY``. An attempt that comes during
  the delay is refused without its password being checked (so a throttled guess learns nothing)
  and without being counted.
- The count is taken by one atomic upsert *before* the password is checked, so however many
  requests race — in any number of processes — no more than the allowance get checked.
- Nothing is locked for everyone: a flood from one address (or from everyone behind one proxy)
  slows only that address's guesses at each email, so the account's owner signing in from anywhere
  else is not held back, and neither is anyone at that address signing in to another account.
- One email collecting ``UNDER_ATTACK`` failures from all addresses together (guesses spread over
  many addresses) shrinks every pair's allowance for it to ``FREE_UNDER_ATTACK``: the owner still
  gets a first try from a fresh pair, the attack one guess per address per backoff step.
- A success clears its pair's counter; a counter untouched for ``FORGET_AFTER`` starts over.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectapps.domain import meter
from connectapps.domain.errors import Throttled
from connectapps.domain.store import ThrottleStore

FREE_ATTEMPTS = 5
FREE_UNDER_ATTACK = 1
UNDER_ATTACK = 50
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
PRUNE_EVERY_SECONDS = 60.0
ANY_TIME = datetime.min.replace(tzinfo=UTC)  # "the next attempt may come at once"

_pruned_at = 0.0  # when this process last dropped stale counters (time.monotonic)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A counted attempt: its pair's counter key and its email's."""

    pair: str
    email: str


def delays(free: int) -> list[timedelta]:
    """The wait after the n-th attempt of a pair (index n - 1); the last entry serves every later one."""
    waits = [timedelta(0)] * (free - 1)
    wait = FIRST_DELAY
    while wait < MAX_DELAY:
        waits.append(wait)
        wait *= 2
    return [*waits, MAX_DELAY]


def attempt(store: ThrottleStore, email: str, address: str, now: datetime) -> Attempt:
    """Count this attempt before its password is checked; raise Throttled during a backoff."""
    _prune(store, now)
    counted = Attempt(f"pair {address} {email}", f"email {email}")
    stale = now - FORGET_AFTER
    failures = store.get_sign_in_throttle(counted.email)
    under_attack = failures is not None and failures.last_at >= stale and failures.attempts >= UNDER_ATTACK
    schedule = [_after(now, wait) for wait in delays(FREE_UNDER_ATTACK if under_attack else FREE_ATTEMPTS)]
    if store.count_sign_in_attempt(counted.pair, now, stale, schedule) is None:
        current = store.get_sign_in_throttle(counted.pair)
        wait = current.next_at - now if current is not None else timedelta(0)
        meter.signin_refused("throttled")
        raise Throttled(max(wait, timedelta(seconds=1)))
    return counted


def _after(now: datetime, wait: timedelta) -> datetime:
    """When the next attempt may come. No wait is ``ANY_TIME``, not ``now``: requests racing with
    each other took their ``now`` in an order the database need not see them in."""
    return now + wait if wait else ANY_TIME


def failed(store: ThrottleStore, counted: Attempt, now: datetime) -> None:
    """A wrong password: one more failure for the email, from whichever address."""
    store.count_sign_in_attempt(counted.email, now, now - FORGET_AFTER, [ANY_TIME])


def succeeded(store: ThrottleStore, counted: Attempt) -> None:
    """The right password: its pair starts over (the email's count of failures stays)."""
    store.clear_sign_in_throttle(counted.pair)


def _prune(store: ThrottleStore, now: datetime) -> None:
    """Drop stale counters, at most once a minute per process: the table stays as small as the
    last hour's distinct (address, email) pairs."""
    global _pruned_at
    if time.monotonic() - _pruned_at >= PRUNE_EVERY_SECONDS:
        _pruned_at = time.monotonic()
        store.forget_sign_in_throttles(now - FORGET_AFTER)
