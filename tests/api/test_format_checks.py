"""The spec validators really check formats: ``uri`` (absolute, via rfc3986-validator), the host-relative
deviation only where Twilio answers host-relative, and Twilio's RFC 2822 dates. A pass in the conformance
tests means something only if these fail."""

from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema.exceptions import ValidationError

from connectapps.wire import render
from tests.api.resources.spec_schemas import FORMAT_CHECKER, HOST_RELATIVE, pointer, validator

ACCOUNT = pointer("components", "schemas", "api.v2010.account")
CONNECT_APP = pointer("components", "schemas", "api.v2010.account.connect_app")
CONNECT_APP_LIST = pointer(
    "paths", "/2010-04-01/Accounts/{AccountSid}/ConnectApps.json", "get", "responses", "200", "content",
    "application/json", "schema",
)
SID = "AC" + "0" * 32
APP_SID = "CN" + "0" * 32


def account(**changes: Any) -> dict[str, Any]:
    now = render.date(datetime(2010, 8, 20, 1, 13, 42, tzinfo=UTC))
    body: dict[str, Any] = {
        "auth_token": "a" * 32, "date_created": now, "date_updated": now, "friendly_name": "x",
        "owner_account_sid": SID, "sid": SID, "status": "active", "type": "Full",
        "subresource_uris": {"calls": f"/2010-04-01/Accounts/{SID}/Calls.json"},
        "uri": f"/2010-04-01/Accounts/{SID}.json",
    }
    return body | changes


def app(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_sid": SID, "authorize_redirect_url": "https://example.com/cb", "company_name": None,
        "deauthorize_callback_method": "GET", "deauthorize_callback_url": None, "description": None,
        "friendly_name": "x", "homepage_url": "https://example.com/", "permissions": [], "sid": APP_SID,
        "uri": f"/2010-04-01/Accounts/{SID}/ConnectApps/{APP_SID}.json",
    }
    return body | changes


@pytest.mark.parametrize(("fmt", "value", "ok"), [
    ("uri", "https://example.com/a?b=c", True),
    ("uri", "/2010-04-01/Accounts.json", False),  # relative: not a URI
    ("uri", "not a uri", False),
    ("uri", "http://exa mple.com/", False),
    ("uri-reference", "/2010-04-01/Accounts.json?Page=0&PageSize=50", True),
    ("uri-reference", "/a b", False),
    ("date-time", "2010-08-20T01:13:42Z", True),
    ("date-time", "Fri, 20 Aug 2010 01:13:42 +0000", False),
    ("date-time-rfc-2822", "Fri, 20 Aug 2010 01:13:42 +0000", True),
    ("date-time-rfc-2822", "2010-08-20T01:13:42Z", False),
    ("date-time-rfc-2822", "Fri, 20 Aug 2010 01:13:42 -0700", False),  # Twilio's are GMT
    ("date-time-rfc-2822", "Fri, 32 Aug 2010 01:13:42 +0000", False),
    ("uri-map", {"calls": "/2010-04-01/Accounts/AC1/Calls.json"}, True),
    ("uri-map", {"calls": "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json"}, False),
])
def test_the_checker_checks_each_format(fmt: str, value: Any, ok: bool) -> None:
    assert FORMAT_CHECKER.conforms(value, fmt) is ok


def test_the_deviation_is_exactly_the_host_relative_uris() -> None:
    assert {"uri", "first_page_uri", "next_page_uri", "previous_page_uri"} == HOST_RELATIVE


def test_good_answers_validate() -> None:
    validator(ACCOUNT).validate(account())
    validator(CONNECT_APP).validate(app())


@pytest.mark.parametrize(("schema", "body"), [
    (ACCOUNT, account(date_created="2010-08-20T01:13:42Z")),
    (ACCOUNT, account(date_updated="yesterday")),
    (ACCOUNT, account(subresource_uris={"calls": "http://example.com/Calls.json"})),
    (CONNECT_APP, app(homepage_url="example.com/")),  # a callback URL must be absolute: no deviation there
    (CONNECT_APP, app(authorize_redirect_url="/relative")),
    (CONNECT_APP, app(deauthorize_callback_url="http://exa mple.com/")),
], ids=["iso-date", "word-date", "absolute-subresource", "no-scheme", "relative-callback",
        "space-in-callback"])
def test_bad_formats_fail_against_the_real_schemas(schema: str, body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validator(schema).validate(body)


@pytest.mark.parametrize("key", ["uri", "first_page_uri", "next_page_uri", "previous_page_uri"])
def test_paging_uris_are_host_relative_but_still_checked(key: str) -> None:
    base = f"/2010-04-01/Accounts/{SID}/ConnectApps.json"
    page = {
        "connect_apps": [], "end": 0, "first_page_uri": f"{base}?Page=0&PageSize=50", "next_page_uri": None,
        "page": 0, "page_size": 50, "previous_page_uri": None, "start": 0, "uri": base,
    }
    validator(CONNECT_APP_LIST).validate(page | {key: f"{base}?Page=1"})
    with pytest.raises(ValidationError):
        validator(CONNECT_APP_LIST).validate(page | {key: f"{base}?Page=1 2"})
