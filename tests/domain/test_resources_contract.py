"""What the engine reads from the spec, checked against the spec itself (no server, no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from connectapps.domain.resources import lifecycle
from connectapps.domain.resources.contract import Field, Param, contract
from connectapps.domain.resources.errors import InvalidValue
from connectapps.domain.resources.queries import matches_for
from connectapps.domain.resources.records import AT_LEAST, BELOW, EQUAL, Match, iso
from connectapps.domain.resources.spec import document
from connectapps.domain.resources.values import fit, parse

OPS = contract().operations


def test_kinds_prefixes_and_identities_come_from_the_schemas() -> None:
    assert OPS["CreateMessage"].kind.prefixes == ("SM", "MM")
    assert OPS["FetchQueue"].kind.prefixes == ("QU",)
    member = OPS["FetchMember"].kind
    assert (member.name, member.identity) == ("queue.member", "call_sid")
    assert member.is_identity("CA" + "a" * 32) and not member.is_identity("QU" + "a" * 32)
    assert OPS["FetchCallRecording"].kind is OPS["FetchRecording"].kind or \
        OPS["FetchCallRecording"].kind.name == OPS["FetchRecording"].kind.name == "recording"
    assert OPS["ListDependentPhoneNumber"].kind.name == "incoming_phone_number"  # an alias: a view
    assert OPS["FetchOutgoingCallerId"].kind.name == "outgoing_caller_id"  # PN too, but not a number


def test_parents_come_from_the_paths() -> None:
    extension = OPS["FetchIncomingPhoneNumberAssignedAddOnExtension"]
    assert [(a.param, a.kind.name, a.scoped) for a in extension.ancestors] == [
        ("ResourceSid", "incoming_phone_number", False),
        ("AssignedAddOnSid", "incoming_phone_number.incoming_phone_number_assigned_add_on", True),
    ]
    assert [a.field for a in OPS["ListMedia"].ancestors] == ["parent_sid"]  # the table's exception
    assert OPS["ListMessage"].account_level and OPS["ListMessage"].list_key == "messages"


def test_parents_agree_with_the_specs_parent_annotation() -> None:
    """Each nested operation's innermost parent is the path ``x-twilio.parent`` names, wherever that
    path is a resource (``/SIP.json``, ``/Usage.json``, ``…/Auth/Calls.json`` are mere groupings)."""
    paths = document()["paths"]
    checked = 0
    for op in OPS.values():
        parent = "/2010-04-01" + paths[op.path]["x-twilio"]["parent"]
        if op.ancestors and any(isinstance(v, dict) and "operationId" in v for v in paths.get(parent, {}).values()):
            assert parent == op.ancestors[-1].path, op.id
            checked += 1
    assert checked == 77  # every nested operation but the 12 under the SIP domains' Auth groupings


def test_parameters_their_rules_and_documented_defaults() -> None:
    create = OPS["CreateIncomingPhoneNumber"].form  # "The default is `POST`", "Default is `false`"
    assert (create["VoiceMethod"].field, create["VoiceMethod"].spec.default) == ("voice_method", "POST")
    assert create["VoiceCallerIdLookup"].spec.default is False
    assert OPS["CreateApplication"].form["VoiceMethod"].spec.default is None  # documents none
    assert OPS["CreateQueue"].form["FriendlyName"].required
    assert OPS["CreateSipCredentialListMapping"].form["CredentialListSid"].field == "sid"
    assert OPS["UpdateCall"].form["Status"].spec.enum == ("canceled", "completed")


def test_values_are_parsed_to_their_type_or_refused() -> None:
    def param(**spec: object) -> Param:
        return Param(Field("P", **spec), "p")  # type: ignore[arg-type]

    assert parse("Op", param(type="integer"), ["1", "12"]) == 12  # the last value counts
    assert parse("Op", param(type="boolean"), ["TRUE"]) is True
    assert parse("Op", param(type="string", format="http-method", enum=("GET", "POST")), ["post"]) == "POST"
    assert parse("Op", param(type="string"), [""]) is None
    assert parse("Op", param(type="array", items_enum=("a", "b")), ["a,b", "a"]) == ["a", "b", "a"]
    for spec, value in (({"type": "integer"}, "1.5"), ({"type": "string", "format": "uri"}, "mailto:x"),
                        ({"type": "string", "enum": ("x",)}, "y"), ({"type": "string"}, "x" * 5000)):
        with pytest.raises(InvalidValue):
            parse("Op", param(**spec), [value])


def test_stored_values_are_fitted_to_the_representation() -> None:
    assert fit(Field("n", "string"), 3) == "3"
    assert fit(Field("n", "integer", nullable=False), None) == 0
    assert fit(Field("m", "string", "http-method", enum=("GET", "POST")), None) == "POST"  # an enum is never null
    assert fit(Field("s", "string", enum=("a", "b"), nullable=False), "zzz") == "a"
    assert fit(Field("b", "boolean"), "true") is True


def test_list_filters() -> None:
    ops = OPS["ListMessage"]
    assert matches_for(ops, {"To": ["+1500"], "DateSent>": ["2024-05-01"], "PageSize": ["5"]}, {}) == [
        Match("to", EQUAL, "+1500"), Match("date_sent", AT_LEAST, "2024-05-01")]
    assert matches_for(ops, {"DateSent": ["2024-05-01"]}, {}) == [
        Match("date_sent", AT_LEAST, "2024-05-01"), Match("date_sent", BELOW, "2024-05-02")]
    view = OPS["ListDependentPhoneNumber"]
    assert matches_for(view, {}, {"AddressSid": "AD1"}) == [Match("address_sid", EQUAL, "AD1")]
    with pytest.raises(InvalidValue):
        matches_for(OPS["ListCall"], {"Status": ["dialling"]}, {})


def test_a_timeline_shows_the_step_whose_time_has_come() -> None:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    data = lifecycle.begin({}, lifecycle.message_steps(start, lifecycle.Settings(timedelta(seconds=10))))
    assert data["status"] == "delivered"  # what lists filter on
    assert lifecycle.current(data, start)[0]["status"] == "queued"
    assert lifecycle.current(data, start + timedelta(seconds=15))[0]["status"] == "sent"
    assert lifecycle.current(data, start + timedelta(seconds=25), initial=True)[0]["status"] == "queued"
    cut = start + timedelta(seconds=5)
    ended = lifecycle.end(data, cut, [iso(cut), {"status": "canceled"}])
    assert ended["status"] == "canceled"
    assert lifecycle.current(ended, start + timedelta(hours=1))[0]["status"] == "canceled"
