"""The console's API keys page over HTTP: CSRF on every form, only the person's own accounts,
escaped names, the secret shown once; rename; delete with confirmation."""

import re
from html import unescape

import requests

from connectapps.domain import keys
from connectapps.domain.models import ACTIVE, SUSPENDED, PageRequest
from tests.conftest import Server
from tests.web.console_helpers import HTML, signed_in, token
from tests.web.helpers import location_path

_SECRET = re.compile(r'<dd id="key-secret"><span class="copyable"><code class="token">([A-Za-z0-9]{32})</code>')


def keys_page(account_sid: str, key_sid: str = "", action: str = "") -> str:
    return f"/console/accounts/{account_sid}/keys" + (f"/{key_sid}" if key_sid else "") + (
        f"/{action}" if action else "")


def test_create_shows_the_secret_once_and_it_works(server: Server) -> None:
    browser, person = signed_in(server)
    account = person.account
    empty = browser.get(keys_page(account.sid))
    assert empty.status_code == 200 and empty.headers["Content-Type"] == HTML
    assert "No API keys yet" in empty.text and empty.headers["Cache-Control"] == "no-store"
    created = browser.post(keys_page(account.sid), {"csrf": token(browser), "friendly_name": "CI", "type": "main"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    secret = _SECRET.search(created.text)
    assert secret, created.text
    assert "This is the only time it is shown" in created.text
    (key,) = server.store.list_keys(account.sid, _all()).items
    assert (key.friendly_name, key.key_type) == ("CI", keys.MAIN)
    assert keys.secret_matches(server.store, key, secret.group(1))
    again = browser.get(keys_page(account.sid))
    assert key.sid in again.text and secret.group(1) not in again.text
    api = requests.get(f"{server.url}/2010-04-01/Accounts.json", auth=(key.sid, secret.group(1)), timeout=10)
    assert api.status_code == 200  # a Main key: the Accounts resource too


def test_every_form_needs_the_csrf_token(server: Server) -> None:
    browser, person = signed_in(server)
    account = person.account
    key = keys.create(server.store, account, "kept").key
    for path, form in ((keys_page(account.sid), {"friendly_name": "x"}),
                       (keys_page(account.sid, key.sid), {"friendly_name": "renamed"}),
                       (keys_page(account.sid, key.sid, "delete"), {"confirm": "yes"})):
        for csrf in (None, "forged"):
            sent = form if csrf is None else {**form, "csrf": csrf}
            assert browser.post(path, sent).status_code == 403
    assert [k.friendly_name for k in server.store.list_keys(account.sid, _all()).items] == ["kept"]


def test_another_persons_account_and_keys_are_404(server: Server) -> None:
    browser, _ = signed_in(server)
    _, other = signed_in(server)
    theirs = keys.create(server.store, other.account, "theirs").key
    csrf = token(browser)
    for path in (keys_page(other.account.sid), keys_page(other.account.sid, theirs.sid),
                 keys_page(other.account.sid, theirs.sid, "delete")):
        assert browser.get(path).status_code == 404
        assert browser.post(path, {"csrf": csrf, "friendly_name": "mine now"}).status_code == 404
    assert server.store.get_key(theirs.sid) == theirs


def test_a_key_of_another_account_under_ones_own_account_is_404(server: Server) -> None:
    browser, person = signed_in(server)
    _, other = signed_in(server)
    theirs = keys.create(server.store, other.account, "theirs").key
    assert browser.get(keys_page(person.account.sid, theirs.sid)).status_code == 404
    deleting = browser.post(keys_page(person.account.sid, theirs.sid, "delete"), {"csrf": token(browser)})
    assert deleting.status_code == 303  # nothing of this account's to delete: the outcome asked for
    assert server.store.get_key(theirs.sid) == theirs


def test_names_are_escaped_and_checked(server: Server) -> None:
    browser, person = signed_in(server)
    account = person.account
    hostile = '<script>alert("k")</script>'
    assert browser.post(keys_page(account.sid), {"csrf": token(browser), "friendly_name": hostile}).status_code == 201
    page = browser.get(keys_page(account.sid)).text
    assert hostile not in page and "&lt;script&gt;" in page
    too_long = browser.post(keys_page(account.sid), {"csrf": token(browser), "friendly_name": "x" * 65})
    assert too_long.status_code == 400 and "at most 64 characters" in too_long.text
    assert len(server.store.list_keys(account.sid, _all()).items) == 1


def test_rename_and_delete_with_confirmation(server: Server) -> None:
    browser, person = signed_in(server)
    account = person.account
    key = keys.create(server.store, account, "old name").key
    form = browser.get(keys_page(account.sid, key.sid))
    assert form.status_code == 200 and 'value="old name"' in form.text
    renamed = browser.post(keys_page(account.sid, key.sid), {"csrf": token(browser), "friendly_name": "new name"})
    assert renamed.status_code == 303 and location_path(renamed) == keys_page(account.sid) + "?done=renamed"
    assert "API key renamed." in browser.get(location_path(renamed)).text
    assert server.store.get_key(key.sid).friendly_name == "new name"  # type: ignore[union-attr]
    confirm = browser.get(keys_page(account.sid, key.sid, "delete"))
    assert confirm.status_code == 200 and "This cannot be undone" in unescape(confirm.text)
    assert server.store.get_key(key.sid) is not None  # asking deletes nothing
    deleted = browser.post(keys_page(account.sid, key.sid, "delete"), {"csrf": token(browser)})
    assert deleted.status_code == 303 and location_path(deleted) == keys_page(account.sid) + "?done=deleted"
    assert server.store.get_key(key.sid) is None
    assert browser.get(keys_page(account.sid, key.sid)).status_code == 404


def test_subaccounts_have_their_keys_page_and_a_suspended_one_gets_no_new_key(server: Server) -> None:
    browser, person = signed_in(server)
    sub = server.account("Team", owner=person.account)
    console = browser.get("/console").text
    assert f'href="/console/accounts/{sub.sid}/keys"' in console
    assert f'href="/console/accounts/{person.account.sid}/keys"' in console
    server.client(person.account).api.v2010.accounts(sub.sid).update(status=SUSPENDED)
    refused = browser.post(keys_page(sub.sid), {"csrf": token(browser), "friendly_name": "k"})
    assert refused.status_code == 400 and "This account is suspended" in refused.text
    server.client(person.account).api.v2010.accounts(sub.sid).update(status=ACTIVE)
    assert browser.post(keys_page(sub.sid), {"csrf": token(browser), "friendly_name": "k"}).status_code == 201


def _all() -> PageRequest:
    return PageRequest(size=1000)
