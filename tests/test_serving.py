"""What a stranger can do to a running server without credentials: huge headers, silent connections,
and what an operator can do by mistake: start a second server on a port in use.

Each test starts its own ``connectapps serve`` (on SQLite: none of this touches storage) and reads
the worker process's memory and limits from /proc.
"""

from __future__ import annotations

import base64
import contextlib
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from connectapps import serving
from connectapps.api import base
from tests.conftest import Server, start_server, stop_server

# --- helpers -----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def running(tmp: Path, env: dict[str, str] | None = None,
            preexec_fn: Callable[[], None] | None = None) -> Iterator[Server]:
    server = start_server(f"sqlite:///{tmp / 'serving.db'}", tmp, env=env, preexec_fn=preexec_fn)
    try:
        yield server
    finally:
        stop_server(server)


def worker_pid(server: Server) -> int:
    """Granian's single worker: the server process's child."""
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


def open_files_limit(pid: int) -> int:
    """The soft ``Max open files`` of a process."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no Max open files")


def address(server: Server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def status_of(server: Server, raw: bytes) -> int:
    """Send one raw HTTP/1.1 request on a new connection; the status code answered."""
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(raw)
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, "connection closed without an answer"
            head += chunk
    return int(head.split(b" ", 2)[1])


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# --- 6: huge Authorization headers --------------------------------------------------------------------------------


def test_distinct_huge_authorization_headers_leave_a_workers_memory_alone(tmp_path: Path) -> None:
    """The report: 600 requests with distinct 400 KB Authorization headers took a worker from 59 MB to
    452 MB, for good. Now the HTTP server refuses headers over 64 KiB (431) before Python sees them,
    and headers the server admits but the API does not (over 1 KiB) are not decoded nor kept."""
    with running(tmp_path) as server:
        pid = worker_pid(server)
        assert requests.get(server.url + "/health", timeout=10).status_code == 200
        before = rss_mb(pid)
        answers: dict[int, int] = {}
        for i in range(600):
            header = basic(f"AC{i:032x}", "x" * 300_000)  # 400,054 bytes, a different one each time
            raw = f"GET /2010-04-01/Accounts/AC{i:032x}.json HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n\r\n"
            status = status_of(server, raw.encode())
            answers[status] = answers.get(status, 0) + 1
        for i in range(600):  # the largest the server admits: answered as unreadable credentials
            header = basic(f"AC{i:032x}", "y" * (serving.HEADER_LIMIT // 2))
            raw = f"GET /2010-04-01/Accounts/AC{i:032x}.json HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n\r\n"
            status = status_of(server, raw.encode())
            answers[status] = answers.get(status, 0) + 1
        after = rss_mb(pid)
        assert set(answers) <= {401, 431} and answers.get(401) == 600, answers
        assert after - before < 50, f"worker RSS grew from {before} MB to {after} MB"


def test_only_plausible_credentials_are_memoised_and_the_memo_is_bounded() -> None:
    base._decoded.clear()
    token = "0" * 32
    for i in range(base.MEMO_MAX + 500):
        assert base.basic_credentials(basic(f"AC{i:032x}", token)) == (f"AC{i:032x}", token)
    assert len(base._decoded) == base.MEMO_MAX
    base._decoded.clear()
    junk = [basic("someone", "pw"), basic("AC" + "0" * 32, "t" * 65), basic("AC" + "0" * 31, "pw")]
    for header in junk:
        assert base.basic_credentials(header) is not None
    too_long = basic("AC" + "0" * 32, "z" * base.AUTHORIZATION_MAX)
    assert base.basic_credentials(too_long) is None
    assert base._decoded == {}


def test_an_authorization_header_over_1_kib_is_401_unreadable(server: Server) -> None:
    account = server.account()
    header = basic(account.sid, account.auth_token + " " * base.AUTHORIZATION_MAX)
    resp = requests.get(f"{server.url}/2010-04-01/Accounts/{account.sid}.json", headers={"Authorization": header},
                        timeout=10)
    assert (resp.status_code, resp.json()["code"]) == (401, 20003)
    assert resp.json()["message"] == base.NO_CREDENTIALS


# --- 7: silent connections ---------------------------------------------------------------------------------------


def silent_connections(server: Server, count: int) -> list[socket.socket]:
    return [socket.create_connection(address(server), timeout=5) for _ in range(count)]


def lower_open_files(soft: int, hard: int) -> Callable[[], None]:
    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return lower


def test_the_soft_open_files_limit_is_raised_to_the_hard_one(tmp_path: Path) -> None:
    """Started with a soft limit of 256 (hard 4096), 300 silent connections no longer starve /health."""
    with running(tmp_path, preexec_fn=lower_open_files(256, 4096)) as server:
        assert open_files_limit(worker_pid(server)) == 4096
        held = silent_connections(server, 300)
        try:
            assert requests.get(server.url + "/health", timeout=1).status_code == 200
        finally:
            for sock in held:
                sock.close()


def test_silent_connections_are_closed_at_the_first_byte_deadline(tmp_path: Path) -> None:
    """With a hard limit of 256, 300 connections that send nothing fill every descriptor; they are
    closed two seconds after they connect, and /health answers (each try given 1 s) again."""
    env = {serving.FIRST_BYTE_ENV: "2"}
    with running(tmp_path, env=env, preexec_fn=lower_open_files(256, 256)) as server:
        talking = socket.create_connection(address(server), timeout=10)
        talking.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert talking.recv(4096).startswith(b"HTTP/1.1 200")
        held = silent_connections(server, 300)
        try:
            deadline = time.monotonic() + 30
            answered = False
            while not answered and time.monotonic() < deadline:
                with contextlib.suppress(requests.RequestException):
                    answered = requests.get(server.url + "/health", timeout=1).status_code == 200
            assert answered, "/health did not answer within 1 s in 30 s of tries"
            for sock in held:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                assert sock.recv(1) == b"", "a silent connection was left open"
            # A connection that has spoken is left to the HTTP server's own timeouts.
            talking.settimeout(0.5)
            with pytest.raises(TimeoutError):
                talking.recv(1)
        finally:
            for sock in held:
                sock.close()
            talking.close()


def test_the_first_byte_timeout_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(serving.FIRST_BYTE_ENV, raising=False)
    assert serving.first_byte_timeout() == serving.DEFAULT_FIRST_BYTE_TIMEOUT
    monkeypatch.setenv(serving.FIRST_BYTE_ENV, "0")
    assert serving.first_byte_timeout() == 0
    monkeypatch.setenv(serving.FIRST_BYTE_ENV, "-1")
    with pytest.raises(ValueError, match=serving.FIRST_BYTE_ENV):
        serving.first_byte_timeout()


# --- 8: a port in use --------------------------------------------------------------------------------------------


def test_serve_refuses_a_port_in_use(server: Server, tmp_path: Path) -> None:
    host, port = address(server)
    second = subprocess.run(
        [sys.executable, "-m", "connectapps", "serve", "--port", str(port), "--database",
         f"sqlite:///{tmp_path / 'second.db'}"],
        capture_output=True, text=True, timeout=30,
    )
    assert second.returncode != 0
    assert second.stderr.strip() == (
        f"error: {host}:{port} is already in use; stop the server there or choose another --port"
    )
    assert requests.get(server.url + "/health", timeout=10).status_code == 200


def test_workers_forked_after_the_preload_inherit_the_specs_contract(tmp_path: Path) -> None:
    """``serve`` builds the spec's contract once, before Granian forks its workers (app.preload), then drops
    the parsed spec: a worker builds its app without parsing the spec again, and the collector never walks
    what it inherited."""
    url = f"sqlite:///{tmp_path / 'preload.db'}"
    script = f"""
