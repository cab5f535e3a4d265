"""domain/authorizations.py and connect_apps.create on each backend's store: consent binds to
what was shown, and accounts that are not active neither get new apps nor have theirs authorized."""

from datetime import UTC, datetime

import pytest

from connectapps.domain import accounts, authorizations, connect_apps
from connectapps.domain.errors import ConsentChanged, Forbidden, InvalidParameter, NotFound
from connectapps.domain.models import ConnectApp
from connectapps.domain.store import Store

APP = {"friendly_name": "App", "authorize_redirect_url": "https://a.example/cb", "permissions": ["get-all"]}


def set_status(store: Store, sid: str, status: str) -> None:
    store.update_account(sid, {"status": status}, datetime.now(UTC))


def test_authorize_as_shown_grants_exactly_what_was_shown(store: Store) -> None:
    owner, user = accounts.create(store, "Owner"), accounts.create(store, "User")
    shown = connect_apps.create(store, owner.sid, APP)
    terms = authorizations.terms(shown)
    now = connect_apps.update(store, owner.sid, shown.sid, {"permissions": ["get-all", "post-all"]})
    with pytest.raises(ConsentChanged):
        authorizations.authorize_as_shown(store, now, user, terms)
    assert store.get_authorization(user.sid, shown.sid) is None
    granted = authorizations.authorize_as_shown(store, now, user, authorizations.terms(now))
    assert granted.permissions == ("get-all", "post-all")


def test_the_terms_cover_what_the_page_shows_and_nothing_else(store: Store) -> None:
    owner = accounts.create(store, "Owner")
    app = connect_apps.create(store, owner.sid, APP)
    changed: dict[str, ConnectApp] = {
        field: connect_apps.update(store, owner.sid, app.sid, {field: value})
        for field, value in [("company_name", "Co"), ("homepage_url", "https://h.example"),
                             ("description", "Reads"), ("friendly_name", "Renamed")]
    }
    previous = authorizations.terms(app)
    for field, version in changed.items():
        assert authorizations.terms(version) != previous, field
        previous = authorizations.terms(version)
    hidden = connect_apps.update(store, owner.sid, app.sid, {"deauthorize_callback_url": "https://d.example"})
    assert authorizations.terms(hidden) == previous


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_an_app_of_an_owner_not_active_cannot_be_authorized(store: Store, status: str) -> None:
    parent, user = accounts.create(store, "Parent"), accounts.create(store, "User")
    owner = accounts.create(store, "Owner", parent.sid)
    app = connect_apps.create(store, owner.sid, APP)
    set_status(store, owner.sid, status)
    with pytest.raises(NotFound):
        authorizations.consent_app(store, app.sid)
    with pytest.raises(NotFound):
        authorizations.authorize(store, app, user)
    assert store.get_authorization(user.sid, app.sid) is None


def test_an_account_not_active_cannot_authorize(store: Store) -> None:
    owner, parent = accounts.create(store, "Owner"), accounts.create(store, "Parent")
    user = accounts.create(store, "User", parent.sid)
    app = connect_apps.create(store, owner.sid, APP)
    set_status(store, user.sid, "suspended")
    suspended = store.get_account(user.sid)
    assert suspended is not None
    with pytest.raises(Forbidden):
        authorizations.authorize(store, app, suspended)
    assert store.get_authorization(user.sid, app.sid) is None


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_no_new_app_in_an_account_not_active(store: Store, status: str) -> None:
    parent = accounts.create(store, "Parent")
    sub = accounts.create(store, "Sub", parent.sid)
    set_status(store, sub.sid, status)
    with pytest.raises(InvalidParameter) as caught:
        connect_apps.create(store, sub.sid, APP)
    assert (caught.value.field, caught.value.kind, caught.value.value) == (
        "account_sid", InvalidParameter.INACTIVE_ACCOUNT, status)
    with pytest.raises(NotFound):
        connect_apps.create(store, "AC" + "0" * 32, APP)
