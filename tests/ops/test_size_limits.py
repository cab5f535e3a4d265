"""The URL bound: a request whose path and query exceed ``URL_MAX`` bytes is refused before routing, with
Twilio's envelope on the API and a page on the web paths; one at the bound is read as usual.
(The body's 1 MiB bound: tests/api/test_connect_apps_bodies.py; the headers' 64 KiB: tests/test_serving.py.)"""

from connectapps.app import URL_MAX
from tests.conftest import Server
from tests.envelope import assert_error


def test_a_url_over_the_bound_is_414_with_the_envelope(server: Server) -> None:
    account = server.account("Long URLs")
    path = f"/2010-04-01/Accounts/{account.sid}/ConnectApps.json"
    at_bound = f"{path}?PageSize=5&x={'a' * (URL_MAX - len(path) - len('?PageSize=5&x='))}"
    assert len(at_bound) == URL_MAX
    assert server.get(at_bound, account).status_code == 200
    over = at_bound + "a"
    resp = server.get(over, account)
    assert_error(resp, 414, 20001, f"The request URL is {URL_MAX + 1} bytes long; at most {URL_MAX} are read")
    assert resp.headers["Twilio-Request-Id"].startswith("RQ")
    assert server.post(over, account, data={"FriendlyName": "x"}).status_code == 414


def test_a_web_url_over_the_bound_is_a_414_page(server: Server) -> None:
    resp = server.get(f"/signin?next=/{'a' * URL_MAX}")
    assert resp.status_code == 414
    assert resp.headers["Content-Type"].startswith("text/html") and "Address too long" in resp.text
