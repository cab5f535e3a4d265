"""``GET /openapi.json``: one document, built once, held gzipped in every worker, and sent gzipped to a
client that takes gzip (requests, browsers, ``curl --compressed``), so that neither side spends the ~2 ms a
decompression costs; any other client gets the same JSON as it is."""

import gzip
import json

import pytest
import requests

from connectapps.wire.compressed import ACCEPT_ENCODING_MAX, KeptCompressed, accepts_gzip
from tests.conftest import Server


def test_a_kept_document_is_built_once_held_compressed_and_given_whole() -> None:
    built: list[bytes] = []

    def build() -> bytes:
        built.append(json.dumps({"paths": {f"/{n}": {"get": {"operationId": f"Op{n}"}} for n in range(5_000)}})
                     .encode())
        return built[-1]

    document = KeptCompressed(build)
    first, second = document(), document()
    assert first == second == built[0] and len(built) == 1
    held = document.compressed()
    assert gzip.decompress(held) == built[0] and len(held) < len(built[0]) / 4
    assert held[4:8] == b"\0\0\0\0"  # no time stamp: the same bytes from every build and every worker


@pytest.mark.parametrize(("header", "takes"), [
    ("gzip", True),
    ("gzip, deflate, br, zstd", True),  # requests, with brotli and zstandard installed
    ("GZip;Q=0.5", True),
    ("x-gzip", True),
    ("deflate, gzip;q=1.0, *;q=0.5", True),
    ("*", True),
    ("br;q=1, *;q=0.1", True),
    (None, False),
    ("", False),
    ("identity", False),
    ("deflate, br", False),
    ("gzip;q=0", False),
    ("gzip; q=0.000", False),
    ("*;q=1, gzip;q=0", False),  # named beats the wildcard
    ("*;q=0", False),
    ("gzip;q=2", False),  # not a qvalue: what the client can decode is unknown, so nothing is assumed
    ("gzip;q=0.5000", False),
    ("gzip;level=9", False),
])
def test_accept_encoding_takes_gzip_only_with_a_weight_above_zero(header: str | None, takes: bool) -> None:
    assert accepts_gzip(header) is takes


def test_an_accept_encoding_longer_than_the_bound_is_not_read() -> None:
    """A stranger's 64 KiB of codings would cost milliseconds to weigh: past the bound, the JSON as it is."""
    longest = "gzip" + " " * (ACCEPT_ENCODING_MAX - 4)
    assert accepts_gzip(longest) and not accepts_gzip(longest + " ")
    assert not accepts_gzip("gzip," * 13_000)


def fetch(server: Server, method: str, accept_encoding: str) -> tuple[requests.Response, bytes]:
    """The answer and its body exactly as sent (requests would otherwise decode it)."""
    resp = requests.request(method, server.url + "/openapi.json", headers={"Accept-Encoding": accept_encoding},
                            stream=True, timeout=10)
    return resp, resp.raw.read(decode_content=False)


def test_a_client_that_takes_gzip_gets_the_kept_bytes_as_they_are(server: Server) -> None:
    plain, body = fetch(server, "GET", "identity")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding"  # a cache must keep the two answers apart
    assert plain.headers["Content-Type"].startswith("application/json")
    assert int(plain.headers["Content-Length"]) == len(body) > 500_000

    zipped, sent = fetch(server, "GET", "gzip, deflate")
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert int(zipped.headers["Content-Length"]) == len(sent) < len(body) / 5
    assert gzip.decompress(sent) == body
    assert json.loads(body)["servers"] == [{"url": "/"}]

    head, nothing = fetch(server, "HEAD", "gzip")
    assert head.status_code == 200 and nothing == b""
    assert head.headers["Content-Encoding"] == "gzip" and head.headers["Content-Length"] == str(len(sent))


def test_a_client_that_refuses_gzip_gets_json(server: Server) -> None:
    resp, body = fetch(server, "GET", "gzip;q=0, identity")
    assert "Content-Encoding" not in resp.headers and json.loads(body)["openapi"].startswith("3.")
