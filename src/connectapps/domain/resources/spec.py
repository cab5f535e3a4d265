"""Twilio's own contract, shipped inside the package: the whole api v2010 OpenAPI document.

``twilio_api_v2010.json.gz`` is ``spec/json/twilio_api_v2010.json`` of github.com/twilio/twilio-oai at
commit d50069b44ea8cd23141385bdb6db48f16ff75bb5 (2026-04-14, Apache-2.0), byte for byte, gzipped
(SHA256 below, of the uncompressed file; a test compares it with the copy CI keeps beside the repo).
The server reads it once at start-up; nothing at run time depends on a file outside the package.
"""

import gzip
import hashlib
from functools import cache
from importlib import resources
from typing import Any

import orjson

SOURCE_REPOSITORY = "https://github.com/twilio/twilio-oai"
SOURCE_FILE = "spec/json/twilio_api_v2010.json"
SOURCE_COMMIT = "d50069b44ea8cd23141385bdb6db48f16ff75bb5"
SOURCE_SHA256 = "99cae87a6bb1725f71363364cbd30282a13140374b2d5f9bdd5bdfa5d4c8a6d7"
_PACKAGED = "twilio_api_v2010.json.gz"


def raw() -> bytes:
    """The official document's bytes, checked against the pinned digest. Not kept: once parsed they are
    not needed, and a worker would hold 1.9 MB of them for its whole life."""
    compressed = (resources.files(__package__) / _PACKAGED).read_bytes()
    data = gzip.decompress(compressed)
    if hashlib.sha256(data).hexdigest() != SOURCE_SHA256:
        raise RuntimeError(f"{_PACKAGED} is not the pinned twilio-oai file (SHA256 mismatch)")
    return data


@cache
def document() -> dict[str, Any]:
    """The parsed document. Shared and cached: callers must not change it. ``serve`` lets it go once what
    is made of it is built (app.preload): it holds ~3.7 MiB."""
    parsed: dict[str, Any] = orjson.loads(raw())
    return parsed
