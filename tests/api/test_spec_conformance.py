"""Real responses validated against Twilio's official OpenAPI document (tests/spec/, copied verbatim).

The schemas are checked with openapi-schema-validator (OAS 3.0: ``nullable``, enums, SID patterns),
``$ref`` resolved against the whole document. The spec's schemas allow extra keys, so the key sets
are checked too: exactly the documented properties, as twilio-python's paging demands.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from connectapps.domain.models import Account
from tests.api.resources.spec_schemas import schema_validator
from tests.conftest import Server

SPEC = Path(__file__).resolve().parent.parent / "spec" / "twilio_oai_connect_apps.json"
SPEC_URI = "urn:twilio-oai:api-v2010-connect-apps"
LIST = "/2010-04-01/Accounts/{AccountSid}/ConnectApps.json"
INSTANCE = "/2010-04-01/Accounts/{AccountSid}/ConnectApps/{Sid}.json"
APP_SCHEMA = "/components/schemas/api.v2010.account.connect_app"
FULL = {
    "FriendlyName": "Spec app",
    "CompanyName": "Example Co",
    "Description": "Validated against the OpenAPI document",
    "HomepageUrl": "https://example.com/",
    "AuthorizeRedirectUrl": "https://example.com/authorize",
    "DeauthorizeCallbackUrl": "https://example.com/deauthorize",
    "DeauthorizeCallbackMethod": "POST",
    "Permissions": ["get-all", "post-all"],
}


@cache
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return document


def pointer(*parts: str) -> str:
    """A JSON pointer into the document (``/`` in path names escaped as ``~1``)."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def response_pointer(path: str, method: str) -> str:
    return pointer("paths", path, method, "responses", "200", "content", "application/json", "schema")


def resolve(ptr: str) -> Any:
    node: Any = spec()
    for part in ptr.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@cache
def validator(ptr: str) -> OAS30Validator:
    """A validator for the schema at ``ptr``, its ``$ref``s resolved against the whole document."""
    return schema_validator(spec(), SPEC_URI, ptr)


def schema_keys(ptr: str) -> set[str]:
    schema = resolve(ptr)
    if "$ref" in schema:
        schema = resolve(schema["$ref"].removeprefix("#"))
    return set(schema["properties"])


def assert_instance(body: dict[str, Any], ptr: str) -> None:
    validator(ptr).validate(body)
    assert set(body) == schema_keys(ptr)


def assert_list(body: dict[str, Any]) -> None:
    assert_instance(body, response_pointer(LIST, "get"))
    for app in body["connect_apps"]:
        assert_instance(app, APP_SCHEMA)


