"""The demo path: the official client fetches an app from a running server."""

from tests.conftest import Server


def test_official_client_fetches_a_connect_app(server: Server) -> None:
    owner = server.account("Owner")
    app = server.app(owner, friendly_name="Smoke", permissions=["get-all"])
    fetched = server.client(owner).api.v2010.account.connect_apps(app.sid).fetch()
    assert fetched.sid == app.sid
    assert fetched.friendly_name == "Smoke"
    assert fetched.permissions == ["get-all"]
