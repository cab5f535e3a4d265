"""wire/paging.py without a server: the query parser and the list envelope the SDKs walk."""

from typing import Any

import pytest

from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import PageRequest
from connectapps.wire import paging

PATH = "/2010-04-01/Accounts/AC" + "0" * 32 + "/ConnectApps.json"
SID_A = "CN" + "a" * 32
SID_B = "CN" + "b" * 32
SID_C = "CN" + "c" * 32
ENVELOPE_KEYS = {
    "connect_apps", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri",
}


def parse(**params: Any) -> tuple[int, PageRequest]:
    return paging.parse(params, "CN")


def items(*sids: str) -> list[dict[str, Any]]:
    return [{"sid": sid} for sid in sids]


def envelope(sids: tuple[str, ...], page: int, request: PageRequest, has_more: bool, **kw: Any) -> dict[str, Any]:
    return paging.envelope("connect_apps", PATH, items(*sids), page, request, has_more, **kw)


# --- parse -------------------------------------------------------------------------------------------------------


def test_defaults_are_the_first_page_of_fifty() -> None:
    """The spec's default PageSize is 50; no Page means page 0."""
    assert parse() == (0, PageRequest(size=50, offset=0))


def test_blank_values_mean_the_defaults() -> None:
    """``?PageSize=&Page=&PageToken=`` is what a form with empty fields sends: treat as absent."""
    assert parse(PageSize="", Page="", PageToken="") == (0, PageRequest(size=50, offset=0))


def test_page_without_token_selects_by_offset() -> None:
    """Page is client state, but without a token it is the only way to say which page."""
    assert parse(PageSize="20", Page="3") == (3, PageRequest(size=20, offset=60))


@pytest.mark.parametrize("size", ["1", "1000", "007"])
def test_page_size_bounds_are_inclusive(size: str) -> None:
    assert parse(PageSize=size)[1].size == int(size)


def test_repeated_parameter_takes_the_last_value() -> None:
    """Falcon gives a list for a repeated key; the last value counts, as for form scalars."""
    assert parse(PageSize=["5", "7"], Page=["9", "1"]) == (1, PageRequest(size=7, offset=7))


def test_next_token_reads_after_its_sid() -> None:
    assert parse(PageSize="2", Page="4", PageToken="PA" + SID_A) == (4, PageRequest(size=2, after=SID_A))


def test_previous_token_reads_before_its_sid() -> None:
    assert parse(PageSize="2", Page="1", PageToken="PB" + SID_B) == (1, PageRequest(size=2, before=SID_B))


def test_token_sid_is_lowercased() -> None:
    """SIDs are stored in lowercase hex; an uppercased token must still find its place."""
    assert parse(PageToken="PA" + "CN" + "ABCDEF" * 5 + "AB")[1].after == "CN" + "abcdef" * 5 + "ab"


def assert_invalid(params: dict[str, Any], field: str, kind: str, value: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        paging.parse(params, "CN")
    assert (caught.value.field, caught.value.kind, caught.value.value) == (field, kind, value)


@pytest.mark.parametrize(
    "raw", ["0", "-1", "abc", "1.5", "1e3", " 5", "+5", "--1", "-", "\N{FULLWIDTH DIGIT ONE}", "1" * 13],
)
def test_bad_page_size_is_invalid(raw: str) -> None:
    """Anything that is not a plain integer from 1 up is 20001 (``--1`` must not reach int())."""
    assert_invalid({"PageSize": raw}, "page_size", InvalidParameter.PAGE_SIZE, raw)


@pytest.mark.parametrize("raw", ["1001", "999999999999"])
def test_too_large_page_size_has_its_own_rule(raw: str) -> None:
    """Twilio answers 20007 "The maximum page size is 1000" for this one case."""
    assert_invalid({"PageSize": raw}, "page_size", InvalidParameter.PAGE_SIZE_TOO_LARGE, raw)


@pytest.mark.parametrize("raw", ["-1", "x", "1.0", "--1", "+1"])
def test_bad_page_is_invalid(raw: str) -> None:
    assert_invalid({"Page": raw}, "page", InvalidParameter.PAGE, raw)


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "PA",
        "PA" + "CN" + "a" * 31,
        "PA" + "AC" + "a" * 32,
        "PC" + SID_A,
        "pa" + SID_A,
        "PA" + SID_A + "0",
        "PA" + "CN" + "g" * 32,
    ],
)
def test_bad_page_token_is_invalid(token: str) -> None:
    """Only PA/PB + a well-formed SID of the listed resource is a token."""
    assert_invalid({"PageToken": token}, "page_token", InvalidParameter.PAGE_TOKEN, token)


