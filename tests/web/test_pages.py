"""The one place a web page's failure or redirect becomes an answer (web/pages.py), in process."""

import logging

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
