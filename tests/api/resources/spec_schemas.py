"""Validating answers against Twilio's whole api v2010 spec, and finding the official file.

The server ships the spec inside its package (connectapps/domain/resources/); the validators read
that copy, and ``test_the_packaged_spec_is_the_official_file`` proves it is byte for byte the file
CI keeps beside the repository (``../shared/spec/twilio_api_v2010.json``).
"""

import os
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

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


def schema_validator(spec: dict[str, Any], uri: str, ptr: str) -> OAS30Validator:
    """A validator for the schema at ``ptr`` in ``spec`` (OAS 3.0: ``nullable``, enums, SID patterns),
    its ``$ref``s resolved against the whole document, known as ``uri``."""
    registry: Registry[Any] = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT4))
    return OAS30Validator(
        {"$ref": f"{uri}#{quote(ptr, safe='/~')}"}, registry=registry, format_checker=oas30_format_checker,
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
