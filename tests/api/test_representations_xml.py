"""Twilio's default representation, XML, read back with a real XML parser (defusedxml) over HTTP: a resource URL
without an extension or with ``.xml`` answers ``<TwilioResponse>`` as Twilio renders it."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import pytest
import requests

from connectapps.domain.models import Account
from connectapps.wire.representations import list_key
from tests.conftest import Server

XML = "application/xml; charset=utf-8"
FULL = {
    "FriendlyName": "Call <Tracker> & Co", "CompanyName": "Example Co", "HomepageUrl": "https://example.com/?a=1&b=2",
    "AuthorizeRedirectUrl": "https://example.com/cb", "Permissions": ["get-all", "post-all"],
}


def parse(resp: requests.Response, status: int = 200) -> Element:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == XML
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root: Element = SafeET.fromstring(resp.content)
    assert root.tag == "TwilioResponse" and len(root) == 1
    return root[0]


def pascal(key: str) -> str:
    return "".join(word.capitalize() for word in key.split("_"))


def extensionless(value: str) -> str:
    return re.sub(r"\.json(?=\?|$)", "", value)


def assert_same(node: Element, body: dict[str, Any]) -> None:
    """Every JSON property is the element of its PascalCase name, in the same order, with the same value:
    null empty, arrays one child per item, objects by key, URIs without ``.json``."""
    assert [child.tag for child in node] == [pascal(key) for key in body], node.tag
    for child, (key, value) in zip(node, body.items(), strict=True):
        if value is None:
            assert child.text is None and len(child) == 0, key
        elif isinstance(value, list):
            assert [item.text for item in child] == value, key
            assert {item.tag for item in child} <= {child.tag[:-1]}, key  # Permissions/Permission
        elif isinstance(value, dict):
            assert {item.tag: item.text for item in child} == {pascal(k): extensionless(v) for k, v in value.items()}
        elif isinstance(value, bool):
            assert child.text == str(value).lower(), key
        elif key.endswith("uri"):
            assert child.text == extensionless(value), key
        else:
            assert child.text == str(value), key


def app_path(account: Account, sid: str, extension: str = "") -> str:
    return f"/2010-04-01/Accounts/{account.sid}/ConnectApps/{sid}{extension}"


@pytest.mark.parametrize("extension", ["", ".xml"], ids=["bare", "xml"])
def test_a_connect_app_as_xml(server: Server, extension: str) -> None:
    owner = server.account()
    app = server.app(owner)
    json_body = server.post(app_path(owner, app.sid, ".json"), owner, data=FULL).json()
    node = parse(server.get(app_path(owner, app.sid, extension), owner))
    assert node.tag == "ConnectApp"
    assert_same(node, json_body)
    assert node.findtext("FriendlyName") == "Call <Tracker> & Co"  # escaped on the wire, read back whole
    assert [p.text for p in node.iter("Permission")] == ["get-all", "post-all"]
    assert node.findtext("Uri") == app_path(owner, app.sid)
    assert node.find("Description") is not None and node.findtext("Description") == ""


def test_an_update_in_xml_answers_the_updated_app(server: Server) -> None:
    owner = server.account()
    app = server.app(owner)
    node = parse(server.post(app_path(owner, app.sid), owner, data={"FriendlyName": "Renamed"}))
    assert (node.tag, node.findtext("FriendlyName")) == ("ConnectApp", "Renamed")
    assert server.get(app_path(owner, app.sid, ".json"), owner).json()["friendly_name"] == "Renamed"


def test_a_list_carries_its_paging_as_attributes_and_pages_follow(server: Server) -> None:
    owner = server.account()
    for n in range(3):
        server.app(owner, friendly_name=f"app {n}")
    base = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps"
    first = parse(server.get(base + "?PageSize=2", owner))
    json_first = server.get(base + ".json?PageSize=2", owner).json()
    assert first.tag == "ConnectApps" and [child.tag for child in first] == ["ConnectApp"] * 2
    assert list(first.attrib) == ["page", "pagesize", "start", "end", "uri", "firstpageuri", "previouspageuri",
                                  "nextpageuri"]
    assert first.attrib == {
        "page": "0", "pagesize": "2", "start": "0", "end": "1", "uri": base + "?PageSize=2&Page=0",
        "firstpageuri": base + "?Page=0&PageSize=2", "previouspageuri": "",
        "nextpageuri": extensionless(json_first["next_page_uri"]),
    }
    for node, item in zip(first, json_first["connect_apps"], strict=True):
        assert_same(node, item)
    second = parse(server.get(first.attrib["nextpageuri"], owner))  # an XML page links XML pages
    assert [child.findtext("Sid") for child in second] == [
        a["sid"] for a in server.get(json_first["next_page_uri"], owner).json()["connect_apps"]
    ]
    assert (second.attrib["start"], second.attrib["end"], second.attrib["nextpageuri"]) == ("2", "2", "")
    assert parse(server.get(second.attrib["previouspageuri"], owner)).attrib["page"] == "0"


def test_an_empty_list_is_an_empty_element(server: Server) -> None:
    owner = server.account()
    node = parse(server.get(f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.xml", owner))
    assert (node.tag, len(node), node.attrib["start"], node.attrib["end"]) == ("ConnectApps", 0, "0", "0")


def test_accounts_and_authorized_connect_apps_as_xml(server: Server) -> None:
    from connectapps.domain import authorizations

    main = server.account("Main")
    sub = server.account("Sub", owner=main)
    node = parse(server.get(f"/2010-04-01/Accounts/{sub.sid}", main))
    assert node.tag == "Account"
    assert_same(node, server.get(f"/2010-04-01/Accounts/{sub.sid}.json", main).json())
    uris = node.find("SubresourceUris")
    assert uris is not None and len(uris) == 20
    assert uris.findtext("ConnectApps") == f"/2010-04-01/Accounts/{sub.sid}/ConnectApps"
    listed = parse(server.get("/2010-04-01/Accounts.xml", main))
    assert listed.tag == "Accounts" and {a.findtext("Sid") for a in listed} == {main.sid, sub.sid}
    owner = server.account("Owner")
    app = server.app(owner, friendly_name="Tracker", authorize_redirect_url="https://e.example/cb",
                     permissions=["get-all"])
    authorizations.authorize(server.store, app, main)
    authorized = parse(server.get(f"/2010-04-01/Accounts/{main.sid}/AuthorizedConnectApps", main))
    assert authorized.tag == "AuthorizedConnectApps"
    assert [a.tag for a in authorized] == ["AuthorizedConnectApp"]
    assert authorized[0].findtext("ConnectAppFriendlyName") == "Tracker"


def test_spec_driven_resources_as_xml(server: Server) -> None:
    account = server.account()
    base = f"/2010-04-01/Accounts/{account.sid}"
    created = parse(server.post(f"{base}/Messages", account, data={
        "To": "+15005550006", "From": "+15005550001", "Body": "hi & bye",
    }), 201)
    assert created.tag == "Message" and created.findtext("Body") == "hi & bye"
    sid = created.findtext("Sid")
    assert sid is not None
    json_body = server.get(f"{base}/Messages/{sid}.json", account).json()
    assert_same(parse(server.get(f"{base}/Messages/{sid}.xml", account)), json_body)
    listed = parse(server.get(f"{base}/Messages", account))
    assert listed.tag == "Messages" and [m.findtext("Sid") for m in listed] == [sid]
    assert parse(server.get(f"{base}/Balance", account)).tag == "Balance"
    countries = parse(server.get(f"{base}/AvailablePhoneNumbers", account))
    assert countries.tag == "Countries" and list(countries.attrib) == ["uri"]
    assert {c.tag for c in countries} <= {"Country"}
    deleted = server.request("DELETE", f"{base}/Messages/{sid}", account)
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_head_in_xml_has_the_length_of_get(server: Server) -> None:
    owner = server.account()
    path = f"/2010-04-01/Accounts/{owner.sid}"
    get = server.get(path, owner)
    head = server.request("HEAD", path, owner)
    assert (head.status_code, head.content, head.headers["Content-Type"]) == (200, b"", XML)
    assert head.headers["Content-Length"] == str(len(get.content))


# --- errors: <RestException> ------------------------------------------------------------------------------------


def assert_rest_exception(resp: requests.Response, status: int, code: int, message: str) -> None:
    node = parse(resp, status)
    assert node.tag == "RestException"
    assert [(child.tag, child.text) for child in node] == [
        ("Status", str(status)), ("Message", message), ("Code", str(code)),
        ("MoreInfo", f"https://www.twilio.com/docs/errors/{code}"),
    ]


@pytest.mark.parametrize("extension", ["", ".xml", ".csv"], ids=["bare", "xml", "csv"])
def test_errors_are_rest_exceptions(server: Server, extension: str) -> None:
    owner = server.account()
    app = server.app(owner)
    missing = app_path(owner, "CN" + "0" * 32, extension)
    assert_rest_exception(server.get(missing, owner), 404, 20404, f"The requested resource {missing} was not found")
    anonymous = requests.get(server.url + app_path(owner, app.sid, extension), timeout=10)
    assert_rest_exception(anonymous, 401, 20003, "Authentication Error - No credentials provided")
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    bad = server.post(app_path(owner, app.sid, extension), owner, data={"HomepageUrl": "ftp://x"})
    assert_rest_exception(bad, 400, 21502, "HomepageUrl is not a valid URL: ftp://x")
    refused = server.request("DELETE", app_path(owner, app.sid, extension), owner)
    assert_rest_exception(refused, 405, 20004,
                          f"Method not allowed: DELETE is not supported on {app_path(owner, app.sid, extension)}")
    assert refused.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


@pytest.mark.parametrize("path", ["/2010-04-01/Nope", "/2010-04-01/Accounts/AC1/Nope.xml"])
def test_unknown_paths_in_xml(server: Server, path: str) -> None:
    assert_rest_exception(requests.get(server.url + path, timeout=10), 404, 20404,
                          f"The requested resource {path} was not found")


@pytest.mark.parametrize("suffix", [".html", ".json.xml", "/", ".xml/"])
def test_other_extensions_are_not_representations(server: Server, suffix: str) -> None:
    owner = server.account()
    resp = server.get(f"/2010-04-01/Accounts/{owner.sid}{suffix}", owner)
    assert resp.status_code == 404


def test_every_account_level_list_parses_in_xml_and_csv(server: Server) -> None:
    """Whatever the engine answers is renderable: every list the account itself has (no parent in the path)."""
    import csv
    import io

    import falcon.inspect

    from connectapps.app import create_app

    account = server.account()
    templates = [route.path for route in falcon.inspect.inspect_routes(create_app(server.store))]
    lists = [t.replace("{account_sid}", account.sid).removesuffix(".json") for t in templates
             if t.startswith("/2010-04-01/Accounts/{account_sid}/") and "{p" not in t and "{sid}" not in t]
    assert len(lists) > 20
    rendered = []
    for path in lists:
        as_json = server.get(path + ".json", account)
        if as_json.status_code != 200:
            continue  # a path only created on (POST), or refused: its error is a RestException, tested above
        node = parse(server.get(path, account))
        if list_key(as_json.json()) is None:  # a singleton (Balance)
            assert_same(node, as_json.json())
        else:
            assert node.attrib["uri"].startswith(path), path
        table = list(csv.reader(io.StringIO(server.get(path + ".csv", account).text, newline="")))
        assert table and table[0], path
        rendered.append(path)
    assert len(rendered) >= 20, rendered
