"""The web pages: sign-in and the Connect consent page (and, later, the console)."""

from typing import Any

import falcon

from connectapps.store.interface import Store


def install(app: falcon.App[Any, Any], store: Store) -> None:
    """Add the web routes to ``app``."""
