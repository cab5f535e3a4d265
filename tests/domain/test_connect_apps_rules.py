"""domain/connect_apps.py without a server: what a valid Connect App change is."""

from collections.abc import Sequence
from typing import Any, NoReturn

import pytest

from connectapps.domain import connect_apps
from connectapps.domain.connect_apps import URL_FIELDS, validate_changes
from connectapps.domain.errors import InvalidParameter, NotFound

NULLABLE_FIELDS = (*connect_apps.TEXT_FIELDS, *URL_FIELDS)


def assert_invalid(raw: dict[str, Any], field: str, kind: str, value: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        validate_changes(raw)
    assert (caught.value.field, caught.value.kind, caught.value.value) == (field, kind, value)


# --- URLs --------------------------------------------------------------------------------------------------------

GOOD_URLS = [
    "http://example.com",
    "https://example.com/",
    "https://example.com/callback?x=1&y=%20#frag",
    "http://localhost:8080/deauth",
    "http://127.0.0.1/x",
    "https://[::1]:8443/x",
    "HTTPS://EXAMPLE.COM/Path",
    "https://user:pw@example.com/",
    "https://example.com/a(b)!*$,;=:@~-._/x?k=[1]",
    "https://example.com/caf\N{LATIN SMALL LETTER E WITH ACUTE}",
    "https://b\N{LATIN SMALL LETTER U WITH DIAERESIS}cher.example/",
]
BAD_URLS = [
    "example.com",
    "/relative/path",
    "ftp://example.com/file",
    "javascript:alert(1)",
    "mailto:someone@example.com",
    "http://",
    "http:///path-only",
    "https://:443/",
    "https://exa mple.com",
    "https://example.com/a b",
    " https://example.com",
    "https://example.com\n",
    "https://example.com/\ttab",
    "https://example.com:99999/",
    "https://example.com:port/",
    "http://[::1/",
    "http://ex\x00ample.com/",
    "https://example.com/\x7f",
    'https://example.com/"onmouseover="x',
    "https://example.com/<script>",
    "https://example.com/'x",
    "https://example.com/a\\b",
    "https://example.com/{x}|^`",
    "https://example.com/%zz",
    "https://example.com/100%",
    "https://example.com/\N{NO-BREAK SPACE}",
    "https://example.com/\N{ZERO WIDTH SPACE}",
    "https://example.com/\x85",
    "https://example.com/\N{RIGHT-TO-LEFT OVERRIDE}",
]


@pytest.mark.parametrize("field", URL_FIELDS)
@pytest.mark.parametrize("url", GOOD_URLS)
def test_absolute_http_urls_are_kept_verbatim(field: str, url: str) -> None:
    assert validate_changes({field: url}) == {field: url}


@pytest.mark.parametrize("field", URL_FIELDS)
@pytest.mark.parametrize("url", BAD_URLS)
def test_other_urls_are_rejected(field: str, url: str) -> None:
    """http/https only, with a host, no whitespace or control characters (a NUL cannot be stored in PostgreSQL)."""
    assert_invalid({field: url}, field, InvalidParameter.URL, url)


# --- DeauthorizeCallbackMethod -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "method"), [("GET", "GET"), ("get", "GET"), ("Post", "POST"), ("pOsT", "POST")])
def test_method_is_case_insensitive_and_normalised(raw: str, method: str) -> None:
    assert validate_changes({"deauthorize_callback_method": raw}) == {"deauthorize_callback_method": method}


@pytest.mark.parametrize("raw", [
    "PUT", "DELETE", "HEAD", " GET", "GET ", "GETS", "G", "GET,POST",
    "PO\N{LATIN SMALL LIGATURE ST}", "po\N{LATIN SMALL LETTER LONG S}t", "\N{FULLWIDTH LATIN CAPITAL LETTER G}ET",
])
def test_other_methods_are_rejected_with_the_value_as_sent(raw: str) -> None:
    assert_invalid({"deauthorize_callback_method": raw}, "deauthorize_callback_method", InvalidParameter.ENUM, raw)


# --- FriendlyName ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x", "a" * 64, "\N{LATIN SMALL LETTER E WITH ACUTE}" * 64, "\N{ROCKET}" * 64])
def test_friendly_name_up_to_64_characters(name: str) -> None:
    """Characters, not bytes: 64 two- or four-byte characters are still 64."""
    assert validate_changes({"friendly_name": name}) == {"friendly_name": name}


@pytest.mark.parametrize("name", ["a" * 65, "\N{ROCKET}" * 65, "a" * 1000])
def test_friendly_name_over_64_characters_is_rejected(name: str) -> None:
    assert_invalid({"friendly_name": name}, "friendly_name", InvalidParameter.TOO_LONG, "64")


CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"]
LINE_BREAKS = ["\t", "\n", "\r\n"]


@pytest.mark.parametrize("field", connect_apps.TEXT_FIELDS)
@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_in_text_are_rejected(field: str, control: str) -> None:
    """Invisible, log-forging, and (U+0000) not storable in PostgreSQL: refused on both backends."""
    value = f"a{control}b"
    assert_invalid({field: value}, field, InvalidParameter.CONTROL, value)


@pytest.mark.parametrize("field", ["friendly_name", "company_name"])
@pytest.mark.parametrize("control", LINE_BREAKS)
def test_single_line_text_refuses_tabs_and_line_breaks(field: str, control: str) -> None:
    value = f"a{control}b"
    assert_invalid({field: value}, field, InvalidParameter.CONTROL, value)


@pytest.mark.parametrize("control", LINE_BREAKS)
def test_a_description_may_hold_tabs_and_line_breaks(control: str) -> None:
    """The console's description is a textarea: browsers send its lines joined by CR LF."""
    value = f"first line{control}second line"
    assert validate_changes({"description": value}) == {"description": value}


@pytest.mark.parametrize("field", ["company_name", "description"])
def test_other_text_has_no_length_rule(field: str) -> None:
    text = "  spaced text \N{SNOWMAN} \N{RIGHT-TO-LEFT MARK}" * 100
    assert validate_changes({field: text}) == {field: text}


# --- Permissions -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "permissions"),
    [
        (["get-all"], ("get-all",)),
        (["get-all", "post-all"], ("get-all", "post-all")),
        (["post-all", "get-all"], ("post-all", "get-all")),
        (["get-all", "get-all"], ("get-all",)),
        ("get-all,post-all", ("get-all", "post-all")),
        (["get-all,post-all"], ("get-all", "post-all")),
        (["post-all", "get-all,post-all"], ("post-all", "get-all")),
        ([" get-all , post-all "], ("get-all", "post-all")),
        (["get-all,,post-all,"], ("get-all", "post-all")),
        ("", ()),
        ([""], ()),
        ([], ()),
        ([",", ""], ()),
    ],
    ids=[
        "one", "two", "order-kept", "dedupe", "comma-string", "comma-in-list", "mixed-dedupe", "spaces",
        "empty-items", "empty-string", "empty-value", "empty-list", "only-commas",
    ],
)
def test_permissions(raw: str | Sequence[str], permissions: tuple[str, ...]) -> None:
    """Repeated keys or a comma-joined value; duplicates collapse in first order; empty clears."""
    assert validate_changes({"permissions": raw}) == {"permissions": permissions}