import gc, os
from connectapps import app
from connectapps.api.resources import openapi
from connectapps.domain.resources import spec
from connectapps.domain.resources.contract import contract
from connectapps.store import open_store
store = open_store({url!r}, create=True)
store.migrate()
store.close()
app.preload()
print(contract.cache_info().misses, gc.get_freeze_count() > 0, spec.document.cache_info().currsize)
pid = os.fork()
if pid == 0:  # a worker, as Granian forks it
    os.environ["CONNECTAPPS_DATABASE_URL"] = {url!r}
    app.create_app_from_env()
    openapi.document()  # the first request for /openapi.json
    os._exit(10 * spec.document.cache_info().currsize + contract.cache_info().misses)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    # built once, in the serving process, which then let the parsed spec go; the worker parsed nothing, not
    # even for /openapi.json
    assert done.stdout.split() == ["1", "True", "0", "1"]


def test_the_preload_gives_the_heaps_free_pages_back() -> None:
    """What preload built and let go lies in the C heap below what it keeps, where glibc does not give it
    back by itself; resident, every worker forked from the server would hold it too (app.give_back_free_heap)."""
    script = """
from connectapps import app

def anonymous_kib():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("RssAnon:"))

blocks = [bytearray(64 * 1024) for _ in range(128)]  # 8 MiB of the heap, each page written
kept = bytearray(64 * 1024)  # above them: freed, they are not the heap's top, which free() trims
del blocks
before = anonymous_kib()
app.give_back_free_heap()
print(before - anonymous_kib())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 6 * 1024  # KiB given back, of the 8 MiB freed
