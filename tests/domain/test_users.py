"""People: creation rules, password checks and sign-in throttling, on each backend's store."""


import pytest

from connectapps.domain import users
from connectapps.domain.errors import InvalidParameter, NotAuthenticated, Throttled
from connectapps.store.interface import Store

ADDRESS = "192.0.2.7"




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


def test_throttled_after_five_failures_for_one_email(store: Store) -> None:
    users.create(store, "ada@example.com", "the right one")
    for _ in range(users.MAX_FAILURES_PER_EMAIL):
        with pytest.raises(NotAuthenticated):
            users.sign_in(store, "ada@example.com", "wrong", ADDRESS)
    with pytest.raises(Throttled):  # even the right password, until the window passes
        users.sign_in(store, "ada@example.com", "the right one", "198.51.100.1")


def test_throttled_per_address_across_emails(store: Store) -> None:
    for n in range(users.MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(NotAuthenticated):
            users.sign_in(store, f"guess{n}@example.com", "wrong", ADDRESS)
    users.create(store, "someone@example.com", "the right one")
    with pytest.raises(Throttled):
        users.sign_in(store, "someone@example.com", "the right one", ADDRESS)
    assert users.sign_in(store, "someone@example.com", "the right one", "198.51.100.2")


def test_a_success_clears_the_emails_failures(store: Store) -> None:
    users.create(store, "lin@example.com", "the right one")
    for _ in range(users.MAX_FAILURES_PER_EMAIL - 1):
        with pytest.raises(NotAuthenticated):
            users.sign_in(store, "lin@example.com", "typo", ADDRESS)
    users.sign_in(store, "lin@example.com", "the right one", ADDRESS)
    for _ in range(users.MAX_FAILURES_PER_EMAIL - 1):
        with pytest.raises(NotAuthenticated):
            users.sign_in(store, "lin@example.com", "typo", ADDRESS)
    assert users.sign_in(store, "lin@example.com", "the right one", ADDRESS)