@pytest.mark.parametrize(
    ("raw", "bad"),
    [(["read-all"], "read-all"), (["get-all", "admin"], "admin"), ("get-all;post-all", "get-all;post-all")],
)
def test_unknown_permission_is_rejected(raw: str | Sequence[str], bad: str) -> None:
    assert_invalid({"permissions": raw}, "permissions", InvalidParameter.PERMISSION, bad)


# --- clearing, partial changes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", NULLABLE_FIELDS)
def test_empty_string_clears_to_null(field: str) -> None:
    assert validate_changes({field: ""}) == {field: None}


def test_empty_method_resets_to_get() -> None:
    """The spec's enum for deauthorize_callback_method has no null (OAS 3.0 nullable does not add one to an
    enum): clearing it goes back to the default a new app has."""
    assert validate_changes({"deauthorize_callback_method": ""}) == {"deauthorize_callback_method": "GET"}


def test_only_sent_fields_are_changed_and_unknown_keys_ignored() -> None:
    assert validate_changes({"description": "d", "sid": "CN" + "0" * 32, "account_sid": "AC" + "0" * 32}) == {
        "description": "d",
    }


def test_nothing_sent_changes_nothing() -> None:
    assert validate_changes({}) == {}


def test_one_bad_field_fails_the_whole_change() -> None:
    """The caller gets an error, never a half-applied change."""
    with pytest.raises(InvalidParameter):
        validate_changes({"friendly_name": "fine", "homepage_url": "not a url"})


def test_new_app_defaults() -> None:
    """Unset fields are null, no permissions, callbacks by GET (Twilio's default)."""
    app = connect_apps.new_connect_app("AC" + "0" * 32, {})
    assert app.sid.startswith("CN") and len(app.sid) == 34
    assert (app.friendly_name, app.company_name, app.description) == (None, None, None)
    assert (app.homepage_url, app.authorize_redirect_url, app.deauthorize_callback_url) == (None, None, None)
    assert (app.deauthorize_callback_method, app.permissions) == ("GET", ())


def test_new_app_is_validated_like_an_update() -> None:
    with pytest.raises(InvalidParameter):
        connect_apps.new_connect_app("AC" + "0" * 32, {"homepage_url": "nope"})


# --- lookups never reach the store with a malformed SID -----------------------------------------------------------


class UntouchableStore:
    """A store that fails the test if called: a malformed SID must be a 404 without a query."""

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"store.{name} called")


@pytest.mark.parametrize("sid", ["CN123", "AC" + "0" * 32, "CN" + "g" * 32, "CN" + "0" * 33, "../etc"])
def test_malformed_sid_is_not_found_without_a_query(sid: str) -> None:
    store: Any = UntouchableStore()
    with pytest.raises(NotFound):
        connect_apps.fetch(store, "AC" + "0" * 32, sid)
    with pytest.raises(NotFound):
        connect_apps.update(store, "AC" + "0" * 32, sid, {"friendly_name": "x"})
