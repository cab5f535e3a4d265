"""The web pages: sign-in, the Twilio Connect consent page, and the console.

Routes: ``GET /``, ``GET|POST /signin``, ``POST /signout``, ``GET|POST /authorize/{ConnectAppSid}``,
``POST /signout/everywhere``, ``/console…`` (console.py), ``GET /static/{name}``. Server-rendered
(Jinja2, autoescaped), no JavaScript; sessions in signed cookies that the server can end
(sessions.py), a CSRF token on every form (csrf.py).

Behind reverse proxies, set ``CONNECTAPPS_PROXY_HOPS`` to their number so the client address
(``X-Forwarded-For``) and scheme (``X-Forwarded-Proto``) are taken from them; see config.proxy_hops.
"""

from typing import Any

import falcon

from connectapps import config
from connectapps.domain import passwords
from connectapps.store.interface import Store
from connectapps.web import console
from connectapps.web.sessions import Sessions
from connectapps.web.views import Consent, Home, SignIn, SignOut, SignOutEverywhere, StaticFile, Web


def install(app: falcon.App[Any, Any], store: Store) -> None:
    """Add the web routes to ``app``."""
    hops = config.proxy_hops()
    passwords.limit_checks(config.sign_in_concurrency())
    web = Web(store, Sessions(store, hops), hops)
    app.add_route("/", Home(web))
    app.add_route("/signin", SignIn(web))
    app.add_route("/signout", SignOut(web))
    app.add_route("/signout/everywhere", SignOutEverywhere(web))
    app.add_route("/authorize/{app_sid}", Consent(web))
    app.add_route("/static/{name}", StaticFile())
    console.install(app, web)
