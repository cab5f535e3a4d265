"""The one place a web page's failure or redirect becomes an answer (web/pages.py), in process."""

import logging
import subprocess
import sys
from pathlib import Path

import falcon
import falcon.testing
import pytest

from connectapps.web.pages import HtmlResource, SeeOther


class _Broken(HtmlResource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise RuntimeError("a bug in a page")


class _Elsewhere(HtmlResource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise SeeOther("/signin?next=%2Fconsole")


def _client() -> falcon.testing.TestClient:
    app = falcon.App()
    app.add_route("/broken", _Broken())
    app.add_route("/elsewhere", _Elsewhere())
    return falcon.testing.TestClient(app)


def test_a_web_500_logs_its_traceback_as_the_api_does(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="connectapps.errors"):
        resp = _client().simulate_get("/broken")
    assert resp.status_code == 500 and "Something went wrong" in resp.text
    (record,) = [r for r in caplog.records if r.name == "connectapps.errors"]
    assert record.getMessage() == "unhandled error on GET /broken"
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert "Traceback (most recent call last):" in caplog.text and "RuntimeError: a bug in a page" in caplog.text


def test_see_other_is_a_303_with_the_security_headers() -> None:
    resp = _client().simulate_get("/elsewhere")
    assert (resp.status_code, resp.headers["Location"]) == (303, "/signin?next=%2Fconsole")
    assert resp.headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in resp.headers[
        "Content-Security-Policy"]


def test_a_worker_that_answers_only_the_api_never_imports_jinja2(tmp_path: Path) -> None:
    """Jinja2 and the templates' environment come with the first page (1.8 MB of a worker's RSS,
    docs/benchmarks.md): building the app and answering the API leave them out; a page brings them in."""
    script = f"""
import sys
import falcon.testing
from connectapps.app import create_app
from connectapps.store import open_store
store = open_store({f"sqlite:///{tmp_path / 'lazy.db'}"!r})
store.migrate()
client = falcon.testing.TestClient(create_app(store))
assert client.simulate_get("/2010-04-01/Accounts.json").status_code == 401
assert client.simulate_get("/health").status_code == 200
print("jinja2" in sys.modules)
assert client.simulate_get("/signin").status_code == 200
print("jinja2" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
