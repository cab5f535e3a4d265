"""The web pages: sign-in, the Twilio Connect consent page, and the console.

Routes: ``GET /``, ``GET|POST /signin``, ``POST /signout``, ``GET|POST /authorize/{ConnectAppSid}``,
``/console…`` (console.py, console_lists.py, app_forms.py), ``GET /static/{name}``. Server-rendered
(Jinja2, autoescaped) and complete without JavaScript: the console's one small script only adds copy
buttons; sessions in signed cookies (sessions.py), a CSRF token on every form (csrf.py).

Behind reverse proxies, set ``CONNECTAPPS_PROXY_HOPS`` to their number so the client address
(``X-Forwarded-For``) and scheme (``X-Forwarded-Proto``) are taken from them; see config.proxy_hops.
"""

from typing import Any

import falcon

from connectapps import config
from connectapps.store.interface import Store
from connectapps.web import app_forms, console, console_lists
from connectapps.web.sessions import Sessions
from connectapps.web.views import Consent, Home, SignIn, SignOut, StaticFile, Web


def install(app: falcon.App[Any, Any], store: Store) -> None:
    """Add the web routes to ``app``."""
    hops = config.proxy_hops()
    web = Web(store, Sessions(store, hops), hops)
    app.add_route("/", Home(web))
    app.add_route("/signin", SignIn(web))
    app.add_route("/signout", SignOut(web))
    app.add_route("/authorize/{app_sid}", Consent(web))
    app.add_route("/static/{name}", StaticFile())
    console.install(app, web)
    app_forms.install(app, web)
    console_lists.install(app, web)
