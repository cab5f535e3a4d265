"""The rest of the 2010-04-01 API, from Twilio's own spec (domain/resources/ is the engine).

``install`` mounts every operation the engine serves, after the hand-written resources and never
over them (served.py lists who answers what), and ``/openapi.json``.
"""

import falcon

from connectapps.api.resources import errors, routing
from connectapps.api.resources.openapi import OpenApi
from connectapps.domain.resources.lifecycle import Settings
from connectapps.domain.resources.served import served_operations
from connectapps.domain.store import Store


def install(app: falcon.App[falcon.Request, falcon.Response], store: Store, settings: Settings | None = None) -> None:
    routing.mount(app, store, settings or Settings.from_env(), served_operations())
    app.add_route("/openapi.json", OpenApi())
    errors.install(app)
