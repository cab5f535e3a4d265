"""The web pages: sign-in, the Twilio Connect consent page, and the console.

Routes: ``GET /``, ``GET|POST /signin``, ``POST /signout``, ``GET|POST /authorize/{ConnectAppSid}``,
``POST /signout/everywhere``, ``/console…`` (console.py, console_lists.py, app_forms.py, console_keys.py),
``GET /static/{name}``.
Server-rendered (Jinja2, autoescaped) and complete without JavaScript: the console's one small script only
adds copy buttons; sessions in signed cookies that the server can end (sessions.py), a CSRF token on every
form (csrf.py).

Behind reverse proxies, set ``CONNECTAPPS_PROXY_HOPS`` to their number so the client address
(``X-Forwarded-For``) and scheme (``X-Forwarded-Proto``) are taken from them; see config.proxy_hops.
"""

from typing import Any

import falcon

from connectapps import config
from connectapps.domain import passwords
from connectapps.domain.store import Store
from connectapps.web import app_forms, console, console_keys, console_lists
from connectapps.web.base import Web
from connectapps.web.pages import not_found
from connectapps.web.sessions import Sessions
from connectapps.web.views import Consent, Home, SignIn, SignOut, SignOutEverywhere, StaticFile

__all__ = ["install", "is_web_path", "not_found"]

# The web pages live under these paths; an unknown address below one of them is a page's 404.
WEB_PREFIXES = ("/signin", "/signout", "/authorize", "/console", "/static")


def is_web_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in WEB_PREFIXES)


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
    app_forms.install(app, web)
    console_lists.install(app, web)
    console_keys.install(app, web)
