"""Account isolation, as a matrix: every account-scoped route x own / parent / child / sibling / stranger.

The hand-written routes, and a sample of the spec-driven ones (a list, an instance, an update, a
parent's children, the computed Balance and Usage Records).

A parent's credentials reach its subaccounts; a subaccount's never reach its parent or siblings;
nobody reaches a stranger. A refusal is 401 / 20003 and never carries the other account's data.
"""

from dataclasses import dataclass

import pytest

from connectapps.domain import authorizations
from connectapps.domain.models import Account
from connectapps.domain.resources import engine
from tests.conftest import Server
from tests.envelope import assert_error


@dataclass
class Family:
    main: Account
    sub: Account
    sibling: Account
    stranger: Account
    apps: dict[str, str]  # account SID -> a ConnectApp SID it owns
    authorized: dict[str, str]  # account SID -> a ConnectApp SID it has authorized
    resources: dict[str, dict[str, str]]  # account SID -> {"msg": SM…, "queue": QU…, "call": CA…}


@pytest.fixture(scope="module")
def family(server: Server) -> Family:
    main = server.account("Main")
    sub = server.account("Sub", owner=main)
    sibling = server.account("Sibling", owner=main)
    stranger = server.account("Stranger")
    vendor = server.account("Vendor")
    apps, authorized, resources = {}, {}, {}
    for account in (main, sub):
        resources[account.sid] = {
            "msg": engine.seed(server.store, account.sid, "message", {"body": "Own message"}).sid,
            "queue": engine.seed(server.store, account.sid, "queue", {"friendly_name": "Own queue"}).sid,
            "call": engine.seed(server.store, account.sid, "call", {"status": "completed"}).sid,
        }
        apps[account.sid] = server.app(account, friendly_name="Own app").sid
        vendor_app = server.app(vendor, friendly_name="Vendor app", authorize_redirect_url="https://v.example/cb")
        authorizations.authorize(server.store, vendor_app, account)
        authorized[account.sid] = vendor_app.sid
    return Family(main, sub, sibling, stranger, apps, authorized, resources)


ROUTES = [
    ("GET", "/2010-04-01/Accounts/{a}.json"),
    ("POST", "/2010-04-01/Accounts/{a}.json"),
    ("GET", "/2010-04-01/Accounts/{a}/ConnectApps.json"),
    ("GET", "/2010-04-01/Accounts/{a}/ConnectApps/{app}.json"),
    ("POST", "/2010-04-01/Accounts/{a}/ConnectApps/{app}.json"),
    ("GET", "/2010-04-01/Accounts/{a}/AuthorizedConnectApps.json"),
    ("GET", "/2010-04-01/Accounts/{a}/AuthorizedConnectApps/{authorized}.json"),
    ("GET", "/2010-04-01/Accounts/{a}/Messages.json"),
    ("GET", "/2010-04-01/Accounts/{a}/Messages/{msg}.json"),
    ("POST", "/2010-04-01/Accounts/{a}/Queues/{queue}.json"),
    ("GET", "/2010-04-01/Accounts/{a}/Calls/{call}/Recordings.json"),
    ("GET", "/2010-04-01/Accounts/{a}/Balance.json"),
    ("GET", "/2010-04-01/Accounts/{a}/Usage/Records.json"),
]

# (target, credentials, allowed)
CASES = [
    ("main", "main", True),  # own
    ("main", "sub", False),  # child on its parent
    ("main", "stranger", False),
    ("sub", "sub", True),  # own
    ("sub", "main", True),  # parent on its child
    ("sub", "sibling", False),
    ("sub", "stranger", False),
]


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
@pytest.mark.parametrize(("target", "caller", "allowed"), CASES, ids=[f"{c}-on-{t}" for t, c, _ in CASES])
def test_isolation_matrix(
    server: Server, family: Family, method: str, route: str, target: str, caller: str, allowed: bool
) -> None:
    target_account: Account = getattr(family, target)
    credentials: Account = getattr(family, caller)
    path = route.format(
        a=target_account.sid, app=family.apps[target_account.sid], authorized=family.authorized[target_account.sid],
        **family.resources[target_account.sid],
    )
    data = {"FriendlyName": f"renamed by {caller}"} if method == "POST" else None
    resp = server.request(method, path, credentials, data=data)
    if allowed:
        assert resp.status_code == 200, resp.text
    else:
        assert_error(resp, 401, 20003, "Authenticate")
        assert target_account.sid not in resp.text
    if method == "POST" and not allowed:
        # Nothing changed.
        owner = family.main
        check = server.get(path, owner).json()
        assert check["friendly_name"] != f"renamed by {caller}"
