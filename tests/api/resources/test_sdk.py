"""twilio-python, unchanged but for its base URL, on the resources a Connect app acts on.

Messages, Calls, IncomingPhoneNumbers, Applications, Queues and their members, Usage Records, the
Balance and Addresses: created, listed with paging, fetched, updated and deleted as an account, as a
parent on its subaccount, and with delegated Connect credentials; ``get-all`` and ``post-all`` alone
allow what they allow and nothing else (403 / 20006).
"""

from collections.abc import Callable
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from connectapps.domain import authorizations
from connectapps.domain.models import Account
from tests.conftest import Server

TWIML = "https://example.com/twiml"
ALL_CRUD = (
    "CreateMessage", "ListMessage", "FetchMessage", "UpdateMessage", "DeleteMessage",
    "CreateCall", "ListCall", "FetchCall", "UpdateCall", "DeleteCall",
    "CreateIncomingPhoneNumber", "ListIncomingPhoneNumber", "FetchIncomingPhoneNumber",
    "UpdateIncomingPhoneNumber", "DeleteIncomingPhoneNumber", "CreateIncomingPhoneNumberLocal",
    "ListIncomingPhoneNumberLocal",
    "CreateApplication", "ListApplication", "FetchApplication", "UpdateApplication", "DeleteApplication",
    "CreateQueue", "ListQueue", "FetchQueue", "UpdateQueue", "DeleteQueue", "ListMember", "FetchMember",
    "UpdateMember",
    "ListUsageRecord", "ListUsageRecordToday", "FetchBalance",
    "CreateAddress", "ListAddress", "FetchAddress", "UpdateAddress", "DeleteAddress", "ListDependentPhoneNumber",
)
COVERS = {
    "test_an_account_acts_on_its_own_resources": ALL_CRUD,
    "test_a_parent_acts_on_its_subaccount": ALL_CRUD,
    "test_a_connect_app_with_both_permissions_acts_on_its_subaccount": ALL_CRUD,
    "test_get_all_reads_the_users_resources_and_writes_nothing": (
        "ListMessage", "FetchMessage", "ListCall", "FetchBalance", "ListUsageRecord", "ListIncomingPhoneNumber",
        "CreateMessage", "UpdateMessage", "DeleteMessage", "CreateQueue",
    ),
    "test_post_all_writes_to_the_connect_subaccount_and_reads_nothing": (
        "CreateMessage", "FetchMessage", "FetchBalance", "ListMessage",
    ),
}


def client(server: Server, username: str, password: str, account_sid: str | None = None) -> Client:
    made = Client(username, password, account_sid=account_sid, environment={"TWILIO_TEST": "1"})
    made.api.base_url = server.url
    return made


def forbidden(action: Callable[[], Any]) -> None:
    with pytest.raises(TwilioRestException) as caught:
        action()
    assert (caught.value.status, caught.value.code) == (403, 20006), caught.value


def crud(c: Client) -> None:
    """The representative set, end to end, through one client (any principal allowed to read and write)."""
    account = c.api.v2010.account
    messages = [account.messages.create(to="+15005550006", from_="+15005550001", body=f"Hello {n}") for n in range(3)]
    assert [m.status for m in messages] == ["queued"] * 3
    assert account.messages(messages[0].sid).fetch().status == "delivered"
    assert {m.sid for m in account.messages.list(page_size=2)} == {m.sid for m in messages}
    assert account.messages(messages[0].sid).update(body="").body == ""
    assert account.messages(messages[0].sid).delete()
    assert len(account.messages.list()) == 2

    call = account.calls.create(to="+15005550006", from_="+15005550001", url=TWIML)
    assert (call.status, account.calls(call.sid).fetch().status) == ("queued", "completed")
    assert [x.sid for x in account.calls.list(page_size=1)] == [call.sid]
    assert account.calls(call.sid).update(status="completed").status == "completed"

    number = account.incoming_phone_numbers.create(phone_number="+18005550006", voice_url=TWIML)  # toll-free
    local = account.incoming_phone_numbers.local.create(phone_number="+14155550123")
    assert number.friendly_name == "(800) 555-0006" and number.voice_method == "POST"
    assert {n.sid for n in account.incoming_phone_numbers.list(page_size=1)} == {number.sid, local.sid}
    assert [n.sid for n in account.incoming_phone_numbers.local.list()] == [local.sid]
    assert account.incoming_phone_numbers(number.sid).update(friendly_name="Main").friendly_name == "Main"
    assert account.incoming_phone_numbers(number.sid).fetch().voice_url == TWIML

    app = account.applications.create(friendly_name="Voice app", voice_url=TWIML)
    account.applications.create(friendly_name="SMS app")
    assert len(account.applications.list(page_size=1)) == 2
    assert account.applications(app.sid).update(voice_method="GET").voice_method == "GET"
    assert account.applications(app.sid).fetch().friendly_name == "Voice app"
    assert account.applications(app.sid).delete()

    queue = account.queues.create(friendly_name="support", max_size=10)
    waiting = [account.calls.create(to="+15005550006", from_="+15005550001",
                                    twiml="<Response><Enqueue>support</Enqueue></Response>") for _ in range(2)]
    members = account.queues(queue.sid).members
    assert {m.call_sid for m in members.list(page_size=1)} == {w.sid for w in waiting}
    front = members("Front").fetch()
    assert (front.call_sid, front.position) == (waiting[0].sid, 1)
    assert account.queues(queue.sid).fetch().current_size == 2
    assert members(waiting[0].sid).update(url=TWIML).call_sid == waiting[0].sid
    assert [m.call_sid for m in members.list()] == [waiting[1].sid]
    assert account.calls(waiting[0].sid).fetch().status == "completed"
    assert account.queues(queue.sid).update(max_size=20).max_size == 20
    assert [q.sid for q in account.queues.list()] == [queue.sid]
    assert account.queues(queue.sid).delete()

    records = account.usage.records.list(page_size=2)
    assert {r.category: r.count for r in records}["sms"] == "2"
    assert {r.category for r in account.usage.records.today.list()} >= {"calls", "sms", "phonenumbers"}
    balance = account.balance.fetch()
    assert (balance.balance, balance.currency) == ("0.00", "USD")

    address = account.addresses.create(customer_name="Ada", street="1 Main St", city="Springfield",
                                       region="IL", postal_code="62701", iso_country="US")
    account.addresses.create(customer_name="Bob", street="2 Main St", city="Springfield", region="IL",
                             postal_code="62701", iso_country="US")
    dependent = account.incoming_phone_numbers.create(phone_number="+15005550007", address_sid=address.sid)
    assert [d.sid for d in account.addresses(address.sid).dependent_phone_numbers.list()] == [dependent.sid]
    assert len(account.addresses.list(page_size=1)) == 2
    assert account.addresses(address.sid).update(street="3 Main St").street == "3 Main St"
    assert account.addresses(address.sid).fetch().customer_name == "Ada"
    assert account.addresses(address.sid).delete()
    assert account.incoming_phone_numbers(number.sid).delete()
    assert account.calls(call.sid).delete()


