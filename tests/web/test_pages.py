"""The one place a web page's failure or redirect becomes an answer (web/pages.py), in process."""

import io

import falcon
import falcon.testing

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


def test_a_web_500_logs_its_traceback_as_the_api_does() -> None:
    log = io.StringIO()
    resp = _client().simulate_get("/broken", wsgierrors=log)
    assert resp.status_code == 500 and "Something went wrong" in resp.text
    assert "unhandled error on GET /broken:\nTraceback (most recent call last):" in log.getvalue()
    assert "RuntimeError: a bug in a page" in log.getvalue()


def test_see_other_is_a_303_with_the_security_headers() -> None:
    resp = _client().simulate_get("/elsewhere")
    assert (resp.status_code, resp.headers["Location"]) == (303, "/signin?next=%2Fconsole")
    assert resp.headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in resp.headers[
        "Content-Security-Policy"]
