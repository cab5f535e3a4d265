"""``--random-seed``: the same value makes the same SIDs and tokens, in the same order; none is the CSPRNG."""

from collections.abc import Iterator

import pytest

from connectapps.domain import new_accounts, sids


@pytest.fixture(autouse=True)
def unseeded_after() -> Iterator[None]:
    yield
    sids.seed_random(None)


def made() -> list[str]:
    account = new_accounts.new_account("x")
    return [account.sid, account.auth_token, sids.new_sid(sids.CONNECT_APP), sids.new_sid(sids.USER),
            sids.token_urlsafe(), str(sids.randbelow(10_000))]


def test_a_seed_value_makes_the_same_values_again() -> None:
    sids.seed_random("run-42")
    first = made()
    sids.seed_random("run-42")
    assert made() == first
    assert sids.is_sid(first[0], sids.ACCOUNT) and len(first[1]) == 32
    sids.seed_random("run-43")
    assert made() != first


def test_without_a_seed_values_differ() -> None:
    sids.seed_random("run-42")
    seeded = made()
    sids.seed_random(None)
    assert not sids.is_seeded()
    assert made() != seeded and made() != made()
