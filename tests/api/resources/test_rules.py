"""The engine's rules over HTTP: Twilio's error codes, nothing changed on a refusal, parents, views,
filters, paging of computed lists, and the behaviours of Messages, Calls, Queues, conferences."""

import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from connectapps.domain.models import Account
from connectapps.domain.resources import engine
from connectapps.domain.resources.lifecycle import ENV, Settings
from tests.conftest import Server, fresh_server
from tests.envelope import assert_error

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TWIML = "https://example.com/twiml"


def base(account: Account) -> str:
    return f"/2010-04-01/Accounts/{account.sid}"


def post(server: Server, account: Account, path: str, **form: Any) -> requests.Response:
    return server.post(base(account) + path, account, data=form, headers=FORM)


def get(server: Server, account: Account, path: str) -> requests.Response:
    return server.get(base(account) + path, account)


def made(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code in (200, 201), resp.text  # the spec says 200 for a few creates (recordings)
    body: dict[str, Any] = resp.json()
    return body


MESSAGE = {"To": "+15005550006", "From": "+15005550001", "Body": "Hi"}
CALL = {"To": "+15005550006", "From": "+15005550001", "Url": TWIML}


@pytest.mark.parametrize(("path", "form", "code", "message"), [
    ("/Messages.json", {"From": "+15005550001", "Body": "Hi"}, 21604, "A 'To' phone number is required."),
    ("/Messages.json", {"To": "+15005550006", "Body": "Hi"}, 21603, "A 'From' phone number is required."),
    ("/Messages.json", {"To": "+15005550006", "From": "+15005550001"}, 21619,
     "A text message body or media urls must be specified."),
    ("/Calls.json", {"From": "+15005550001", "Url": TWIML}, 21201, "No 'To' number is specified"),
    ("/Calls.json", {"To": "+15005550006", "Url": TWIML}, 21213, "No 'From' number is specified"),
    ("/Calls.json", {"To": "+15005550006", "From": "+15005550001"}, 21205,
     "Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml"),
    ("/Calls.json", {**CALL, "Url": "not a url"}, 21205, "Url is not a valid URL: not a url"),
    ("/Queues.json", {}, 20001, "Missing required parameter FriendlyName in the post body"),
    ("/Queues.json", {"FriendlyName": "q", "MaxSize": "many"}, 20001, "MaxSize must be an integer, not 'many'"),
    ("/Messages.json", {**MESSAGE, "ProvideFeedback": "maybe"}, 20001,
     "ProvideFeedback must be true or false, not 'maybe'"),
    ("/Messages.json", {**MESSAGE, "StatusCallback": "ftp://x"}, 20001,
     "StatusCallback must be an absolute http or https URL, not 'ftp://x'"),
    ("/Messages.json", {**MESSAGE, "ApplicationSid": "AP123"}, 20001,
     "ApplicationSid must be a value matching ^AP[0-9a-fA-F]{32}$, not 'AP123'"),
    ("/Messages.json", {**MESSAGE, "Body": "a\x00b"}, 20001, "Body must be text without NUL characters, not 'a\\0b'"),
    ("/IncomingPhoneNumbers.json", {"AreaCode": "12"}, 20001,
     "AreaCode must be a three-digit North American area code, not '12'"),
    ("/IncomingPhoneNumbers.json", {}, 20001, "Missing required parameter PhoneNumber in the post body"),
], ids=lambda v: str(v)[:40])
def test_a_bad_create_is_refused_with_twilios_code_and_changes_nothing(
    server: Server, path: str, form: dict[str, str], code: int, message: str,
) -> None:
    owner = server.account()
    assert_error(post(server, owner, path, **form), 400, code, message)
    key = path.removeprefix("/").removesuffix(".json")
    listed = get(server, owner, path).json()
    assert [v for k, v in listed.items() if k.replace("_", "") == key.lower()] == [[]]


def test_a_bad_update_changes_nothing(server: Server) -> None:
    owner = server.account()
    call = made(post(server, owner, "/Calls.json", **CALL))
    assert_error(post(server, owner, f"/Calls/{call['sid']}.json", Status="ringing"), 400, 20001,
                 "Status must be one of canceled, completed, not 'ringing'")
    queue = made(post(server, owner, "/Queues.json", FriendlyName="q"))
    assert_error(post(server, owner, f"/Queues/{queue['sid']}.json", FriendlyName="r", MaxSize="x"), 400, 20001)
    assert get(server, owner, f"/Queues/{queue['sid']}.json").json()["friendly_name"] == "q"


def test_an_empty_value_clears_a_property(server: Server) -> None:
    owner = server.account()
    app = made(post(server, owner, "/Applications.json", FriendlyName="a", VoiceUrl=TWIML))
    cleared = post(server, owner, f"/Applications/{app['sid']}.json", VoiceUrl="").json()
    assert (cleared["voice_url"], cleared["friendly_name"]) == (None, "a")


def test_unknown_sids_and_methods(server: Server) -> None:
    owner = server.account()
    zeros = "0" * 32
    for path in (f"/Messages/SM{zeros}.json", "/Messages/nope.json", f"/Calls/CA{zeros}/Recordings.json"):
        assert_error(get(server, owner, path), 404, 20404, f"The requested resource {base(owner)}{path} was not found")
    resp = server.request("DELETE", base(owner) + "/Messages.json", owner)
    assert_error(resp, 405, 20004)
    assert {"GET", "POST"} <= set(resp.headers["Allow"].split(", ")) and "DELETE" not in resp.headers["Allow"]
    assert_error(get(server, owner, "/Messages.json?PageToken=PAnope"), 400, 21481)


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_an_inactive_account_is_read_but_not_written(server: Server, status: str) -> None:
    """A parent still reads what its suspended or closed subaccount holds; nothing in it is
    created, changed or deleted (Twilio's 10001, "Account is not active")."""
    parent = server.account()
    sub = server.account(owner=parent)
    queue = made(post(server, sub, "/Queues.json", FriendlyName="q"))
    assert server.post(f"{base(sub)}.json", parent, data={"Status": status}, headers=FORM).json()["status"] == status
    queue_path = f"{base(sub)}/Queues/{queue['sid']}.json"
    message = f"Account is not active: it is {status}"
    for method, path, form in (("POST", f"{base(sub)}/Queues.json", {"FriendlyName": "r"}),
                               ("POST", f"{base(sub)}/Messages.json", MESSAGE),
                               ("POST", queue_path, {"FriendlyName": "renamed"}),
                               ("DELETE", queue_path, {})):
        assert_error(server.request(method, path, parent, data=form, headers=FORM), 403, 10001, message)
    listed = server.get(f"{base(sub)}/Queues.json", parent).json()["queues"]
    assert [(q["sid"], q["friendly_name"]) for q in listed] == [(queue["sid"], "q")]
    assert server.get(f"{base(sub)}/Messages.json", parent).json()["messages"] == []


def test_children_are_scoped_to_their_parent(server: Server) -> None:
    owner = server.account()
    calls = [made(post(server, owner, "/Calls.json", **CALL))["sid"] for _ in range(2)]
    recordings = [made(post(server, owner, f"/Calls/{sid}/Recordings.json"))["sid"] for sid in calls]
    for call, recording, other in ((calls[0], recordings[0], recordings[1]), (calls[1], recordings[1], recordings[0])):
        listed = get(server, owner, f"/Calls/{call}/Recordings.json").json()["recordings"]
        assert [r["sid"] for r in listed] == [recording] and listed[0]["call_sid"] == call
        assert get(server, owner, f"/Calls/{call}/Recordings/{other}.json").status_code == 404
    everything = get(server, owner, "/Recordings.json").json()["recordings"]
    assert sorted(r["sid"] for r in everything) == sorted(recordings)
    assert get(server, owner, f"/Recordings/{recordings[0]}.json").json()["call_sid"] == calls[0]
    stranger = server.account()
    assert_error(server.get(f"{base(owner)}/Calls/{calls[0]}/Recordings.json", stranger), 401, 20003)
    # Another account's call, named under one's own account, is not there.
    assert_error(get(server, stranger, f"/Calls/{calls[0]}/Recordings.json"), 404, 20404)
    assert_error(get(server, stranger, f"/Recordings/{recordings[0]}.json"), 404, 20404)


def test_lists_filter_on_their_query(server: Server) -> None:
    owner = server.account()
    for to in ("+15005550006", "+15005550007", "+15005550006"):
        made(post(server, owner, "/Messages.json", **{**MESSAGE, "To": to}))
    body = get(server, owner, "/Messages.json?To=%2B15005550006&PageSize=1").json()
    assert [m["to"] for m in body["messages"]] == ["+15005550006"]
    assert body["next_page_uri"].startswith(f"{base(owner)}/Messages.json?To=%2B15005550006&PageSize=1&Page=1")
    second = server.get(body["next_page_uri"], owner).json()
    assert [m["to"] for m in second["messages"]] == ["+15005550006"] and second["next_page_uri"] is None
    today = made(post(server, owner, "/Messages.json", **MESSAGE))["date_created"]
    assert len(get(server, owner, "/Messages.json?DateSent%3E=2000-01-01").json()["messages"]) == 4
    assert get(server, owner, "/Messages.json?DateSent%3C=2000-01-01").json()["messages"] == []
    assert today  # dates are RFC 2822 on the wire, ISO inside: the filters compare days
    assert_error(get(server, owner, "/Messages.json?DateSent=yesterday"), 400, 20001)
    made(post(server, owner, "/Calls.json", **CALL))
    assert len(get(server, owner, "/Calls.json?Status=completed").json()["calls"]) == 1
    assert get(server, owner, "/Calls.json?Status=queued").json()["calls"] == []


def test_computed_lists_page_like_stored_ones(server: Server) -> None:
    owner = server.account()
    body = get(server, owner, "/AvailablePhoneNumbers/US/Local.json?AreaCode=212&PageSize=15").json()
    numbers = [n["phone_number"] for n in body["available_phone_numbers"]]
    assert len(numbers) == 15 and all(n.startswith("+1212555") for n in numbers)
    rest = server.get(body["next_page_uri"], owner).json()["available_phone_numbers"]
    assert len(rest) == 5 and rest[0]["phone_number"] > numbers[-1]
    assert get(server, owner, "/AvailablePhoneNumbers/US/Mobile.json").status_code == 404
    assert get(server, owner, "/AvailablePhoneNumbers/ZZ.json").status_code == 404
    countries = get(server, owner, "/AvailablePhoneNumbers.json").json()
    assert set(countries) == {"countries", "uri"}  # the spec's list schema for countries has no paging keys


def test_messages_and_calls_live_their_lifecycle(server: Server) -> None:
    owner = server.account()
    message = made(post(server, owner, "/Messages.json", **MESSAGE, MediaUrl="https://example.com/cat.jpg"))
    assert (message["status"], message["date_sent"], message["sid"][:2], message["num_media"]) == (
        "queued", None, "MM", "1")
    fetched = get(server, owner, f"/Messages/{message['sid']}.json").json()
    assert fetched["status"] == "delivered" and fetched["date_sent"] is not None
    media = get(server, owner, f"/Messages/{message['sid']}/Media.json").json()["media_list"]
    assert [m["parent_sid"] for m in media] == [message["sid"]] and media[0]["content_type"] == "image/jpeg"
    redacted = post(server, owner, f"/Messages/{message['sid']}.json", Body="").json()
    assert (redacted["body"], redacted["status"]) == ("", "delivered")
    call = made(post(server, owner, "/Calls.json", **CALL))
    done = get(server, owner, f"/Calls/{call['sid']}.json").json()
    assert (done["status"], done["duration"]) == ("completed", "0") and done["end_time"] is not None


def test_queues_hold_enqueued_calls_until_dequeued(server: Server) -> None:
    owner = server.account()
    twiml = "<Response><Enqueue waitUrl='https://example.com/wait'>sales</Enqueue></Response>"
    call = made(post(server, owner, "/Calls.json", To="+15005550006", From="+15005550001", Twiml=twiml))
    queues = get(server, owner, "/Queues.json").json()["queues"]
    assert [(q["friendly_name"], q["current_size"]) for q in queues] == [("sales", 1)]  # made on demand
    assert get(server, owner, f"/Calls/{call['sid']}.json").json()["status"] == "in-progress"
    member = f"/Queues/{queues[0]['sid']}/Members/{call['sid']}.json"
    assert_error(post(server, owner, member), 400, 20001, "Missing required parameter Url in the post body")
    assert post(server, owner, member, Url=TWIML).json()["call_sid"] == call["sid"]
    assert get(server, owner, member).status_code == 404
    assert get(server, owner, f"/Calls/{call['sid']}.json").json()["status"] == "completed"
    assert get(server, owner, f"/Queues/{queues[0]['sid']}/Members/Front.json").status_code == 404


def test_participants_join_a_conference_by_name(server: Server) -> None:
    owner = server.account()
    joined = made(post(server, owner, "/Conferences/Standup/Participants.json", From="+15005550001", To="+15005550006"))
    conferences = get(server, owner, "/Conferences.json?FriendlyName=Standup").json()["conferences"]
    assert [c["sid"] for c in conferences] == [joined["conference_sid"]]
    again = made(post(server, owner, "/Conferences/Standup/Participants.json", From="+15005550001", To="+15005550007"))
    assert again["conference_sid"] == joined["conference_sid"]
    listed = get(server, owner, f"/Conferences/{joined['conference_sid']}/Participants.json").json()["participants"]
    assert sorted(p["call_sid"] for p in listed) == sorted([joined["call_sid"], again["call_sid"]])
    assert get(server, owner, f"/Calls/{joined['call_sid']}.json").json()["status"] == "in-progress"
    participant = f"/Conferences/{joined['conference_sid']}/Participants/{joined['call_sid']}.json"
    assert server.request("DELETE", base(owner) + participant, owner).status_code == 204
    assert get(server, owner, f"/Calls/{joined['call_sid']}.json").json()["status"] == "completed"  # hung up


def test_views_and_things_twilio_makes(server: Server) -> None:
    owner = server.account()
    caller = post(server, owner, "/OutgoingCallerIds.json", PhoneNumber="+15005550009")
    assert caller.status_code == 200 and len(caller.json()["validation_code"]) == 6
    assert [c["phone_number"] for c in get(server, owner, "/OutgoingCallerIds.json").json()["outgoing_caller_ids"]] \
        == ["+15005550009"]
    domain = made(post(server, owner, "/SIP/Domains.json", DomainName="d.sip.twilio.com"))
    mapping = f"/SIP/Domains/{domain['sid']}/CredentialListMappings.json"
    listed = "CL" + "1" * 32
    assert made(post(server, owner, mapping, CredentialListSid=listed))["sid"] == listed
    assert_error(post(server, owner, mapping, CredentialListSid=listed), 400, 20001)
    seeded = engine.seed(server.store, owner.sid, "transcription", {"transcription_text": "hello"})
    assert get(server, owner, f"/Transcriptions/{seeded.sid}.json").json()["transcription_text"] == "hello"


def test_a_lifecycle_with_steps_is_seen_step_by_step(backend: str, tmp_path: Path) -> None:
    """With ``CONNECTAPPS_LIFECYCLE_SECONDS=1`` reads see each step in turn (polled, with a deadline)."""
    with fresh_server(backend, tmp_path, env={ENV: "1"}) as server:
        owner = server.account()
        message = made(post(server, owner, "/Messages.json", **MESSAGE))
        call = made(post(server, owner, "/Calls.json", **CALL))
        seen = {"message": [message["status"]], "call": [call["status"]]}
        deadline = time.monotonic() + 30
        while seen["message"][-1] != "delivered" or seen["call"][-1] != "completed":
            assert time.monotonic() < deadline, seen
            for name, path in (("message", f"/Messages/{message['sid']}.json"), ("call", f"/Calls/{call['sid']}.json")):
                status = get(server, owner, path).json()["status"]
                if status != seen[name][-1]:
                    seen[name].append(status)
            time.sleep(0.1)
        assert seen["message"] in (["queued", "sent", "delivered"], ["queued", "delivered"])
        assert seen["call"] in (["queued", "in-progress", "completed"], ["queued", "completed"])
        sent = get(server, owner, f"/Messages/{message['sid']}.json").json()
        assert parsedate_to_datetime(sent["date_sent"]) - parsedate_to_datetime(sent["date_created"]) \
            == timedelta(seconds=1)
        assert get(server, owner, f"/Calls/{call['sid']}.json").json()["duration"] == "1"


@pytest.mark.parametrize("value", ["soon", "-1", "7200"])
def test_a_bad_lifecycle_setting_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV, value)
    with pytest.raises(ValueError, match=ENV):
        Settings.from_env()
