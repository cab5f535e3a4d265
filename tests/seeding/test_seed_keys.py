"""API keys in seed files: stored as the Keys resource stores them (only the secret's keyed hash),
applied again idempotently, and a wrong key section refused with its line and field."""

from pathlib import Path

import pytest

from connectapps import seeding
from connectapps.domain import keys
from connectapps.domain.store import Store
from connectapps.seeding.loading import apply
from tests.seeding import seeds
from tests.seeding.seeds import CUSTOMER, OWNER, SEED, STANDARD_KEY, write


def test_keys_are_stored_as_keyed_hashes(store: Store) -> None:
    apply(store, seeding.load_text(SEED))
    standard, main = store.get_key(STANDARD_KEY), store.get_key(seeds.MAIN_KEY)
    assert standard is not None and main is not None
    assert (standard.account_sid, standard.key_type, standard.friendly_name) == (
        CUSTOMER, keys.STANDARD, "Customer's standard key")
    assert (main.account_sid, main.key_type, main.friendly_name) == (OWNER, keys.MAIN, "Owner's main key")
    assert standard.secret_hash == keys.secret_hash(store, seeds.STANDARD_SECRET) != seeds.STANDARD_SECRET
    assert keys.secret_matches(store, main, seeds.MAIN_SECRET)
    assert not keys.secret_matches(store, main, seeds.STANDARD_SECRET)


def test_applying_keys_twice_is_idempotent_and_undoes_changes(store: Store) -> None:
    seed = seeding.load_text(SEED)
    apply(store, seed)
    first = store.get_key(STANDARD_KEY)
    assert first is not None
    store.update_key(CUSTOMER, STANDARD_KEY, {"friendly_name": "renamed by a test"}, first.date_updated)
    store.delete_key(OWNER, seeds.MAIN_KEY)
    apply(store, seed)
    again = store.get_key(STANDARD_KEY)
    assert again is not None and again.friendly_name == "Customer's standard key"
    assert (again.secret_hash, again.date_created) == (first.secret_hash, first.date_created)
    assert store.get_key(seeds.MAIN_KEY) is not None
    assert len(store.all_keys()) == 2


def test_a_key_may_belong_to_a_connect_subaccount(store: Store) -> None:
    text = SEED + f"  - sid: SK{'c' * 32}\n    account_sid: {seeds.CONNECT_SUB}\n    secret: {'s' * 32}\n"
    seed = seeding.load_text(text)
    assert [k.key_type for k in seed.keys] == [keys.STANDARD, keys.MAIN, keys.STANDARD]
    apply(store, seed)
    made = store.get_key(f"SK{'c' * 32}")
    assert made is not None and made.account_sid == seeds.CONNECT_SUB and made.friendly_name is None


ACCOUNT = f"accounts:\n  - sid: {OWNER}\nkeys:\n"
SECRET = "x" * 32


@pytest.mark.parametrize(("text", "expected"), [
    (ACCOUNT + f"  - sid: SK12\n    account_sid: {OWNER}\n    secret: {SECRET}\n",
     "seed.yaml:4: keys[0].sid: must be SK followed by 32 hexadecimal digits, not 'SK12'"),
    (ACCOUNT + f"  - sid: AC{'a' * 32}\n    account_sid: {OWNER}\n    secret: {SECRET}\n",
     "seed.yaml:4: keys[0].sid: must be SK followed by 32 hexadecimal digits"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: short-secret\n",
     "seed.yaml:6: keys[0].secret: must be 32 to 128 printable ASCII characters, without spaces"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: {'x' * 20} {'y' * 20}\n",
     "seed.yaml:6: keys[0].secret: must be 32 to 128 printable ASCII characters"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n",
     "seed.yaml:4: keys[0]: secret is required"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {CUSTOMER}\n    secret: {SECRET}\n",
     f"seed.yaml:5: keys[0].account_sid: no account {CUSTOMER} is declared under accounts"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: {SECRET}\n    type: admin\n",
     "seed.yaml:7: keys[0].type: must be one of standard, main"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: {SECRET}\n"
     f"    friendly_name: {'n' * 65}\n", "seed.yaml:7: keys[0].friendly_name: must be at most 64 characters"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: {SECRET}\n    colour: red\n",
     "seed.yaml:7: keys[0].colour: unknown field"),
    (ACCOUNT + f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: {SECRET}\n"
     f"  - sid: {STANDARD_KEY}\n    account_sid: {OWNER}\n    secret: {SECRET}\n",
     f"seed.yaml:7: keys[1].sid: {STANDARD_KEY} is declared twice"),
])
def test_a_wrong_key_names_its_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(seeding.SeedError) as caught:
        seeding.load(write(tmp_path, text))
    assert str(caught.value).startswith(str(tmp_path / "seed.yaml") + expected[len("seed.yaml"):]), \
        str(caught.value)
