"""Units: the rules for ``next``, proxy headers, CSP sources and Location encoding."""

from __future__ import annotations

import falcon.testing
import pytest

from connectapps.web.inputs import client_address, is_https, safe_next
from connectapps.web.views import ascii_location, form_target


@pytest.mark.parametrize("value", ["/", "/authorize/CN1?state=a%20b", "/a/b?c=d#e", "/%2F%2Fevil.example"])
def test_same_site_paths_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize("value", [
    None, "", "//evil.example", "/\\evil.example", "/a\\b", "https://evil.example", "evil", " /a", "/a b",
    "/\t/evil.example", "/\r\n/x", "/\x00", "/é", "/" + "a" * 2048,
])
def test_anything_else_is_home(value: str | None) -> None:
    assert safe_next(value) == "/"


def _req(headers: dict[str, str] | None = None, scheme: str = "http") -> falcon.Request:
    return falcon.testing.create_req(headers=headers, remote_addr="10.0.0.1", scheme=scheme)


def test_without_trusted_proxies_forwarded_headers_are_ignored() -> None:
    req = _req({"X-Forwarded-For": "203.0.113.1", "X-Forwarded-Proto": "https"})
    assert client_address(req, 0) == "10.0.0.1"
    assert not is_https(req, 0)
    assert is_https(_req(scheme="https"), 0)


def test_trusted_proxies_count_from_the_right() -> None:
    req = _req({"X-Forwarded-For": "198.51.100.1, 203.0.113.1, 192.0.2.1", "X-Forwarded-Proto": "https"})
    assert client_address(req, 1) == "192.0.2.1"
    assert client_address(req, 2) == "203.0.113.1"
    assert client_address(req, 9) == "198.51.100.1"  # more hops than entries: the leftmost
    assert is_https(req, 1)
    assert client_address(_req({"X-Forwarded-For": "not an address"}), 1) == "10.0.0.1"
    assert client_address(_req(), 1) == "10.0.0.1"


@pytest.mark.parametrize(("url", "source"), [
    ("https://a.example/x", "https://a.example"),
    ("http://127.0.0.1:8000/cb", "http://127.0.0.1:8000"),
    ("https://[2001:db8::1]/cb", "https://[2001:db8::1]"),
    ("https://u:p@A.Example:444/", "https://a.example:444"),
    ("ftp://a.example/", None),
])
def test_form_target(url: str, source: str | None) -> None:
    assert form_target(url) == source


def test_ascii_location_only_encodes_what_is_not_ascii() -> None:
    assert ascii_location("https://a.example/p?q=1&r=%20#f") == "https://a.example/p?q=1&r=%20#f"
    assert ascii_location("https://a.example/ü") == "https://a.example/%C3%BC"
