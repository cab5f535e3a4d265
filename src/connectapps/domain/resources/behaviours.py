"""What some resources do beyond keeping state, per operation. State and shape, not telephony.

- A Message: SID ``MM`` with media (one Media resource per ``MediaUrl``), else ``SM``; segments
  counted from the body; queued -> sent -> delivered (lifecycle.py). Updating ``Status=canceled``
  ends it canceled; ``Body=`` redacts it.
- A Call: queued -> in-progress -> completed. ``Twiml`` with ``<Enqueue>name</Enqueue>`` puts it in
  the account's queue of that name (made if missing) until a member update (dequeue) ends it.
  Updating ``Status=completed|canceled`` ends it now.
- An IncomingPhoneNumber: a number in the given area code when only ``AreaCode`` is sent.
- A conference Participant: joins the conference named in the path by SID or by friendly name
  (made if missing, as on Twilio), with a Call of its own, hung up when the participant is removed.
- A validation request verifies the caller ID at once: the OutgoingCallerId exists on return.
- A Token: ephemeral STUN/TURN credentials, answered and not kept.
"""

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from connectapps.domain import sids
from connectapps.domain.errors import NotFound
from connectapps.domain.models import PageRequest
from connectapps.domain.resources import derived, lifecycle
from connectapps.domain.resources.context import Call
from connectapps.domain.resources.contract import contract
from connectapps.domain.resources.conventions import NUMBER_TYPE
from connectapps.domain.resources.errors import InvalidValue, MissingParameter
from connectapps.domain.resources.records import EQUAL, Match, Resource, iso
from connectapps.domain.resources.values import fit
from connectapps.domain.resources.view import Item, view

API_VERSION = "2010-04-01"
_ENQUEUE = re.compile(r"<Enqueue\b[^>]*>\s*([^<]{1,64}?)\s*</Enqueue>")
_AREA_CODE = re.compile(r"[2-9][0-9]{2}\Z")
_TOLL_FREE = re.compile(r"\+18(00|33|44|55|66|77|88)")

# Parameters of which one must be sent, beyond the spec's ``required`` (the error names the first).
REQUIRED_GROUPS: dict[str, tuple[tuple[str, ...], ...]] = {
    "CreateMessage": (("From", "MessagingServiceSid"), ("Body", "MediaUrl", "ContentSid")),
    "CreateCall": (("Url", "Twiml", "ApplicationSid"),),
    "CreateIncomingPhoneNumber": (("PhoneNumber", "AreaCode"),),
}


@dataclass(frozen=True, slots=True)
class Prepared:
    """The rows a create writes together (the first is the one answered), or an answer of its own."""

    rows: list[Resource]
    answer: Item | None = None


def check_required(operation: str, values: Mapping[str, Any]) -> None:
    for group in REQUIRED_GROUPS.get(operation, ()):
        if all(values.get(name) in (None, []) for name in group):
            raise MissingParameter(operation, group[0])


def creates_parent(operation: str) -> bool:
    """A participant's conference may be named by friendly name, and is made if missing."""
    return operation == "CreateParticipant"


