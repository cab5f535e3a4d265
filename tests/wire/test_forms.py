"""wire/forms.py without a server: Twilio's parameter names and form bodies as the SDKs encode them."""

import io

import falcon
import falcon.testing
import pytest

from connectapps.domain.connect_apps import UPDATABLE_FIELDS
from connectapps.wire import forms

NAMES = [
    ("friendly_name", "FriendlyName"),
    ("company_name", "CompanyName"),
    ("description", "Description"),
    ("homepage_url", "HomepageUrl"),
    ("authorize_redirect_url", "AuthorizeRedirectUrl"),
    ("deauthorize_callback_url", "DeauthorizeCallbackUrl"),
    ("deauthorize_callback_method", "DeauthorizeCallbackMethod"),
    ("permissions", "Permissions"),
    ("page_size", "PageSize"),
    ("page_token", "PageToken"),
]


@pytest.mark.parametrize(("field", "param"), NAMES)
def test_param_name(field: str, param: str) -> None:
    assert forms.param_name(field) == param


@pytest.mark.parametrize(("field", "param"), NAMES)
def test_field_name(field: str, param: str) -> None:
    assert forms.field_name(param) == field


def test_every_updatable_field_is_named_as_in_the_spec() -> None:
    """The spec's UpdateConnectAppRequest names, which twilio-python sends verbatim."""
    assert {forms.param_name(f) for f in UPDATABLE_FIELDS} == {
        "AuthorizeRedirectUrl", "CompanyName", "DeauthorizeCallbackMethod", "DeauthorizeCallbackUrl",
        "Description", "FriendlyName", "HomepageUrl", "Permissions",
    }


@pytest.mark.parametrize(
    ("body", "form"),
    [
        (b"", {}),
        (b"Permissions=get-all&Permissions=post-all", {"Permissions": ["get-all", "post-all"]}),
        (b"Permissions=get-all%2Cpost-all", {"Permissions": ["get-all,post-all"]}),
        (b"CompanyName=&Description=", {"CompanyName": [""], "Description": [""]}),
        (b"FriendlyName", {"FriendlyName": [""]}),
        (b"FriendlyName=a+b%20c", {"FriendlyName": ["a b c"]}),
        (b"FriendlyName=caf%C3%A9", {"FriendlyName": ["caf\N{LATIN SMALL LETTER E WITH ACUTE}"]}),
        ("FriendlyName=caf\N{LATIN SMALL LETTER E WITH ACUTE}".encode(), {"FriendlyName": ["caf\u00e9"]}),
        (b"A=1&B=2&A=3", {"A": ["1", "3"], "B": ["2"]}),
        (b"X=a%3Db%26c", {"X": ["a=b&c"]}),
    ],
    ids=["empty", "repeated", "comma", "blanks", "bare-key", "spaces", "pct-utf8", "raw-utf8", "order", "escaped"],
)
def test_parse_form(body: bytes, form: dict[str, list[str]]) -> None:
    """Every value of every key, in order; blanks kept because an empty value clears a field."""
    assert forms.parse_form(body) == form


@pytest.mark.parametrize("body", [b"FriendlyName=\xff", b"FriendlyName=%FF", b"FriendlyName=%ED%A0%80"])
def test_parse_form_rejects_non_utf8(body: bytes) -> None:
    """Raw or percent-encoded, bytes that are not UTF-8 make the body unreadable (a 400, not a 500)."""
    with pytest.raises(forms.FormError, match="not UTF-8"):
        forms.parse_form(body)


def test_pick_maps_known_params_and_ignores_the_rest() -> None:
    form = {"FriendlyName": ["a", "b"], "Permissions": ["get-all", "post-all"], "Foo": ["x"], "friendlyName": ["y"]}
    assert forms.pick(form, UPDATABLE_FIELDS, list_fields=("permissions",)) == {
        "friendly_name": "b",
        "permissions": ["get-all", "post-all"],
    }


def test_pick_keeps_blank_values() -> None:
    assert forms.pick({"Description": [""], "Permissions": [""]}, UPDATABLE_FIELDS, ("permissions",)) == {
        "description": "",
        "permissions": [""],
    }


def request(body: bytes, content_type: str | None = forms.FORM_TYPE, chunked: bool = False) -> falcon.Request:
    headers = {"Content-Type": content_type} if content_type else {}
    if chunked:  # what a WSGI server hands over for Transfer-Encoding: chunked: no length, a stream to EOF
        req = falcon.testing.create_req(method="POST", headers=headers)
        req.env["wsgi.input"] = io.BytesIO(body)
        req.env.pop("CONTENT_LENGTH", None)
        return falcon.Request(req.env)
    return falcon.testing.create_req(method="POST", body=body, headers=headers)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_read_form(chunked: bool) -> None:
    assert forms.read_form(request(b"FriendlyName=x&Permissions=get-all", chunked=chunked)) == {
        "FriendlyName": ["x"], "Permissions": ["get-all"],
    }


@pytest.mark.parametrize(
    "content_type", [f"{forms.FORM_TYPE}; charset=utf-8", "Application/X-WWW-Form-Urlencoded", None],
)
def test_read_form_accepts_form_content_types(content_type: str | None) -> None:
    """A charset parameter, any case, or no Content-Type at all still means a form."""
    assert forms.read_form(request(b"FriendlyName=x", content_type)) == {"FriendlyName": ["x"]}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x"])
def test_other_content_types_carry_no_parameters(content_type: str) -> None:
    assert forms.read_form(request(b"FriendlyName=x", content_type)) == {}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_refused(chunked: bool) -> None:
    body = b"FriendlyName=" + b"a" * forms.MAX_BODY_BYTES
    with pytest.raises(forms.FormError, match="over"):
        forms.read_body(request(body, chunked=chunked))


def test_body_at_the_limit_is_read() -> None:
    body = b"a" * forms.MAX_BODY_BYTES
    assert forms.read_body(request(body, chunked=True)) == body