def ok(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def list_path(account: Account) -> str:
    return LIST.replace("{AccountSid}", account.sid)


def app_path(account: Account, sid: str) -> str:
    return INSTANCE.replace("{AccountSid}", account.sid).replace("{Sid}", sid)


# --- the validator itself is not vacuous -------------------------------------------------------------------------


def example(path: str, method: str, name: str) -> dict[str, Any]:
    content = spec()["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    value: dict[str, Any] = content["examples"][name]["value"]
    return value


def test_spec_examples_validate() -> None:
    assert_list(example(LIST, "get", "readFull"))
    assert_list(example(LIST, "get", "readEmpty"))
    assert_instance(example(INSTANCE, "get", "fetch"), response_pointer(INSTANCE, "get"))


@pytest.mark.parametrize(
    ("key", "value"),
    [("permissions", ["read-all"]), ("sid", "XX" + "a" * 32), ("deauthorize_callback_method", "PUT"),
     ("account_sid", "AC123"), ("friendly_name", 5)],
)
def test_validator_rejects_what_the_spec_forbids(key: str, value: Any) -> None:
    """Proof that the $refs resolve and the rules bite, so a pass below means something."""
    app = example(INSTANCE, "get", "fetch") | {key: value}
    with pytest.raises(ValidationError):
        validator(response_pointer(INSTANCE, "get")).validate(app)
    with pytest.raises(ValidationError):
        validator(response_pointer(LIST, "get")).validate(example(LIST, "get", "readEmpty") | {"connect_apps": [app]})


def test_our_properties_are_the_examples_properties() -> None:
    """Same 11 keys as Twilio's own sample instance."""
    assert schema_keys(APP_SCHEMA) == set(example(INSTANCE, "get", "fetch"))


# --- real responses ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [FULL, {}], ids=["full", "bare"])
def test_fetch_conforms(server: Server, fields: dict[str, Any]) -> None:
    """Also with every nullable property null."""
    owner = server.account()
    app = server.app(owner)
    if fields:
        ok(server.post(app_path(owner, app.sid), owner, data=fields))
    assert_instance(ok(server.get(app_path(owner, app.sid), owner)), response_pointer(INSTANCE, "get"))


def test_update_with_the_spec_example_conforms(server: Server) -> None:
    """The documented request example, sent as a form, gives a documented response showing it."""
    owner = server.account()
    app = server.app(owner)
    content = spec()["paths"][INSTANCE]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    form = content["examples"]["update"]["value"]
    assert set(form) == set(content["schema"]["properties"])  # the example sends every parameter
    body = ok(server.post(app_path(owner, app.sid), owner, data=form))
    assert_instance(body, response_pointer(INSTANCE, "post"))
    assert (body["friendly_name"], body["homepage_url"], body["permissions"]) == (
        form["FriendlyName"], form["HomepageUrl"], form["Permissions"],
    )


def test_update_clearing_everything_conforms(server: Server) -> None:
    owner = server.account()
    app = server.app(owner)
    ok(server.post(app_path(owner, app.sid), owner, data=FULL))
    body = ok(server.post(app_path(owner, app.sid), owner, data={name: "" for name in FULL}))
    assert_instance(body, response_pointer(INSTANCE, "post"))


def test_list_pages_conform(server: Server) -> None:
    """First, middle, last and a previous page, each a valid ListConnectAppResponse."""
    owner = server.account()
    for i in range(5):
        ok(server.post(app_path(owner, server.app(owner).sid), owner, data=FULL | {"FriendlyName": f"app {i}"}))
    page = ok(server.get(list_path(owner) + "?PageSize=2", owner))
    pages = [page]
    while page["next_page_uri"]:
        page = ok(server.get(page["next_page_uri"], owner))
        pages.append(page)
    pages.append(ok(server.get(page["previous_page_uri"], owner)))
    pages.append(ok(server.get(list_path(owner), owner)))
    assert [len(p["connect_apps"]) for p in pages] == [2, 2, 1, 2, 5]
    for body in pages:
        assert_list(body)


@pytest.mark.parametrize("query", ["", "?PageSize=50", "?Page=3&PageSize=10"], ids=["bare", "sized", "past-the-end"])
def test_empty_list_conforms(server: Server, query: str) -> None:
    owner = server.account()
    body = ok(server.get(list_path(owner) + query, owner))
    assert body["connect_apps"] == []
    assert_list(body)


# --- AuthorizedConnectApps ---------------------------------------------------------------------------------------

AUTHORIZED_LIST = "/2010-04-01/Accounts/{AccountSid}/AuthorizedConnectApps.json"
AUTHORIZED_INSTANCE = "/2010-04-01/Accounts/{AccountSid}/AuthorizedConnectApps/{ConnectAppSid}.json"


def test_authorized_connect_apps_conform(server: Server) -> None:
    from connectapps.domain import authorizations

    user = server.account("User")
    owner = server.account("Owner")
    apps = [
        server.app(owner, friendly_name=f"Authorized {n}", authorize_redirect_url="https://e.example/cb",
                   permissions=["get-all"], **({"homepage_url": "https://e.example/"} if n else {}))
        for n in range(3)
    ]
    for app in apps:
        authorizations.authorize(server.store, app, user)
    list_url = AUTHORIZED_LIST.replace("{AccountSid}", user.sid)
    for query in ("", "?PageSize=2"):
        body = ok(server.get(list_url + query, user))
        assert_instance(body, response_pointer(AUTHORIZED_LIST, "get"))
        for item in body["authorized_connect_apps"]:
            assert_instance(item, response_pointer(AUTHORIZED_INSTANCE, "get"))
    path = AUTHORIZED_INSTANCE.replace("{AccountSid}", user.sid).replace("{ConnectAppSid}", apps[0].sid)
    assert_instance(ok(server.get(path, user)), response_pointer(AUTHORIZED_INSTANCE, "get"))
    empty = server.account("Nobody")
    assert_instance(ok(server.get(AUTHORIZED_LIST.replace("{AccountSid}", empty.sid), empty)),
                    response_pointer(AUTHORIZED_LIST, "get"))