def formatted(number: str) -> str:
    """``+14155550100`` -> ``(415) 555-0100``, as Twilio names a North American number."""
    if re.fullmatch(r"\+1[0-9]{10}", number):
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def prepare(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    hook = _CREATE.get(c.op.id) or (_number if c.op.kind.name == "incoming_phone_number" else None)
    return hook(c, values, row) if hook else Prepared([row])


def _message(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    media = values.get("MediaUrl") or []
    sid = sids.new_sid("MM" if media else "SM")
    body = values.get("Body") or ""
    data = {**row.data, "body": body, "direction": "outbound-api", "api_version": API_VERSION,
            "num_segments": str(1 if len(body) <= 160 else math.ceil(len(body) / 153)),
            "num_media": str(len(media)), "price_unit": "USD"}
    rows = [replace(row, sid=sid, data=lifecycle.begin(data, lifecycle.message_steps(c.now, c.settings)))]
    for url in media:
        kind = "image/jpeg" if url.lower().endswith((".jpg", ".jpeg")) else "application/octet-stream"
        rows.append(Resource(row.account_sid, "message.media", sid, sids.new_sid("ME"),
                             {"parent_sid": sid, "content_type": kind, "_url": url}, c.now, c.now))
    return Prepared(rows)


def _call(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    data = {**row.data, "direction": "outbound-api", "api_version": API_VERSION, "price_unit": "USD",
            "from_formatted": formatted(str(values.get("From", ""))), "queue_time": "0",
            "to_formatted": formatted(str(values.get("To", "")))}
    enqueue = _ENQUEUE.search(str(values.get("Twiml") or ""))
    steps = lifecycle.call_steps(c.now, c.settings, ends=enqueue is None)
    rows = [replace(row, data=lifecycle.begin(data, steps))]
    if enqueue:
        rows += _enqueue(c, row.sid, enqueue.group(1))
    return Prepared(rows)


def _enqueue(c: Call, call_sid: str, name: str) -> list[Resource]:
    """The member row for ``call_sid`` in the account's queue ``name`` (and the queue, if new)."""
    found = c.store.list_resources(c.account.sid, derived.QUEUE, PageRequest(size=1), None,
                                   [Match("friendly_name", EQUAL, name)]).items
    rows: list[Resource] = []
    if found:
        queue_sid = found[0].sid
    else:
        queue_sid = sids.new_sid("QU")
        rows.append(Resource(c.account.sid, derived.QUEUE, "", queue_sid,
                             {"friendly_name": name, "max_size": 1000}, c.now, c.now))
    rows.append(Resource(c.account.sid, derived.MEMBER, queue_sid, call_sid,
                         {"queue_sid": queue_sid, "date_enqueued": iso(c.now)}, c.now, c.now))
    return rows


def _number(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    number = values.get("PhoneNumber")
    if not number:
        area = str(values.get("AreaCode"))
        if _AREA_CODE.match(area) is None:
            raise InvalidValue(c.op.id, "AreaCode", area, "a three-digit North American area code")
        number = f"+1{area}555{sids.randbelow(10000):04d}"
    number_type = row.data.get(NUMBER_TYPE) or ("toll_free" if _TOLL_FREE.match(number) else "local")
    data = {"friendly_name": formatted(number), "capabilities": {"voice": True, "sms": True, "mms": True,
            "fax": False}, "status": "in-use", "origin": "twilio", "beta": False, "api_version": API_VERSION,
            "address_requirements": "none", "emergency_status": "Inactive", "voice_receive_mode": "voice",
            "emergency_address_status": "unregistered", "type": number_type, NUMBER_TYPE: number_type,
            **{k: v for k, v in row.data.items() if v is not None}, "phone_number": number}
    return Prepared([replace(row, data=data)])


def _conference(c: Call, name: str) -> tuple[str, list[Resource]]:
    """The conference the path names by SID (404 if absent) or by friendly name (made if missing)."""
    kind = "conference"
    if contract().kinds[kind].is_identity(name):
        if c.store.get_resource(c.account.sid, kind, name, None) is None:
            raise NotFound(name)
        return name, []
    found = c.store.list_resources(c.account.sid, kind, PageRequest(size=1), None, [
        Match("friendly_name", EQUAL, name), Match("status", EQUAL, "in-progress")]).items
    if found:
        return found[0].sid, []
    sid = sids.new_sid("CF")
    data = {"friendly_name": name, "status": "in-progress", "region": "us1", "api_version": API_VERSION}
    return sid, [Resource(c.account.sid, kind, "", sid, data, c.now, c.now)]


def _participant(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    conference_sid, rows = _conference(c, c.scope)
    call_sid = sids.new_sid("CA")
    call_data = {"from": values.get("From"), "to": values.get("To"), "direction": "outbound-api",
                 "api_version": API_VERSION, "price_unit": "USD"}
    steps = lifecycle.call_steps(c.now, c.settings, ends=False)
    rows.append(Resource(c.account.sid, "call", "", call_sid, lifecycle.begin(call_data, steps), c.now, c.now))
    data = {**row.data, "conference_sid": conference_sid, "call_sid": call_sid, "status": "connected"}
    return Prepared([replace(row, sid=call_sid, scope=conference_sid, data=data), *rows])


def _validation_request(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    number = str(values["PhoneNumber"])
    name = values.get("FriendlyName") or formatted(number)
    caller_id = Resource(c.account.sid, "outgoing_caller_id", "", sids.new_sid("PN"),
                         {"phone_number": number, "friendly_name": name}, c.now, c.now)
    answer = {"account_sid": c.account.sid, "call_sid": sids.new_sid("CA"), "friendly_name": name,
              "phone_number": number, "validation_code": f"{sids.randbelow(1000000):06d}"}
    return Prepared([caller_id], answer=_answer(c, row.sid, answer))


def _token(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    username, password = sids.token_hex(32), sids.token_urlsafe(32)
    servers = [{"url": "stun:global.stun.twilio.com:3478", "urls": "stun:global.stun.twilio.com:3478"}] + [
        {"url": f"turn:global.turn.twilio.com:{port}", "urls": f"turn:global.turn.twilio.com:{port}",
         "username": username, "credential": password} for port in ("3478?transport=udp", "443?transport=tcp")]
    answer = {"account_sid": c.account.sid, "date_created": c.now, "date_updated": c.now, "ice_servers": servers,
              "password": password, "ttl": str(values.get("Ttl") or 86400), "username": username}
    return Prepared([], answer=_answer(c, row.sid, answer))


def _answer(c: Call, key: str, properties: Mapping[str, Any]) -> Item:
    shown = c.op.representation.properties if c.op.representation else ()
    return Item(key, {p.name: properties.get(p.name) if p.name.startswith("date_") else fit(p, properties.get(p.name))
                      for p in shown})


def _recording(c: Call, values: Mapping[str, Any], row: Resource) -> Prepared:
    channels = 2 if values.get("RecordingChannels") == "dual" else 1
    data = {**row.data, "status": "in-progress", "source": "StartCallRecordingAPI", "channels": channels,
            "start_time": iso(c.now), "api_version": API_VERSION, "price_unit": "USD"}
    return Prepared([replace(row, data=data)])


_CREATE: dict[str, Callable[[Call, Mapping[str, Any], Resource], Prepared]] = {
    "CreateMessage": _message,
    "CreateCall": _call,
    "CreateParticipant": _participant,
    "CreateValidationRequest": _validation_request,
    "CreateToken": _token,
    "CreateCallRecording": _recording,
}


def resolve_identity(c: Call, value: str) -> str:
    """A queue member may be named ``Front``: the call first in line."""
    if c.op.kind.name == derived.MEMBER and value == "Front":
        line = derived.members(c.store, c.account.sid, c.scope)
        return line[0].sid if line else ""
    return value


def update_instead(c: Call, current: Resource, values: Mapping[str, Any]) -> Item | None:
    """Dequeueing a member (``Url`` sent) takes its call out of the queue; the call then ends."""
    if c.op.id != "UpdateMember":
        return None
    answered = view(c.store, c.op, current, c.now, c.settings)
    if c.store.delete_resource(c.account.sid, derived.MEMBER, current.sid, current.scope):
        _hang_up(c, current.sid)
    return answered


def after_delete(c: Call, deleted: Resource) -> None:
    """A participant removed from a conference is hung up, as on Twilio."""
    if c.op.id == "DeleteParticipant":
        _hang_up(c, deleted.sid)


def _hang_up(c: Call, call_sid: str) -> None:
    c.store.update_resource(c.account.sid, "call", call_sid, None, lambda row: lifecycle.end(
        row.data, c.now, lifecycle.hang_up(lifecycle.answered_at(row.data, c.now), c.now)), c.now)


def on_update(c: Call, row: Resource, values: Mapping[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A call hung up or canceled, a message canceled or redacted: the timeline ends now."""
    status = values.get("Status")
    if c.op.id == "UpdateCall" and status in ("completed", "canceled"):
        return lifecycle.end(data, c.now, lifecycle.hang_up(lifecycle.answered_at(row.data, c.now), c.now, status))
    if c.op.id == "UpdateMessage":
        if "Body" in values:
            data["body"] = values["Body"] or ""
        if status == "canceled":
            return lifecycle.end(data, c.now, [iso(c.now), {"status": "canceled"}])
    return data
