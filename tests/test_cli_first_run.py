"""The first ten minutes on the command line: ``serve --demo`` prints a way in to the console, the
consent page and the API; run again it prints how to get back in; ``--help`` lists every group."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests
from twilio.rest import Client

from connectapps import firstrun
from connectapps.domain import users
from connectapps.store import open_store
from tests.demo_run import start_demo
from tests.web.helpers import hidden_fields


def test_demo_prints_a_person_to_sign_in_as_and_the_three_urls(database_url: str, tmp_path: Path) -> None:
    run = start_demo(database_url, tmp_path)
    try:
        base = run.value("API base URL")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        assert run.value("Console") == f"{base}/console"
        email, password = run.value("Email"), run.value("Password")
        consent = run.value("Consent page")
        match = re.fullmatch(rf"{re.escape(base)}/authorize/(CN[0-9a-f]{{32}})\?state=demo", consent)
        assert match, consent
        # The person owns the demo account, which owns the demo app.
        store = open_store(database_url)
        try:
            user = users.sign_in(store, email, password, "127.0.0.1")
            [account] = store.accounts_of_user(user.id)
            app = store.find_connect_app(match.group(1))
            assert app is not None and app.account_sid == account.sid
            assert run.value("Account SID") == account.sid and run.value("Auth token") == account.auth_token
            assert app.authorize_redirect_url == f"{base}/console/authorized?done=connected"
            assert app.description and "`" not in app.description  # no raw backticks on the consent page
        finally:
            store.close()
        # The printed API credentials work with the official client, as printed.
        client = Client(run.value("Account SID"), run.value("Auth token"))
        client.api.base_url = base
        assert client.api.v2010.account.connect_apps(app.sid).fetch().friendly_name == firstrun.DEMO_APP_NAME
        # The printed console URL leads to sign-in, and the printed password signs in.
        assert requests.get(run.value("Console"), timeout=10, allow_redirects=False).status_code == 303
        session = requests.Session()
        form = hidden_fields(session.get(f"{base}/signin", timeout=10).text)
        signed = session.post(f"{base}/signin", timeout=10, allow_redirects=False,
                              data={**form, "email": email, "password": password, "next": "/console"})
        assert (signed.status_code, signed.headers["Location"]) == (303, "/console")
        assert app.sid in session.get(f"{base}/console/apps", timeout=10).text
    finally:
        run.stop()


def test_demo_again_creates_nothing_and_says_how_to_get_back_in(database_url: str, tmp_path: Path) -> None:
    first = start_demo(database_url, tmp_path)
    first.stop()
    consent = first.value("Consent page")
    again = start_demo(database_url, tmp_path)
    try:
        text = again.text
        assert "nothing was created" in text
        assert "Password" not in text and first.value("Password") not in text
        assert again.value("Console").endswith("/console") and "demo@example.com" in text
        assert again.value("Consent page").split("/authorize/")[1] == consent.split("/authorize/")[1]
        for command in ("users list", "users set-password --email EMAIL", "accounts list --show-tokens",
                        "apps list"):
            assert f"connectapps {command} --database {database_url}" in text.replace("***", ""), command
        store = open_store(database_url)
        try:
            assert store.count_accounts() == 1 and len(store.all_users()) == 1
        finally:
            store.close()
    finally:
        again.stop()


def test_help_lists_every_command_group() -> None:
    done = subprocess.run([sys.executable, "-m", "connectapps", "--help"], capture_output=True, text=True,
                          timeout=60, check=True)
    description = done.stdout.split("positional arguments")[0]
    for group in ("serve", "accounts", "users", "apps", "authorizations", "callbacks", "db", "dev"):
        assert re.search(rf"\b{group}\b", description), group
    assert "`" not in done.stdout
    serve = subprocess.run([sys.executable, "-m", "connectapps", "serve", "--help"], capture_output=True,
                           text=True, timeout=60, check=True).stdout
    assert "`" not in serve and "demo person" in serve
