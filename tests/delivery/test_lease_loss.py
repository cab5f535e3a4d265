"""Issue 8, part 1: a sender that lost its lease (stalled mid-send while another sender claimed the
row again) still has its result counted, once; attempt numbers never collide; the give-up applies.

Two senders in one process, on both backends: a claim whose lease has already run out stands
for a sender that stalled; the receiver holds each request until the test answers it, so the
order in which the senders report is the test's choice, not a race.
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from connectapps.delivery.worker import INTERRUPTED, Settings, Worker
from connectapps.domain import authorizations
from connectapps.domain.store import Store
from tests.delivery.helpers import LOOPBACK, authorized_app, claim_expired, queue_callbacks
from tests.receiver import Received, Receiver, receiving

QUICK = Settings(timeout=5, lease=11, backoff_base=0.01, backoff_max=0.02)
NO_RETRY = Settings(timeout=5, lease=11, backoff_base=600, give_up_after=60)  # a failure ends it


@dataclass
class Held:
    received: Received
    answer: queue.Queue[int] = field(default_factory=queue.Queue)


class Gate:
    """A receiver behaviour that holds every request until the test answers it."""

    def __init__(self) -> None:
        self.held: queue.Queue[Held] = queue.Queue()

    def __call__(self, received: Received) -> tuple[int, dict[str, str]]:
        held = Held(received)
        self.held.put(held)
        return held.answer.get(timeout=30), {}

    def next(self) -> Held:
        return self.held.get(timeout=30)


class Background(threading.Thread):
    """A thread whose exception is raised again by ``result``."""

    def __init__(self, target: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.target()
        except BaseException as exc:
            self.error = exc

    def result(self) -> None:
        self.join(30)
        assert not self.is_alive(), "the sender did not finish"
        if self.error is not None:
            raise self.error


@pytest.fixture
def gated() -> Iterator[tuple[Receiver, Gate]]:
    with receiving() as receiver:
        gate = Gate()
        receiver.behaviour = gate
        yield receiver, gate


def send_stalled(worker: Worker, store: Store, gate: Gate) -> tuple[Background, Held]:
    """``worker`` claims the callback with a lease already run out and sends; the request is held."""
    (claimed,) = claim_expired(store, worker.name)
    sending = Background(lambda: worker.deliver(worker.job(claimed)))
    return sending, gate.next()


def log_of(store: Store, app_sid: str) -> list[tuple[int, int | None, str | None]]:
    (callback,) = store.list_callbacks(app_sid)
    return [(a.attempt, a.status_code, a.error) for a in store.callback_attempts(callback.id)]


@pytest.mark.parametrize(("first", "a_answer", "b_answer", "settings", "status"), [
    ("a", 200, 500, QUICK, "delivered"),  # the case: the 2xx of the sender that lost its lease
    ("b", 500, 200, QUICK, "delivered"),
    ("b", 200, 500, QUICK, "delivered"),
    ("a", 500, 500, NO_RETRY, "failed"),  # the give-up is written though the first sender lost its lease
], ids=["2xx-late-first", "2xx-newest-first", "2xx-late-last", "give-up"])
def test_both_results_are_logged_under_their_own_numbers_and_the_2xx_wins(
    store: Store, gated: tuple[Receiver, Gate], first: str, a_answer: int, b_answer: int, settings: Settings,
    status: str,
) -> None:
    receiver, gate = gated
    app = queue_callbacks(store, f"{receiver.url}/deauth", 1)
    a, b = Worker(store, settings, LOOPBACK), Worker(store, settings, LOOPBACK)
    sending_a, held_a = send_stalled(a, store, gate)  # claim 1: its lease runs out mid-send
    sending_b = Background(b.run_once)  # claim 2, by another sender, sent while A still waits
    held_b = gate.next()
    order = [(held_a, a_answer, sending_a), (held_b, b_answer, sending_b)]
    for held, answer, sending in order if first == "a" else reversed(order):
        held.answer.put(answer)
        sending.result()
    (callback,) = store.list_callbacks(app.sid)
    assert callback.status == status
    expected = {200: None, 500: "HTTP 500"}
    assert log_of(store, app.sid) == [(1, a_answer, expected[a_answer]), (2, b_answer, expected[b_answer])]
    assert (callback.attempts, callback.claims) == (2, 2)
    # Settled: nobody sends it again.
    assert a.run_once() == b.run_once() == 0
    assert len(receiver.requests) == 2


def test_a_delivered_callback_is_not_sent_by_a_sender_that_claimed_it_before(
    store: Store, gated: tuple[Receiver, Gate]
) -> None:
    receiver, gate = gated
    app = queue_callbacks(store, f"{receiver.url}/deauth", 1)
    stalled, b = Worker(store, QUICK, LOOPBACK), Worker(store, QUICK, LOOPBACK)
    (claimed,) = claim_expired(store, stalled.name)  # claimed, then stalled before sending
    sending_b = Background(b.run_once)
    gate.next().answer.put(200)
    sending_b.result()
    stalled.deliver(stalled.job(claimed))  # wakes up: the callback was delivered meanwhile
    assert len(receiver.requests) == 1
    assert log_of(store, app.sid) == [(1, None, INTERRUPTED), (2, 200, None)]
    assert store.list_callbacks(app.sid)[0].status == "delivered"


def test_attempt_numbers_never_collide_however_many_senders_race(
    store: Store, gated: tuple[Receiver, Gate]
) -> None:
    """Four senders each claimed the row in turn and are all mid-send; they report in random
    order, at once: each attempt keeps its own number and result, and nothing fails."""
    receiver, gate = gated
    app = queue_callbacks(store, f"{receiver.url}/deauth", 1)
    senders = [Worker(store, QUICK, LOOPBACK) for _ in range(4)]
    answers = [500, 503, 200, 502]
    sending = [send_stalled(worker, store, gate) for worker in senders]
    for (_, held), answer in random.sample(list(zip(sending, answers, strict=True)), k=len(answers)):
        held.answer.put(answer)
    for background, _ in sending:
        background.result()
    (callback,) = store.list_callbacks(app.sid)
    log = store.callback_attempts(callback.id)
    assert [(a.attempt, a.sender, a.status_code) for a in log] == [
        (n + 1, worker.name, answer) for n, (worker, answer) in enumerate(zip(senders, answers, strict=True))
    ]
    assert callback.status == "delivered" and callback.attempts == 4


def test_past_the_give_up_time_an_interrupted_claim_is_not_sent_again(
    store: Store, gated: tuple[Receiver, Gate]
) -> None:
    """Claims that keep dying mid-send cannot keep a callback alive beyond ``give_up_after``."""
    receiver, gate = gated
    app, (user,) = authorized_app(store, f"{receiver.url}/deauth", 1)
    authorizations.revoke(store, user.sid, app.sid)
    expired = Settings(timeout=5, lease=11, give_up_after=0.0)
    dead = Worker(store, expired, LOOPBACK)
    sending_dead, held = send_stalled(dead, store, gate)  # the first attempt: always made
    later = Worker(store, expired, LOOPBACK)
    assert later.run_once() == 1  # claims it: the previous claim never reported, and time is up
    (callback,) = store.list_callbacks(app.sid)
    assert callback.status == "failed" and len(receiver.requests) == 0
    held.answer.put(500)  # the stalled sender reports after all: its attempt is logged, nothing else
    sending_dead.result()
    assert log_of(store, app.sid) == [(1, 500, "HTTP 500")]
    assert store.list_callbacks(app.sid)[0].status == "failed"


def test_the_lease_must_outlast_the_timeout_by_the_margin() -> None:
    with pytest.raises(ValueError, match=r"CONNECTAPPS_CALLBACK_LEASE \(10 s\) must exceed "
                                         r"CONNECTAPPS_CALLBACK_TIMEOUT \(5 s\) plus a 5 s margin"):
        Settings(timeout=5, lease=10)
    assert Settings(timeout=5, lease=10.5).lease == 10.5


def test_a_result_whose_callback_was_deleted_meanwhile_is_dropped_quietly(
    store: Store, gated: tuple[Receiver, Gate], caplog: pytest.LogCaptureFixture
) -> None:
    """The admin API's reset and restore delete every callback, also one being sent: its result has no row
    to go to. It is dropped, with no retry and nothing above info in the log (it failed with a foreign key
    error, three tries and an error line before)."""
    receiver, gate = gated
    queue_callbacks(store, f"{receiver.url}/deauth", 1)
    worker = Worker(store, QUICK, LOOPBACK)
    sending, held = send_stalled(worker, store, gate)
    store.clear_records()  # as POST /__admin/reset does
    with caplog.at_level("INFO", logger="connectapps.delivery"):
        held.answer.put(200)
        sending.result()
    assert [r.levelname for r in caplog.records if r.levelno > 20] == []
    assert any("gone before its result was recorded" in r.getMessage() for r in caplog.records)
    assert len(receiver.requests) == 1
