"""Deleting an API key ends its access on the next request, in every process.

Two servers of two workers each on one database (``pair``): every worker has authenticated the key
(so each one's per-thread cache holds it) before it is deleted through the other server's API.
"""

import requests

from tests.conftest import Pair

TRIES = 12  # fresh connections, spread by the kernel over both workers of a server


def test_a_deleted_key_is_refused_by_every_process_on_the_next_request(pair: Pair) -> None:
    owner = pair.a.account()
    created = requests.post(f"{pair.a.url}/2010-04-01/Accounts/{owner.sid}/Keys.json",
                            data={"FriendlyName": "short-lived"}, auth=(owner.sid, owner.auth_token), timeout=30)
    assert created.status_code == 201
    key = (created.json()["sid"], created.json()["secret"])
    path = f"/2010-04-01/Accounts/{owner.sid}/ConnectApps.json"
    urls = [server.url for server in (pair.a, pair.b) for _ in range(TRIES)]
    assert [requests.get(url + path, auth=key, timeout=30).status_code for url in urls] == [200] * len(urls)
    deleted = requests.delete(f"{pair.b.url}/2010-04-01/Accounts/{owner.sid}/Keys/{key[0]}.json",
                              auth=(owner.sid, owner.auth_token), timeout=30)
    assert deleted.status_code == 204
    assert [requests.get(url + path, auth=key, timeout=30).status_code for url in urls] == [401] * len(urls)
