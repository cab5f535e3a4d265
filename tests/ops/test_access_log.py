"""The access log of a real server: one JSON line per request with who asked for what and how it went,
and not one of the secrets the requests carried (tokens, passwords, cookies, query values, form bodies).

The log is written by the web layer whatever the database, so one backend (SQLite) is enough here.
"""

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from connectapps.domain import authorizations
from tests.conftest import Server, start_server, stop_server
from tests.ops.logs import entries, requests_logged
from tests.web.helpers import Browser, new_person

WRONG_TOKEN = "wrongtoken0123456789abcdef0123456"
WRONG_PASSWORD = "not-the-password-XYZZY"
BAD_COOKIE = "forgedcookie.QWERTYUIOP"
QUERY_SECRET = "querysecretvalue-ASDFGH"
BODY_SECRET = "bodysecret-ZXCVBN"
BEARER = "bearersecret-MNBVCX"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = start_server(f"sqlite:///{tmp_path / 'log.db'}", tmp_path, env={"CONNECTAPPS_CALLBACKS": "off"})
    yield srv
    stop_server(srv)


def _id(resp: requests.Response) -> str:
    rid = resp.headers["Twilio-Request-Id"]
    assert re.fullmatch(r"RQ[0-9a-f]{32}", rid)
    return rid


def test_every_request_is_one_json_line_without_secrets(server: Server) -> None:
    person = new_person(server.store)
    account = person.account
    own = server.get(f"/2010-04-01/Accounts/{account.sid}.json", account)
    wrong = server.get(f"/2010-04-01/Accounts/{account.sid}.json", auth=(account.sid, WRONG_TOKEN))
    bearer = server.get("/2010-04-01/Accounts.json", headers={"Authorization": f"Bearer {BEARER}"})
    listed = server.get(f"/2010-04-01/Accounts/{account.sid}/ConnectApps.json?PageSize=2&PageToken={QUERY_SECRET}",
                        account)
    app = server.app(account, friendly_name="Logged", permissions="get-all")
    app_sid = app.sid
    created = server.post(f"/2010-04-01/Accounts/{account.sid}/ConnectApps/{app_sid}.json", account,
                          data={"FriendlyName": BODY_SECRET})
    grant = authorizations.authorize(server.store, app, server.account("Customer"))
    delegated = server.get(f"/2010-04-01/Accounts/{grant.subaccount_sid}.json",
                           auth=(grant.subaccount_sid, account.auth_token))
    missing = server.get("/nowhere/at/all")

    forged = Browser(server, Cookie=f"connectapps_session={BAD_COOKIE}").get("/")
    browser = Browser(server)
    refused = browser.sign_in(person, password=WRONG_PASSWORD)
    signed = browser.sign_in(person)
    cookie = browser.cookie()
    assert cookie
    console = browser.get("/console")
    assert (own.status_code, wrong.status_code, bearer.status_code, listed.status_code, created.status_code,
            delegated.status_code, missing.status_code, refused.status_code, signed.status_code,
            console.status_code) == (200, 401, 401, 400, 200, 200, 404, 200, 303, 200)

    time.sleep(0.5)  # the last line is written after the answer
    logged = requests_logged(server)
    expect = {
        own: ("GET", 200, None, "account", account.sid),
        wrong: ("GET", 401, 20003, None, None),
        bearer: ("GET", 401, 20003, None, None),
        listed: ("GET", 400, 21481, "account", account.sid),
        created: ("POST", 200, None, "account", account.sid),
        delegated: ("GET", 200, None, "connect_app", grant.subaccount_sid),
        missing: ("GET", 404, 20404, None, None),
        forged: ("GET", 303, None, None, None),
        refused: ("POST", 200, None, None, None),
        signed: ("POST", 303, None, None, None),
        console: ("GET", 200, None, "user", person.user.id),
    }
    for resp, (method, status, code, kind, sid) in expect.items():
        line = logged[_id(resp)]
        assert (line["method"], line["status"], line["error_code"], line["principal_kind"],
                line["principal_sid"]) == (method, status, code, kind, sid), line
        assert line["level"] == "info" and line["logger"] == "connectapps.access"
        assert line["path"] == urlsplit(resp.url).path
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert logged[_id(delegated)]["connect_app_sid"] == app_sid
    assert logged[_id(listed)]["route"] == "/2010-04-01/Accounts/{account_sid}/ConnectApps.json"

    text = server.log.read_text()
    for secret in (account.auth_token, WRONG_TOKEN, WRONG_PASSWORD, person.password, BAD_COOKIE, cookie,
                   QUERY_SECRET, BODY_SECRET, BEARER, "PageToken"):
        assert secret not in text, secret
    events = {e["event"] for e in entries(server)}
    assert {"start", "migrations", "request"} <= events


def test_plain_text_and_log_level(tmp_path: Path) -> None:
    """``--log-format text`` writes lines for a terminal; ``--log-level warning`` leaves requests out."""
    text = start_server(f"sqlite:///{tmp_path / 'text.db'}", tmp_path, "--log-format", "text")
    quiet = start_server(f"sqlite:///{tmp_path / 'quiet.db'}", tmp_path, env={"CONNECTAPPS_LOG_LEVEL": "warning"})
    try:
        rid = _id(requests.get(f"{text.url}/health", timeout=5))
        quiet_id = _id(requests.get(f"{quiet.url}/health", timeout=5))
        time.sleep(0.5)
    finally:
        stop_server(text)
        stop_server(quiet)
    lines = [line for line in text.log.read_text().splitlines() if rid in line]
    assert len(lines) == 1 and " INFO connectapps.access: GET /health 200 " in lines[0]
    assert not lines[0].startswith("{")
    assert quiet_id not in quiet.log.read_text()
    assert "serving on" not in quiet.log.read_text()


def test_a_path_with_unicode_line_separators_stays_one_line(server: Server) -> None:
    """JSON leaves U+0085, U+2028 and U+2029 as they are, but line readers (Python's splitlines, log
    shippers) break lines there: a stranger's path must not split its log line (the fuzzer sent one)."""
    resp = requests.get(f"{server.url}/2010-04-01/Accounts/a%C2%85b%E2%80%A8c%E2%80%A9d.json", timeout=5)
    assert resp.status_code == 401
    time.sleep(0.5)  # the last line is written after the answer
    text = server.log.read_text()
    lines = text[: text.rfind("\n") + 1].splitlines()  # the lines written whole, as a line reader splits them
    (line,) = [line for line in lines if _id(resp) in line]
    assert requests_logged(server)[_id(resp)]["path"] == "/2010-04-01/Accounts/a\x85b\u2028c\u2029d.json"
    assert all(line.startswith("{") and line.endswith("}") for line in lines), line
