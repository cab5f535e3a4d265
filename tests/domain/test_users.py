"""People: creation rules, password checks and changes, and sign-in throttling, on each backend's store."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectapps import config
from connectapps.domain import passwords, sessions, throttle, users
from connectapps.domain.errors import Busy, InvalidParameter, NotAuthenticated, NotFound, Throttled
from connectapps.domain.store import Store

ADDRESS = "192.0.2.7"
ELSEWHERE = "198.51.100.2"
RIGHT = "the right one"


@pytest.fixture(autouse=True)
def default_password_checks() -> Iterator[None]:
    """Tests that change how many passwords are checked at once leave the default behind."""
    yield
    passwords.limit_checks(config.sign_in_concurrency())


def wrong(store: Store, email: str, address: str = ADDRESS, now: datetime | None = None) -> None:
    with pytest.raises(NotAuthenticated):
        users.sign_in(store, email, "wrong password", address, now)


def throttled(store: Store, email: str, password: str, address: str, now: datetime) -> timedelta:
    with pytest.raises(Throttled) as caught:
        users.sign_in(store, email, password, address, now)
    return caught.value.retry_after


def test_create_normalises_the_email_and_never_stores_the_password(store: Store) -> None:
    created = users.create(store, "  Grace@Example.COM ", "a long password")
    assert created.user.email == "grace@example.com"
    assert "a long password" not in created.user.password_hash
    assert created.account.user_id == created.user.id and not created.account.is_subaccount
    assert users.sign_in(store, "GRACE@example.com", "a long password", ADDRESS).id == created.user.id


@pytest.mark.parametrize(
    ("email", "password", "kind"),
    [("no-at-sign", "a long password", InvalidParameter.EMAIL), ("a@b.c", "short", InvalidParameter.PASSWORD)],
)
def test_create_refuses_bad_input(store: Store, email: str, password: str, kind: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        users.create(store, email, password)
    assert caught.value.kind == kind


def test_free_attempts_then_a_backoff_that_doubles(store: Store) -> None:
    users.create(store, "ada@example.com", RIGHT)
    t0 = datetime.now(UTC)
    for _ in range(throttle.FREE_ATTEMPTS):
        wrong(store, "ada@example.com", now=t0)
    # Even the right password is not checked during the backoff (a throttled guess learns nothing).
    assert throttled(store, "ada@example.com", RIGHT, ADDRESS, t0) == throttle.FIRST_DELAY
    t1 = t0 + throttle.FIRST_DELAY
    wrong(store, "ada@example.com", now=t1)  # one more attempt once the delay has passed
    assert throttled(store, "ada@example.com", RIGHT, ADDRESS, t1) == 2 * throttle.FIRST_DELAY
    t2 = t1 + 2 * throttle.FIRST_DELAY
    assert users.sign_in(store, "ada@example.com", RIGHT, ADDRESS, t2).email == "ada@example.com"
    for _ in range(throttle.FREE_ATTEMPTS):  # the success cleared the pair's counter
        wrong(store, "ada@example.com", now=t2)


def test_racing_requests_whose_clocks_disagree_do_not_throttle_each_other(store: Store) -> None:
    users.create(store, "cy@example.com", RIGHT)
    now = datetime.now(UTC)
    wrong(store, "cy@example.com", now=now)
    wrong(store, "cy@example.com", now=now - timedelta(milliseconds=5))  # took its time a moment earlier
    assert users.sign_in(store, "cy@example.com", RIGHT, ADDRESS, now - timedelta(milliseconds=9))


def test_the_backoff_stops_doubling_at_its_ceiling_and_a_quiet_hour_forgets(store: Store) -> None:
    assert throttle.delays(2) == [timedelta(0), *(throttle.FIRST_DELAY * 2**n for n in range(4)),
                                  throttle.MAX_DELAY]
    users.create(store, "bo@example.com", RIGHT)
    now = datetime.now(UTC)
    for wait in [*throttle.delays(throttle.FREE_ATTEMPTS), throttle.MAX_DELAY]:
        wrong(store, "bo@example.com", now=now)
        now += wait
    assert throttled(store, "bo@example.com", RIGHT, ADDRESS, now - timedelta(seconds=1)) == timedelta(seconds=1)
    later = now + throttle.FORGET_AFTER
    for _ in range(throttle.FREE_ATTEMPTS):
        wrong(store, "bo@example.com", now=later)


def test_a_flood_from_one_address_locks_out_nobody(store: Store) -> None:
    owner = users.create(store, "owner@example.com", RIGHT).user
    neighbour = users.create(store, "neighbour@example.com", RIGHT).user
    for n in range(20):
        wrong(store, f"guess{n}@example.com")  # spraying from one address (or one shared proxy)
    for _ in range(throttle.FREE_ATTEMPTS):
        wrong(store, "owner@example.com")
    now = datetime.now(UTC)
    throttled(store, "owner@example.com", RIGHT, ADDRESS, now)
    # The owner from elsewhere, and another person at the flooding address, sign in at once.
    assert users.sign_in(store, "owner@example.com", RIGHT, ELSEWHERE).id == owner.id
    assert users.sign_in(store, "neighbour@example.com", RIGHT, ADDRESS).id == neighbour.id


def test_guesses_spread_over_many_addresses_shrink_every_pairs_allowance(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "UNDER_ATTACK", 3)
    owner = users.create(store, "target@example.com", RIGHT).user
    for n in range(3):
        wrong(store, "target@example.com", f"203.0.113.{n}")
    now = datetime.now(UTC)
    wrong(store, "target@example.com", "203.0.113.9", now)
    assert throttled(store, "target@example.com", RIGHT, "203.0.113.9", now) == throttle.FIRST_DELAY
    # The owner's first try from a fresh address is still checked.
    assert users.sign_in(store, "target@example.com", RIGHT, ELSEWHERE, now).id == owner.id


def test_simultaneous_wrong_guesses_are_checked_at_most_the_allowance(store: Store) -> None:
    users.create(store, "race@example.com", RIGHT)
    passwords.limit_checks(16)  # so that only the throttle limits what is checked
    start = threading.Barrier(16)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            users.sign_in(store, "race@example.com", "wrong password", ADDRESS)
        except (NotAuthenticated, Throttled) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["NotAuthenticated"] * throttle.FREE_ATTEMPTS + ["Throttled"] * 11


def test_beyond_the_concurrent_checks_a_sign_in_is_refused_at_once_and_not_counted(store: Store) -> None:
    users.create(store, "busy@example.com", RIGHT)
    passwords.limit_checks(1)
    assert passwords._checks.slots.acquire(blocking=False)  # another sign-in is being checked
    try:
        with pytest.raises(Busy):
            users.sign_in(store, "busy@example.com", RIGHT, ADDRESS)
    finally:
        passwords._checks.slots.release()
    assert store.get_sign_in_throttle(f"pair {ADDRESS} busy@example.com") is None
    assert users.sign_in(store, "busy@example.com", RIGHT, ADDRESS)


def test_an_absurd_email_is_refused_without_a_trace(store: Store) -> None:
    wrong(store, "x" * 300 + "@example.com")
    assert store.get_sign_in_throttle(f"email {'x' * 300}@example.com") is None


def test_set_password_ends_every_session_and_only_the_new_password_works(store: Store) -> None:
    user = users.create(store, "lin@example.com", RIGHT).user
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    for session_id in ("a" * 32, "b" * 32):
        sessions.begin(store, user.id, session_id, later, now)
        assert sessions.user_of(store, session_id, user.id, now) == user
    changed = users.set_password(store, "LIN@example.com", "a brand new one")
    assert changed.id == user.id
    assert sessions.user_of(store, "a" * 32, user.id, now) is None
    assert sessions.user_of(store, "b" * 32, user.id, now) is None
    wrong(store, "lin@example.com")
    assert users.sign_in(store, "lin@example.com", "a brand new one", ADDRESS).id == user.id
    with pytest.raises(InvalidParameter):
        users.set_password(store, "lin@example.com", "short")
    with pytest.raises(NotFound):
        users.set_password(store, "nobody@example.com", "long enough")


def test_sessions_end_one_by_one_or_all_together_and_expire(store: Store) -> None:
    user = users.create(store, "kim@example.com", RIGHT).user
    other = users.create(store, "lee@example.com", RIGHT).user
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    sessions.begin(store, user.id, "1" * 32, later, now)
    sessions.begin(store, user.id, "2" * 32, later, now)
    sessions.begin(store, other.id, "3" * 32, later, now)
    assert sessions.user_of(store, "1" * 32, other.id, now) is None  # the cookie's user must match
    sessions.end(store, "1" * 32)
    assert sessions.user_of(store, "1" * 32, user.id, now) is None
    assert sessions.user_of(store, "2" * 32, user.id, now) == user
    assert sessions.count(store, user.id, now) == 1
    sessions.end_everywhere(store, user.id)
    assert sessions.user_of(store, "2" * 32, user.id, now) is None
    assert sessions.user_of(store, "3" * 32, other.id, now) == other
    assert sessions.user_of(store, "3" * 32, other.id, later) is None  # expired


def test_a_user_keeps_a_bounded_number_of_sessions(store: Store) -> None:
    user = users.create(store, "max@example.com", RIGHT).user
    now = datetime.now(UTC)
    for n in range(sessions.MAX_PER_USER + 1):
        sessions.begin(store, user.id, f"{n:032x}", now + timedelta(minutes=n + 1), now)
    assert sessions.count(store, user.id, now) == sessions.MAX_PER_USER
    assert sessions.user_of(store, f"{0:032x}", user.id, now) is None  # the oldest went
    assert sessions.user_of(store, f"{sessions.MAX_PER_USER:032x}", user.id, now) == user
