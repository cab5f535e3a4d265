"""Seed files: every field declared is stored, loading twice changes nothing, and a wrong file is
refused with its line and field (and ``serve`` does not start)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from connectapps import seeding
from connectapps.domain import access, passwords
from connectapps.domain.store import Store
from connectapps.seeding.loading import apply
from tests.seeding.seeds import (
    APP,
    CONNECT_SUB,
    CUSTOMER,
    CUSTOMER_TOKEN,
    EMAIL,
    OWNER,
    OWNER_TOKEN,
    PASSWORD,
    SEED,
    SUB,
    write,
)


def test_every_declared_field_is_stored(store: Store) -> None:
    apply(store, seeding.load_text(SEED))
    owner = store.get_account(OWNER)
    assert owner is not None and owner.auth_token == OWNER_TOKEN and owner.friendly_name == "App owner"
    sub = store.get_account(SUB)
    assert sub is not None and sub.owner_account_sid == OWNER and sub.status == "suspended"
    assert len(sub.auth_token) == 32  # made, as the seed left it out
    user = store.get_user_by_email(EMAIL)
    assert user is not None and passwords.matches(user.password_hash, PASSWORD)
    assert [a.sid for a in store.accounts_of_user(user.id)] == [CUSTOMER]
    app = store.find_connect_app(APP)
    assert app is not None and (app.account_sid, app.friendly_name, app.company_name, app.description) == (
        OWNER, "Seeded app", "Seed Inc.", "Declared in a seed file")
    assert (app.homepage_url, app.authorize_redirect_url, app.deauthorize_callback_url) == (
        "https://seed.example.com", "https://seed.example.com/authorized?from=seed",
        "https://seed.example.com/deauthorized")
    assert app.deauthorize_callback_method == "POST" and app.permissions == ("get-all", "post-all")
    grant = store.get_authorization(CUSTOMER, APP)
    assert grant is not None and grant.subaccount_sid == CONNECT_SUB and grant.status == "active"
    # The app acts for the customer through the Connect subaccount, with its owner's token.
    principal = access.authenticate(store, CONNECT_SUB, OWNER_TOKEN)
    assert principal.delegation is not None and principal.delegation.connect_app_sid == APP
    assert access.authenticate(store, CUSTOMER, CUSTOMER_TOKEN).delegation is None


def test_applying_twice_is_idempotent_and_undoes_changes(store: Store) -> None:
    seed = seeding.load_text(SEED)
    apply(store, seed)
    made_token = store.get_account(SUB).auth_token  # type: ignore[union-attr]
    user = store.get_user_by_email(EMAIL)
    store.update_connect_app(OWNER, APP, {"friendly_name": "changed by a test"}, store.find_connect_app(APP)
                             .date_updated)  # type: ignore[union-attr]
    apply(store, seed)
    assert store.find_connect_app(APP).friendly_name == "Seeded app"  # type: ignore[union-attr]
    assert store.get_account(SUB).auth_token == made_token  # type: ignore[union-attr]
    again = store.get_user_by_email(EMAIL)
    assert again is not None and user is not None and again.password_hash == user.password_hash
    assert store.count_accounts() == 4
    assert len(store.all_authorizations()) == 1


def test_json_is_accepted(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"accounts": [{"sid": OWNER, "auth_token": OWNER_TOKEN}]}), "seed.json")
    seeding.apply_file(store, path)
    assert store.get_account(OWNER) is not None


@pytest.mark.parametrize(("text", "expected"), [
    ("accounts:\n  - sid: AC12\n", "seed.yaml:2: accounts[0].sid: must be AC followed by 32 hexadecimal digits"),
    (f"accounts:\n  - sid: {OWNER}\n    colour: red\n", "seed.yaml:3: accounts[0].colour: unknown field"),
    (f"accounts:\n  - sid: {OWNER}\n    auth_token: short\n", "seed.yaml:3: accounts[0].auth_token: must be 8 to 64"),
    (f"accounts:\n  - sid: {OWNER}\n  - sid: {OWNER}\n",
     f"seed.yaml:3: accounts[1].sid: {OWNER} is declared twice"),
    (f"accounts:\n  - sid: {OWNER}\n    status: gone\n", "seed.yaml:3: accounts[0].status: must be one of"),
    (f"accounts:\n  - sid: {OWNER}\n    user: nobody@example.com\n", "seed.yaml:3: accounts[0].user: no user"),
    ("users:\n  - email: a@example.com\n    password: short\n", "seed.yaml:3: users[0].password: must be at least 8"),
    (f"accounts:\n  - sid: {OWNER}\nconnect_apps:\n  - sid: {APP}\n    account_sid: {OWNER}\n"
     "    homepage_url: ftp://nope\n", "seed.yaml:6: connect_apps[0].homepage_url: "),
    (f"accounts:\n  - sid: {OWNER}\nconnect_apps:\n  - sid: {APP}\n    account_sid: {OWNER}\n"
     "    permissions: [get-all, delete-all]\n", "seed.yaml:6: connect_apps[0].permissions: "),
    (f"connect_apps:\n  - sid: {APP}\n    account_sid: {OWNER}\n",
     "seed.yaml:3: connect_apps[0].account_sid: no account " + OWNER),
    (f"accounts:\n  - sid: {OWNER}\nauthorizations:\n  - account_sid: {OWNER}\n    connect_app_sid: {APP}\n",
     "seed.yaml:5: authorizations[0].connect_app_sid: no Connect App"),
    (f"accounts:\n  - sid: {OWNER}\nconnect_apps:\n  - sid: {APP}\n    account_sid: {OWNER}\nauthorizations:\n"
     f"  - account_sid: {OWNER}\n    connect_app_sid: {APP}\n  - account_sid: {OWNER}\n    connect_app_sid: {APP}\n",
     f"seed.yaml:9: authorizations[1]: {OWNER} already authorizes {APP} above"),
    ("accounts: [\n", "seed.yaml:2: not valid YAML or JSON"),
    ("- just a list\n", "seed.yaml:1: must be a mapping"),
])
def test_a_wrong_file_names_its_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(seeding.SeedError) as caught:
        seeding.load(write(tmp_path, text))
    assert str(caught.value).startswith(str(tmp_path / expected.split(":")[0]) + expected[len("seed.yaml"):]), \
        str(caught.value)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "connectapps", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_seed_apply_on_the_command_line(database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path)
    first = run_cli("seed", "apply", str(path), "--database", database_url)
    assert first.returncode == 0, first.stderr
    assert "1 users, 3 accounts, 1 Connect Apps, 1 authorizations, 2 API keys" in first.stdout
    again = run_cli("seed", "apply", str(path), "--database", database_url)
    assert again.returncode == 0, again.stderr
    listed = run_cli("accounts", "list", "--database", database_url, "--show-tokens")
    assert OWNER_TOKEN in listed.stdout and listed.stdout.count("\"sid\": \"AC") == 4, listed.stdout


def test_serve_does_not_start_on_a_wrong_seed(database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "accounts:\n  - sid: nope\n")
    done = run_cli("serve", "--seed", str(path), "--database", database_url, "--port", "1")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: bad seed file: {path}:2: accounts[0].sid: must be AC followed by 32 "
                                   "hexadecimal digits, not 'nope'")
