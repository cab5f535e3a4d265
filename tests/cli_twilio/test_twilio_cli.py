"""The official twilio-cli (npm ``twilio-cli`` 6.2.4) end to end, unchanged.

``make test`` installs it into tests/cli_twilio/node_modules from package-lock.json; if node or the
package is missing this test fails (it never skips). twilio-cli has no host option: redirect.js,
preloaded with ``NODE_OPTIONS=--require``, sends its requests for *.twilio.com to the test server and
changes nothing else. Its configuration (profiles, with their key and secret) lives in ``$HOME``: a
temporary one per test.

``twilio profiles:create`` checks the auth token, then creates a Standard API key with it
(``POST …/Keys.json``) and keeps the key in the profile; every command run with ``-p`` authenticates
with that key. As on Twilio, a Standard key gets 401 / 20003 on Accounts and Keys, and twilio-cli
explains it; a Main key in environment variables reaches both.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from connectapps.domain import keys
from tests.conftest import Server

HERE = Path(__file__).resolve().parent
TWILIO = HERE / "node_modules" / ".bin" / "twilio"
PROFILE = "connectapps"


class Cli:
    """twilio-cli pointed at one server, with its own home directory."""

    def __init__(self, server: Server, home: Path) -> None:
        assert shutil.which("node"), "node is required for the twilio-cli test"
        assert TWILIO.is_file(), "run `make test` (it runs npm ci in tests/cli_twilio)"
        home.mkdir(exist_ok=True)
        self.home = home
        self.env = {name: value for name, value in os.environ.items() if not name.startswith(("TWILIO_", "NODE_"))}
        self.env |= {
            "HOME": str(home),
            "NODE_OPTIONS": f"--require {HERE / 'redirect.js'}",
            "CONNECTAPPS_BASE_URL": server.url,
            "TWILIO_SKIP_NEW_VERSION_CHECK": "true",  # no call to the npm registry
        }

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(TWILIO), *args], capture_output=True, text=True, timeout=120, check=False,
                              env=self.env | (env or {}), cwd=self.home)

    def json(self, *args: str, env: dict[str, str] | None = None) -> Any:
        done = self.run(*args, "-o", "json", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    def profile(self) -> dict[str, str]:
        config = json.loads((self.home / ".twilio-cli" / "config.json").read_text())
        profile: dict[str, str] = config["profiles"][PROFILE]
        return profile


@pytest.fixture
def cli(server: Server, tmp_path: Path) -> Cli:
    return Cli(server, tmp_path / "home")


def test_login_creates_a_key_and_the_profile_reads_and_updates_connect_apps(server: Server, cli: Cli) -> None:
    owner = server.account("twilio-cli")
    apps = sorted((server.app(owner, friendly_name=f"CLI app {n}", permissions=["get-all"]) for n in range(3)),
                  key=lambda a: a.sid)
    created = cli.run("profiles:create", owner.sid, "--auth-token", owner.auth_token, "--profile", PROFILE)
    assert created.returncode == 0, created.stdout + created.stderr
    profile = cli.profile()
    assert profile["accountSid"] == owner.sid
    assert f"Created API Key {profile['apiKey']} and stored the secret in Config" in created.stderr
    key = server.store.get_key(profile["apiKey"])
    assert key is not None and key.account_sid == owner.sid and key.key_type == keys.STANDARD
    assert key.friendly_name is not None and key.friendly_name.startswith("twilio-cli")
    assert keys.secret_matches(server.store, key, profile["apiSecret"])

    listed = cli.json("api:core:connect-apps:list", "-p", PROFILE)
    assert [(a["sid"], a["friendlyName"]) for a in listed] == [(a.sid, a.friendly_name) for a in apps]
    table = cli.run("api:core:connect-apps:list", "-p", PROFILE)
    assert table.returncode == 0 and all(a.sid in table.stdout for a in apps)
    (fetched,) = cli.json("api:core:connect-apps:fetch", "--sid", apps[1].sid, "-p", PROFILE)
    assert fetched["sid"] == apps[1].sid and fetched["permissions"] == ["get-all"]
    assert fetched["uri"] == f"/2010-04-01/Accounts/{owner.sid}/ConnectApps/{apps[1].sid}.json"
    (updated,) = cli.json("api:core:connect-apps:update", "--sid", apps[1].sid, "--friendly-name", "Renamed by CLI",
                          "--permissions", "get-all", "post-all", "-p", PROFILE)
    assert (updated["friendlyName"], updated["permissions"]) == ("Renamed by CLI", ["get-all", "post-all"])
    stored = server.store.get_connect_app(owner.sid, apps[1].sid)
    assert stored is not None and stored.friendly_name == "Renamed by CLI"

    for command in ("api:core:accounts:list", "api:core:keys:list"):
        refused = cli.run(command, "-p", PROFILE)
        assert refused.returncode == 20, refused.stdout + refused.stderr
        assert "Error code 20003 from Twilio: Authentication Error - invalid username" in refused.stderr
        assert "profiles use Standard API Keys which are not permitted" in refused.stderr


def test_a_main_key_or_the_auth_token_in_the_environment_reaches_accounts_and_keys(
    server: Server, cli: Cli
) -> None:
    owner = server.account("twilio-cli main")
    sub = server.account("twilio-cli sub", owner=owner)
    main = keys.create(server.store, owner, "main for the CLI", keys.MAIN)
    standard = keys.create(server.store, owner, "standard").key
    as_main = {"TWILIO_ACCOUNT_SID": owner.sid, "TWILIO_API_KEY": main.key.sid, "TWILIO_API_SECRET": main.secret}
    as_owner = {"TWILIO_ACCOUNT_SID": owner.sid, "TWILIO_AUTH_TOKEN": owner.auth_token}
    for env in (as_main, as_owner):
        accounts = cli.json("api:core:accounts:list", env=env)
        assert {(a["sid"], a["friendlyName"]) for a in accounts} == {
            (owner.sid, "twilio-cli main"), (sub.sid, "twilio-cli sub")}
        listed = cli.json("api:core:keys:list", env=env)
        assert sorted((k["sid"], k["friendlyName"]) for k in listed) == sorted(
            [(main.key.sid, "main for the CLI"), (standard.sid, "standard")])
        assert all("secret" not in k for k in listed)
    (fetched,) = cli.json("api:core:keys:fetch", "--sid", standard.sid, env=as_main)
    assert fetched["friendlyName"] == "standard"
    removed = cli.run("api:core:keys:remove", "--sid", standard.sid, env=as_main)
    assert removed.returncode == 0, removed.stderr
    assert server.store.get_key(standard.sid) is None
