"""The router of representations and Twilio's XML names, as pure functions."""

import pytest

from connectapps.wire.representations import CSV, JSON, XML, instance_name, list_key, pascal, route, singular

AC = "/2010-04-01/Accounts/AC" + "0" * 32


@pytest.mark.parametrize(("path", "routed", "kind"), [
    (f"{AC}.json", f"{AC}.json", JSON),
    (AC, f"{AC}.json", XML),
    (f"{AC}.xml", f"{AC}.json", XML),
    (f"{AC}/Calls.csv", f"{AC}/Calls.json", CSV),
    ("/2010-04-01/Accounts", "/2010-04-01/Accounts.json", XML),
    (f"{AC}/Recordings/RE1.mp3", f"{AC}/Recordings/RE1.mp3", JSON),  # not a representation: left to 404
    (f"{AC}/", f"{AC}/", JSON),
    (f"{AC}/.xml", f"{AC}/.xml", JSON),
    ("/console/apps", "/console/apps", JSON),  # the web pages are not the API
    ("/health", "/health", JSON),
])
def test_route(path: str, routed: str, kind: str) -> None:
    assert route(path) == (routed, kind)


@pytest.mark.parametrize(("key", "name"), [
    ("friendly_name", "FriendlyName"), ("sid", "Sid"), ("sms_url", "SmsUrl"), ("sms", "SMS"),
    ("first_page_uri", "FirstPageUri"), ("1x", "Item1x"),
])
def test_pascal(key: str, name: str) -> None:
    assert pascal(key) == name


@pytest.mark.parametrize(("plural", "one"), [
    ("Calls", "Call"), ("Countries", "Country"), ("Addresses", "Address"), ("Permissions", "Permission"),
    ("AvailablePhoneNumbers", "AvailablePhoneNumber"), ("Balance", "Balance"), ("MediaList", "Media"),
    ("Access", "Access"),
])
def test_singular(plural: str, one: str) -> None:
    assert singular(plural) == one


def test_instance_names_come_from_the_route() -> None:
    assert instance_name("/2010-04-01/Accounts/{account_sid}/ConnectApps/{sid}.json") == "ConnectApp"
    assert instance_name("/2010-04-01/Accounts/{account_sid}.json") == "Account"
    assert instance_name("/2010-04-01/Accounts/{account_sid}/Balance.json") == "Balance"
    assert instance_name("/2010-04-01/Accounts/{account_sid}/Calls.json") == "Call"  # a create


def test_list_key() -> None:
    assert list_key({"calls": [], "page": 0, "uri": "/x"}) == "calls"
    assert list_key({"countries": [], "uri": "/x"}) == "countries"
    assert list_key({"permissions": [], "sid": "CN1", "uri": "/x"}) is None  # an instance with an array
