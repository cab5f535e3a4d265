"""What docs/deployment.md says machines share through the database, for the web pages: the session
signing key (made by whichever worker asks first) and the sign-in throttling counters.

Two servers with two workers each on one database (on ``pgbouncer``, through the pooler) stand for
two machines behind a load balancer without affinity.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from connectapps.domain import throttle
from tests.conftest import Pair
from tests.web.helpers import Browser, new_person


def test_the_first_pages_served_at_once_everywhere_agree_on_one_session_key(pair: Pair) -> None:
    """The first web requests ever (the key does not exist yet) race on every worker of both servers;
    afterwards a session signed in through either server is honoured by the other."""
    def first_page(n: int) -> int:
        return requests.get(pair.url(n) + "/signin", timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(first_page, range(16))) == [200] * 16
    for signed_in_on, read_on in ((pair.a, pair.b), (pair.b, pair.a)):
        person = new_person(signed_in_on.store)
        browser = Browser(signed_in_on)
        assert browser.sign_in(person).status_code == 303
        elsewhere = Browser(read_on)
        elsewhere.http.cookies = browser.http.cookies
        assert elsewhere.signed_in()


def test_failed_sign_ins_through_both_servers_add_up(pair: Pair) -> None:
    person = new_person(pair.a.store)
    browsers = (Browser(pair.a), Browser(pair.b))
    for n in range(throttle.FREE_ATTEMPTS):
        assert browsers[n % 2].sign_in(person, password="wrong password").status_code == 200
    assert [b.sign_in(person).status_code for b in browsers] == [429, 429]
