"""A sender that stops gives back the claims it never started sending: the next sender takes them as if
they had never been claimed (no attempt logged as interrupted, no wait for a lease to run out)."""

from connectapps.delivery.worker import INTERRUPTED, Settings, Worker
from connectapps.domain.store import Store
from tests.delivery.helpers import LOOPBACK, queue_callbacks
from tests.receiver import receiving

SETTINGS = Settings(timeout=2, lease=60)


def test_claims_not_started_are_given_back_at_shutdown(store: Store) -> None:
    with receiving() as receiver:
        app = queue_callbacks(store, f"{receiver.url}/deauth", 2)
        stopping = Worker(store, SETTINGS, LOOPBACK)
        jobs = stopping.claim()
        assert len(jobs) == 2 and all(job.callback.lease_owner == stopping.name for job in jobs)
        for job in jobs:  # claimed, queued for the sending threads, none started yet
            stopping._jobs.put(job)
        assert stopping.shutdown(grace=1.0) == (2, 0)
        released = store.list_callbacks(app.sid)
        states = [(c.status, c.claims, c.lease_owner, c.lease_until) for c in released]
        assert states == [("pending", 0, None, None)] * 2

        assert Worker(store, SETTINGS, LOOPBACK).run_once() == 2  # at once: no lease to wait out
        delivered = store.list_callbacks(app.sid)
        assert [(c.status, c.attempts, c.claims) for c in delivered] == [("delivered", 1, 1)] * 2
        for callback in delivered:
            assert [a.error for a in store.callback_attempts(callback.id)] == [None]
            assert INTERRUPTED not in [a.error for a in store.callback_attempts(callback.id)]
        assert len(receiver.requests) == 2


def test_a_claim_taken_again_meanwhile_is_left_alone(store: Store) -> None:
    with receiving() as receiver:
        queue_callbacks(store, f"{receiver.url}/deauth", 1)
        (job,) = Worker(store, SETTINGS, LOOPBACK).claim()
        other = "another-sender"
        assert store.release_claims(other, [job.callback]) == 0  # not its claim
        (callback,) = store.list_callbacks(job.callback.connect_app_sid)
        assert (callback.claims, callback.lease_owner) == (1, job.callback.lease_owner)
