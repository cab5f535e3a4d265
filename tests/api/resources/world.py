"""How the coverage test exercises each operation: a request built from the operation's own contract.

Forms send every parameter the operation declares, with a value its schema accepts (the first enum
value, a SID of the pattern's prefix, a URL, a phone number…), so every property a request can set
is set and shown. Paths are filled with resources that exist in the account: made through the API
where the spec has a create, else seeded through the domain (engine.seed), as Twilio makes them.
"""

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import requests

from connectapps.domain.models import Account, PageRequest
from connectapps.domain.resources import engine
from connectapps.domain.resources.catalog import is_catalog
from connectapps.domain.resources.contract import Field, Kind, Operation
from connectapps.domain.resources.served import REFUSED, coverage, served_operations
from tests.conftest import Server

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_PARAM = re.compile(r"\{([A-Za-z]+)\}")
_SID_PATTERN = re.compile(r"\^\(?([A-Z]{2})")

# Values a generic sample would get wrong.
VALUES = {
    ("CreateIncomingPhoneNumber", "AreaCode"): "415",
    ("CreateSipIpAddress", "IpAddress"): "192.0.2.1",
    ("UpdateSipIpAddress", "IpAddress"): "192.0.2.2",
    ("CreateSipDomain", "DomainName"): "coverage.sip.twilio.com",
}
# Seeded instead of made by the engine's create (the spec has no create for them).
SEEDS: dict[str, dict[str, Any]] = {
    "conference": {"friendly_name": "Seeded", "status": "in-progress"},
    "recording": {"status": "completed", "source": "RecordVerb", "channels": 1},
    "transcription": {"status": "completed", "transcription_text": "hello"},
    "notification": {"log": "0", "error_code": "11200", "message_text": "Seeded"},
    "short_code": {"short_code": "89449", "friendly_name": "Seeded"},
    "call.call_event": {"request": {"method": "POST"}, "response": {"response_code": 200}},
}
ORDER = {"create": 0, "fetch": 1, "list": 2, "update": 3, "delete": 4}


def sample(op: Operation, name: str, spec: Field) -> list[str]:
    """A value the parameter's schema accepts, as form values."""
    if (op.id, name) in VALUES:
        return [VALUES[(op.id, name)]]
    if spec.type == "array":
        if spec.items_enum:
            return [spec.items_enum[0]]
        return ["https://example.com/media.jpg"] if name.endswith("Url") else [f"{name} item"]
    if spec.enum:
        return [spec.enum[0]]
    if spec.pattern is not None:
        match = _SID_PATTERN.match(spec.pattern.pattern)
        return [(match.group(1) if match else "XX") + secrets.token_hex(16)]
    by_type = {"integer": "1", "number": "1.5", "boolean": "true"}
    by_format = {"uri": "https://example.com/hook", "http-method": "POST", "phone-number": "+15005550006",
                 "date-time": "2030-01-01T00:00:00Z", "iso-country-code": "US"}
    return [by_type.get(spec.type or "") or by_format.get(spec.format or "") or f"{name} value"]


def form(op: Operation) -> dict[str, list[str]]:
    return {name: sample(op, name, param.spec) for name, param in op.form.items()}


@dataclass
class World:
    """One account and the resources the coverage test made in it."""

    server: Server
    account: Account
    proved: dict[str, int] = field(default_factory=dict)  # operationId -> status answered
    scope: str = ""  # the innermost parent of the last path filled

    def request(self, method: str, path: str, data: dict[str, list[str]] | None = None) -> requests.Response:
        headers = FORM if data is not None else None
        return self.server.request(method, path, self.account, data=data, headers=headers)

    def one(self, kind: Kind, scope: str | None) -> str:
        """The identity of a row of ``kind`` (under ``scope``), seeded if there is none yet."""
        store = self.server.store
        found = store.list_resources(self.account.sid, kind.name, PageRequest(size=1), scope).items
        if found:
            return found[0].sid
        seeded = engine.seed(store, self.account.sid, kind.name, SEEDS.get(kind.name, {}), scope or "")
        return seeded.sid

    def path_of(self, op: Operation) -> str:
        """The operation's path, its parents and identity filled with rows of this account."""
        values = {"AccountSid": self.account.sid}
        outer = ""
        for ancestor in op.ancestors:
            if is_catalog(ancestor.kind.name):
                values[ancestor.param] = "GB"
            else:
                values[ancestor.param] = self.one(ancestor.kind, outer if ancestor.scoped else None)
            outer = values[ancestor.param]
        if op.identity_param:
            if is_catalog(op.kind.name):
                values[op.identity_param] = "GB"
            elif op.kind.name == "queue.member":
                values[op.identity_param] = "Front"  # the call first in line (exercise enqueues one)
            else:
                values[op.identity_param] = self.one(op.kind, outer if op.ancestors else None)
        self.scope = outer
        return _PARAM.sub(lambda m: values[m.group(1)], op.path)

    def exercise(self, op: Operation) -> requests.Response:
        path = self.path_of(op)
        if op.id == "ListDependentPhoneNumber":  # a number that depends on this address
            address = path.split("/Addresses/")[1].split("/")[0]
            engine.seed(self.server.store, self.account.sid, "incoming_phone_number",
                        {"phone_number": "+15005550001", "address_sid": address})
        if op.id in ("FetchMember", "UpdateMember"):
            self._enqueue(path)
        if op.action == "list" and not is_catalog(op.kind.name) and not (op.matches or op.fixed) \
                and op.kind.name not in ("queue.member", "conference.participant"):
            self.one(op.kind, self.scope if op.ancestors else None)  # a list with something in it
        data = form(op) if op.method == "POST" else None
        return self.request(op.method, path, data)

    def _enqueue(self, path: str) -> None:
        """A call waiting in the queue the path names, so that the member exists."""
        queue = path.split("/Queues/")[1].split("/")[0]
        name = self.server.store.get_resource(self.account.sid, "queue", queue, None)
        assert name is not None
        twiml = f"<Response><Enqueue>{name.data['friendly_name']}</Enqueue></Response>"
        made = self.request("POST", f"/2010-04-01/Accounts/{self.account.sid}/Calls.json",
                            {"To": ["+15005550006"], "From": ["+15005550001"], "Twiml": [twiml]})
        assert made.status_code == 201, made.text


def operations_in_order() -> list[Operation]:
    """Creates first (parents before children), then fetches, lists, updates; deletes last, children first."""
    ops = served_operations()
    return sorted(ops, key=lambda op: (ORDER[op.action], -len(op.ancestors) if op.action == "delete"
                                       else len(op.ancestors), op.id))


def refused_operations() -> list[tuple[str, str, str]]:
    return [(row.operation_id, row.method, row.path) for row in coverage() if row.status == REFUSED]
