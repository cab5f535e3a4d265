"""Issue 8, part 3: the egress policy. Callbacks reach public addresses only, unless the operator
allows more; every spelling of an inward address is refused before any packet is sent; the
connection goes to the address that was checked; TLS keeps the URL's host name.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest

from connectapps.delivery import sender
from connectapps.delivery.egress import Policy, kind
from tests.receiver import Receiver, receiving

TOKEN = "t" * 32
# Every way the issue found to write "this machine", and then some.
LOOPBACK_SPELLINGS = [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "0", "0.0.0.0",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::1]", "[::]", "localhost", "LocalHost",
]


@pytest.fixture
def listener() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def inward() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_this_machine_is_refused_without_a_request(inward: Receiver, host: str) -> None:
    outcome = sender.send(f"http://{host}:{_port(inward)}/inward", "POST", {}, TOKEN, 2, Policy())
    assert (outcome.status_code, outcome.error, outcome.final) == (None, sender.REFUSED, True)
    assert inward.requests == []


@pytest.mark.parametrize(("address", "expected"), [
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("::ffff:169.254.169.254", "link-local"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("100.64.0.1", "private"),
    ("fd00::1", "private"), ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("192.0.2.1", "reserved"),
    ("2001:db8::1", "reserved"), ("64:ff9b::a00:1", "reserved"), ("2002:7f00:1::1", "reserved"),
    ("::127.0.0.1", "reserved"), ("fec0::1", "reserved"), ("2001::1", "reserved"),
    ("93.184.216.34", "public"), ("8.8.8.8", "public"), ("2606:4700:4700::1111", "public"),
    ("64:ff9b::808:808", "public"), ("2002:808:808::1", "public"), ("::ffff:8.8.8.8", "public"),
])
def test_address_kinds(address: str, expected: str) -> None:
    assert kind(ip_address(address)) == expected
    assert Policy().allows_address(ip_address(address)) is (expected == "public")


def test_keywords_cidrs_names_and_star_add_to_public() -> None:
    policy = Policy.parse(" loopback , 10.1.0.0/16, hooks.example.com, *.corp.example ")
    allows = policy.allows_address
    assert allows(ip_address("127.0.0.2")) and allows(ip_address("::ffff:127.0.0.1")) and allows(ip_address("::1"))
    assert allows(ip_address("10.1.2.3")) and not allows(ip_address("10.2.0.1"))
    assert allows(ip_address("8.8.8.8"))  # public stays allowed
    assert not allows(ip_address("169.254.169.254")) and not allows(ip_address("0.0.0.0"))
    assert policy.allows_name("HOOKS.example.com.") and policy.allows_name("a.b.corp.example")
    assert not policy.allows_name("corp.example") and not policy.allows_name("evilhooks.example.com")
    private = Policy.parse("private")
    assert all(private.allows_address(ip_address(a)) for a in ("10.0.0.1", "172.31.0.1", "100.127.0.1", "fc00::1"))
    assert not private.allows_address(ip_address("127.0.0.1"))
    assert Policy.parse("169.254.169.254/32").allows_address(ip_address("169.254.169.254"))
    assert Policy.parse("*").allows_address(ip_address("169.254.169.254"))
    assert Policy.parse("").describe() == "public addresses only"
    assert Policy.parse("loopback,10.0.0.0/8,hooks.test").describe() == (
        "public addresses and loopback, 10.0.0.0/8, host names hooks.test")


@pytest.mark.parametrize("entry", ["loop back", "http://x.example", "10.0.0.0/33", "a_b.example", "*x"])
def test_an_unreadable_entry_is_a_clear_error(entry: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"CONNECTAPPS_CALLBACK_ALLOWED_HOSTS: cannot read '{entry}'")):
        Policy.parse(f"loopback,{entry}")


def test_allowing_loopback_reaches_it_and_the_host_header_is_the_urls(listener: Receiver) -> None:
    port = listener.url.rsplit(":", 1)[1]
    outcome = sender.send(f"http://127.1:{port}/ok", "POST", {}, TOKEN, 2, Policy.parse("loopback"))
    assert outcome.delivered
    (got,) = listener.requests
    assert got.headers["Host"] == f"127.1:{port}"


def test_the_connection_goes_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the first answer is allowed, any later one points inward. The sender asks
    once, checks, and connects to the address it checked — never to a second answer."""
    with receiving("127.0.0.2") as checked, receiving("127.0.0.1", _port(checked)) as inward:
        answers = iter(["127.0.0.2"])
        real = socket.getaddrinfo

        def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
            if host != "rebind.test":
                return real(host, port, *args, **kwargs)
            return real(next(answers, "127.0.0.1"), port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        url = f"http://rebind.test:{_port(checked)}/cb"
        outcome = sender.send(url, "POST", {}, TOKEN, 2, Policy.parse("127.0.0.2/32"))
        assert outcome.delivered
        assert [r.headers["Host"] for r in checked.requests] == [f"rebind.test:{_port(checked)}"]
        assert inward.requests == []
        again = sender.send(url, "POST", {}, TOKEN, 2, Policy.parse("127.0.0.2/32"))  # now it points inward
        assert again.error == sender.REFUSED and inward.requests == []


def test_https_keeps_the_host_name_for_sni_and_the_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _self_signed(tmp_path, "callback.test")
    seen: dict[str, Any] = {}
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)

    def sni(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        seen["sni"] = name

    server_tls.sni_callback = sni

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["host"] = self.headers["Host"]
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.handle_request, daemon=True).start()
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *rest, **kw: real(
        "127.0.0.1" if host == "callback.test" else host, *rest, **kw))
    client_tls = ssl.create_default_context(cafile=str(cert))
    port = server.server_address[1]
    try:
        outcome = sender.send(f"https://callback.test:{port}/cb", "POST", {}, TOKEN, 5,
                              Policy.parse("loopback"), tls=client_tls)
    finally:
        server.server_close()
    assert outcome.status_code == 204, outcome
    assert seen == {"sni": "callback.test", "host": f"callback.test:{port}"}


def test_failures_are_short_categories(listener: Receiver) -> None:
    loopback = Policy.parse("loopback")
    closed = sender.send(f"http://127.0.0.1:{_closed_port()}/x", "POST", {}, TOKEN, 2, loopback)
    assert (closed.error, closed.final) == (sender.CONNECTION_FAILED, False)
    assert "Connection refused" in closed.detail  # for the operator's log, not the tenant's
    not_tls = sender.send(f"https://127.0.0.1:{_port(listener)}/x", "POST", {}, TOKEN, 2, loopback)
    assert not_tls.error == sender.TLS_FAILED
    listener.behaviour = lambda received: (503, {})
    assert sender.send(f"{listener.url}/x", "POST", {}, TOKEN, 2, loopback).error == "HTTP 503"
    assert sender.send("ftp://example.com/x", "POST", {}, TOKEN, 2, loopback).error == sender.INVALID_URL


def _port(receiver: Receiver) -> int:
    return int(receiver.url.rsplit(":", 1)[1])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for ``name`` (its own CA), made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key
