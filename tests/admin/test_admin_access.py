"""The admin API is off by default, and with a token is reached only with that token as a Bearer:
never with account credentials. ``serve`` refuses an admin API it could not keep safe or exact."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.admin.conftest import TOKEN, AdminServer
from tests.conftest import Server, start_server, stop_server
from tests.envelope import assert_error
from tests.seeding.seeds import OWNER, OWNER_TOKEN


def test_off_by_default(server: Server) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        answer = server.request("POST", "/__admin/reset", headers=headers)
        assert_error(answer, 404, 20404)


@pytest.mark.parametrize("header", [
    None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"bearer {TOKEN}", TOKEN, f"Basic {TOKEN}",
])
def test_unreachable_without_its_token(admin: AdminServer, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = admin.admin("GET", "requests", token=None, headers=headers)
    assert_error(answer, 401, 20003)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_account_credentials_never_open_it(admin: AdminServer) -> None:
    for method, path in (("GET", "requests"), ("POST", "reset"), ("GET", "snapshots")):
        answer = admin.admin(method, path, token=None, auth=(OWNER, OWNER_TOKEN))
        assert answer.status_code == 401, (method, path)
    assert admin.admin("GET", "requests").status_code == 200


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "connectapps", "serve", "--port", "1", "--database",
                           "sqlite:///never-created.db", *args], capture_output=True, text=True, timeout=60,
                          check=False, env={"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(("args", "message"), [
    (("--admin", "--host", "0.0.0.0"), "the admin API needs --admin-token"),
    (("--admin-token", "short", "--host", "0.0.0.0"), "an admin token must be at least 16 characters"),
    (("--admin-token", TOKEN, "--workers", "2"), "serve it with --workers 1"),
    (("--random-seed", "x", "--workers", "2"), "--random-seed needs --workers 1"),
])
def test_serve_refuses_an_admin_api_it_cannot_keep(args: tuple[str, ...], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_described_in_the_served_openapi_only_when_on(admin: AdminServer, server: Server) -> None:
    resp = requests.get(f"{admin.url}/openapi.json", timeout=10)
    assert resp.headers["Content-Encoding"] == "gzip"  # kept and sent as /openapi.json is (tests/api/test_openapi.py)
    document = resp.json()
    assert document["components"]["securitySchemes"]["connectappsAdmin"]["scheme"] == "bearer"
    routes = {(path, method) for path, item in document["paths"].items() for method in item if method != "parameters"}
    assert {("/__admin/reset", "post"), ("/__admin/authorize", "post"), ("/__admin/faults", "post"),
            ("/__admin/requests", "delete"), ("/__admin/snapshots/{name}/restore", "post")} <= routes
    assert any(path.startswith("/2010-04-01/") for path in document["paths"])  # Twilio's, still
    plain = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert not any(path.startswith("/__admin") for path in plain["paths"])


def test_admin_on_loopback_makes_and_prints_a_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    srv = start_server(url, tmp_path, "--admin")
    try:
        (token,) = re.findall(r"/__admin/ with Authorization: Bearer (\S+)", srv.log.read_text())
        assert len(token) >= 32
        assert requests.get(f"{srv.url}/__admin/requests", headers={"Authorization": f"Bearer {token}"},
                            timeout=10).status_code == 200
        assert requests.get(f"{srv.url}/__admin/requests", timeout=10).status_code == 401
    finally:
        stop_server(srv)