def test_an_account_acts_on_its_own_resources(server: Server) -> None:
    owner = server.account("SDK owner")
    crud(client(server, owner.sid, owner.auth_token))


def test_a_parent_acts_on_its_subaccount(server: Server) -> None:
    parent = server.account("SDK parent")
    sub = server.account("SDK sub", owner=parent)
    crud(client(server, parent.sid, parent.auth_token, account_sid=sub.sid))
    # The subaccount's own credentials see what the parent made there, and nothing reaches the parent.
    own = client(server, sub.sid, sub.auth_token).api.v2010.account
    assert len(own.messages.list()) == 2
    with pytest.raises(TwilioRestException) as caught:
        client(server, sub.sid, sub.auth_token, account_sid=parent.sid).api.v2010.account.balance.fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)


def grant(server: Server, permissions: list[str]) -> tuple[Account, Account, str]:
    """(app owner, authorizing user, Connect subaccount SID) of a fresh authorization."""
    owner = server.account("Vendor")
    user = server.account("User")
    app = server.app(owner, friendly_name="Connect app", permissions=permissions,
                     authorize_redirect_url="https://vendor.example/connect")
    return owner, user, authorizations.authorize(server.store, app, user).subaccount_sid


def test_a_connect_app_with_both_permissions_acts_on_its_subaccount(server: Server) -> None:
    owner, user, connect = grant(server, ["get-all", "post-all"])
    crud(client(server, connect, owner.auth_token))
    # post-all writes only to the Connect subaccount: not to the user's own account.
    on_user = client(server, connect, owner.auth_token, account_sid=user.sid).api.v2010.account
    forbidden(lambda: on_user.messages.create(to="+15005550006", from_="+15005550001", body="x"))


def test_get_all_reads_the_users_resources_and_writes_nothing(server: Server) -> None:
    owner, user, connect = grant(server, ["get-all"])
    mine = client(server, user.sid, user.auth_token).api.v2010.account
    sent = mine.messages.create(to="+15005550006", from_="+15005550001", body="Mine")
    mine.calls.create(to="+15005550006", from_="+15005550001", url=TWIML)
    mine.incoming_phone_numbers.create(phone_number="+15005550006")
    app = client(server, connect, owner.auth_token, account_sid=user.sid).api.v2010.account
    assert [m.sid for m in app.messages.list()] == [sent.sid]
    assert app.messages(sent.sid).fetch().body == "Mine"
    assert len(app.calls.list()) == 1 and len(app.incoming_phone_numbers.list()) == 1
    assert app.balance.fetch().currency == "USD"
    assert {r.category: r.count for r in app.usage.records.list()}["sms"] == "1"
    forbidden(lambda: app.messages.create(to="+15005550006", from_="+15005550001", body="x"))
    forbidden(lambda: app.messages(sent.sid).update(body=""))
    forbidden(lambda: app.messages(sent.sid).delete())
    on_connect = client(server, connect, owner.auth_token).api.v2010.account
    forbidden(lambda: on_connect.queues.create(friendly_name="nope"))
    assert mine.messages(sent.sid).fetch().body == "Mine"  # nothing changed


def test_post_all_writes_to_the_connect_subaccount_and_reads_nothing(server: Server) -> None:
    owner, user, connect = grant(server, ["post-all"])
    app = client(server, connect, owner.auth_token).api.v2010.account
    sent = app.messages.create(to="+15005550006", from_="+15005550001", body="From the app")
    assert sent.account_sid == connect
    forbidden(lambda: app.messages(sent.sid).fetch())
    forbidden(lambda: app.balance.fetch())
    on_user = client(server, connect, owner.auth_token, account_sid=user.sid).api.v2010.account
    forbidden(lambda: on_user.messages.create(to="+15005550006", from_="+15005550001", body="x"))
    # The user sees what the app sent, in the Connect subaccount.
    seen = client(server, user.sid, user.auth_token, account_sid=connect).api.v2010.account.messages.list()
    assert [m.sid for m in seen] == [sent.sid]
