"""Validating answers against Twilio's whole api v2010 spec, and finding the official file.

The server ships the spec inside its package (connectapps/domain/resources/); the validators read
that copy, and ``test_the_packaged_spec_is_the_official_file`` proves it is byte for byte the file
CI keeps beside the repository (``../shared/spec/twilio_api_v2010.json``).
"""

import copy
import os
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from connectapps.domain.resources.spec import document

SPEC_URI = "urn:twilio-oai:api-v2010"
ROOT = Path(__file__).resolve().parents[3]
SPEC_ENV = "CONNECTAPPS_SPEC_DIR"
META = {"end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri"}


def official_spec() -> Path:
    """``shared/spec/twilio_api_v2010.json`` beside the repository (or in ``$CONNECTAPPS_SPEC_DIR``)."""
    candidates = [Path(os.environ[SPEC_ENV])] if os.environ.get(SPEC_ENV) else []
    candidates += [parent / "shared" / "spec" for parent in ROOT.parents]
    for folder in candidates:
        if (folder / "twilio_api_v2010.json").is_file():
            return folder / "twilio_api_v2010.json"
    raise FileNotFoundError(f"twilio_api_v2010.json not found in {[str(c) for c in candidates]}")


def pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def response_pointer(path: str, method: str, status: int) -> str:
    return pointer("paths", path, method.lower(), "responses", str(status), "content", "application/json", "schema")


def resolve(ptr: str) -> Any:
    node: Any = document()
    for part in ptr.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    while "$ref" in node:
        node = resolve(node["$ref"].removeprefix("#"))
    return node


# The one known deviation of Twilio's own answers from its spec: these properties are declared
# ``format: uri`` (absolute), but Twilio answers them host-relative (``/2010-04-01/Accounts/AC….json``), as the
# documentation's samples and every SDK's paging show (the SDKs prepend their base URL). They are checked as
# ``uri-reference``; every other ``format: uri`` (callback URLs, ``more_info``…) stays absolute.
HOST_RELATIVE = frozenset({"uri", "first_page_uri", "next_page_uri", "previous_page_uri"})
# Twilio's dates: RFC 2822 in GMT, as render.date writes them (``Fri, 20 Aug 2010 01:13:42 +0000``).
RFC_2822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (0[1-9]|[12][0-9]|3[01]) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] \+0000\Z"
)


def _format_checker() -> FormatChecker:
    """OAS 3.0's checker, plus Twilio's own formats that the answers' correctness depends on. Without
    ``rfc3986-validator`` jsonschema silently skips ``uri``: refuse to run without it."""
    checker = copy.deepcopy(oas30_format_checker)
    for needed in ("uri", "uri-reference", "date-time"):
        if needed not in checker.checkers:
            raise RuntimeError(f"jsonschema cannot check format {needed!r}: install the test dependencies")

    def rfc_2822(value: object) -> bool:
        return not isinstance(value, str) or RFC_2822.match(value) is not None

    def uri_map(value: object) -> bool:
        """``subresource_uris``: host-relative URIs by name, as ``uri`` above."""
        return not isinstance(value, dict) or all(
            isinstance(v, str) and v.startswith("/") and checker.conforms(v, "uri-reference") for v in value.values()
        )

    checker.checks("date-time-rfc-2822")(rfc_2822)
    checker.checks("uri-map")(uri_map)
    return checker


FORMAT_CHECKER = _format_checker()


def host_relative(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the HOST_RELATIVE properties read as ``format: uri-reference``, and nothing else changed."""
    def relax(node: Any, name: str = "") -> Any:
        if isinstance(node, dict):
            node = {key: relax(value, key) for key, value in node.items()}
            if name in HOST_RELATIVE and node.get("format") == "uri":
                node["format"] = "uri-reference"
            return node
        if isinstance(node, list):
            return [relax(item) for item in node]
        return node

    relaxed: dict[str, Any] = relax(spec)
    return relaxed


_relaxed: dict[int, dict[str, Any]] = {}  # by the (cached, never freed) spec document it relaxes


def schema_validator(spec: dict[str, Any], uri: str, ptr: str) -> OAS30Validator:
    """A validator for the schema at ``ptr`` in ``spec`` (OAS 3.0: ``nullable``, enums, SID patterns,
    formats), its ``$ref``s resolved against the whole document, known as ``uri``."""
    relaxed = _relaxed.get(id(spec))
    if relaxed is None:
        relaxed = _relaxed[id(spec)] = host_relative(spec)
    contents = Resource.from_contents(relaxed, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(uri, contents)
    return OAS30Validator(
        {"$ref": f"{uri}#{quote(ptr, safe='/~')}"}, registry=registry, format_checker=FORMAT_CHECKER,
    )


@cache
def validator(ptr: str) -> OAS30Validator:
    return schema_validator(document(), SPEC_URI, ptr)


def assert_answer(body: dict[str, Any], path: str, method: str, status: int) -> None:
    """``body`` validates against the operation's success schema, with exactly its keys (a list: the
    envelope's, and each item exactly the item schema's)."""
    ptr = response_pointer(path, method, status)
    validator(ptr).validate(body)
    schema = resolve(ptr)
    assert set(body) == set(schema["properties"]), set(body) ^ set(schema["properties"])
    if "first_page_uri" not in schema["properties"]:
        return
    for key in set(body) - META:
        prop = schema["properties"][key]
        if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
            item_keys = set(resolve(prop["items"]["$ref"].removeprefix("#"))["properties"])
            for item in body[key]:
                assert set(item) == item_keys, set(item) ^ item_keys
