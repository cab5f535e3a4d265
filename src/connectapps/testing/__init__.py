"""``connectapps.testing``: a real Connect server inside your test run, and a pytest plugin
(``connectapps.testing.plugin``, registered through the ``pytest11`` entry point). docs/testing.md."""

from connectapps.testing.defaults import (
    CONNECT_APP_SID,
    CUSTOMER_EMAIL,
    CUSTOMER_PASSWORD,
    CUSTOMER_SID,
    CUSTOMER_TOKEN,
    DEFAULT_SEED,
    DEVELOPER_SID,
    DEVELOPER_TOKEN,
)
from connectapps.testing.server import AdminError, ConnectAppsServer

__all__ = [
    "CONNECT_APP_SID", "CUSTOMER_EMAIL", "CUSTOMER_PASSWORD", "CUSTOMER_SID", "CUSTOMER_TOKEN", "DEFAULT_SEED",
    "DEVELOPER_SID", "DEVELOPER_TOKEN", "AdminError", "ConnectAppsServer",
]
