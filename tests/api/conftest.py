"""Fixtures shared by the API tests."""

import pytest

from connectapps.domain.models import Account, ConnectApp
from tests.api.connect_apps_helpers import FULL
from tests.conftest import Server


@pytest.fixture
def owner(server: Server) -> Account:
    return server.account("Owner")


@pytest.fixture
def app(server: Server, owner: Account) -> ConnectApp:
    return server.app(owner, **FULL)