# --- envelope ----------------------------------------------------------------------------------------------------


def test_envelope_has_exactly_the_spec_keys() -> None:
    """twilio-python refuses a page with any extra top-level key."""
    assert set(envelope((SID_A,), 0, PageRequest(size=50), False)) == ENVELOPE_KEYS


def test_empty_envelope() -> None:
    """The spec's readEmpty example, with ``uri`` the bare path for a request without paging parameters."""
    assert envelope((), 0, PageRequest(size=50), False, echo_query=False) == {
        "connect_apps": [],
        "end": 0,
        "first_page_uri": f"{PATH}?Page=0&PageSize=50",
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": PATH,
    }


def test_first_page_with_more_links_forward_only() -> None:
    body = envelope((SID_A, SID_B), 0, PageRequest(size=2), True)
    assert (body["start"], body["end"]) == (0, 1)
    assert body["next_page_uri"] == f"{PATH}?PageSize=2&Page=1&PageToken=PA{SID_B}"
    assert body["previous_page_uri"] is None
    assert body["uri"] == f"{PATH}?PageSize=2&Page=0"


def test_middle_page_links_both_ways_from_its_edges() -> None:
    """Next continues after the last SID; previous ends before the first one."""
    body = envelope((SID_B, SID_C), 1, PageRequest(size=2, after=SID_A), True)
    assert (body["start"], body["end"], body["page"], body["page_size"]) == (2, 3, 1, 2)
    assert body["next_page_uri"] == f"{PATH}?PageSize=2&Page=2&PageToken=PA{SID_C}"
    assert body["previous_page_uri"] == f"{PATH}?PageSize=2&Page=0&PageToken=PB{SID_B}"
    assert body["uri"] == f"{PATH}?PageSize=2&Page=1&PageToken=PA{SID_A}"


def test_last_page_has_no_next() -> None:
    body = envelope((SID_C,), 2, PageRequest(size=2, after=SID_B), False)
    assert (body["start"], body["end"]) == (4, 4)
    assert body["next_page_uri"] is None
    assert body["previous_page_uri"] == f"{PATH}?PageSize=2&Page=1&PageToken=PB{SID_C}"


def test_uri_echoes_a_previous_token() -> None:
    body = envelope((SID_A,), 0, PageRequest(size=1, before=SID_B), True)
    assert body["uri"] == f"{PATH}?PageSize=1&Page=0&PageToken=PB{SID_B}"


def test_empty_page_past_the_end_has_no_links() -> None:
    """No items: end is 0 and there is no SID to anchor a next or previous token on."""
    body = envelope((), 5, PageRequest(size=2, offset=10), True)
    assert (body["start"], body["end"], body["next_page_uri"], body["previous_page_uri"]) == (10, 0, None, None)


@pytest.mark.parametrize("size", [1, 50, 1000])
def test_first_page_uri_keeps_the_page_size(size: int) -> None:
    assert envelope((), 0, PageRequest(size=size), False)["first_page_uri"] == f"{PATH}?Page=0&PageSize={size}"


def test_custom_sid_key() -> None:
    """Other resources (AuthorizedConnectApps) anchor tokens on another key."""
    body = paging.envelope(
        "authorized_connect_apps", PATH, [{"connect_app_sid": SID_A}], 0, PageRequest(size=1), True,
        sid_key="connect_app_sid",
    )
    assert body["next_page_uri"] == f"{PATH}?PageSize=1&Page=1&PageToken=PA{SID_A}"
    assert "authorized_connect_apps" in body
