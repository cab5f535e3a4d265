"""Which operation of the spec is answered by whom: every one is in exactly one of three places.

- hand-written: resources with behaviour of their own keep their modules (api/accounts.py,
  api/connect_apps.py, api/authorized_connect_apps.py, api/keys.py); the engine never mounts their paths.
- refused: answered with an error, for the reason given (docs/coverage.md lists them).
- served: everything else, by the generic engine.
"""

from dataclasses import dataclass

from connectapps.domain.resources.contract import Operation, all_operations, contract

SERVED = "served"
HANDWRITTEN = "hand-written"
REFUSED = "refused"

HANDWRITTEN_OPERATIONS = {
    "CreateAccount": "api/accounts.py",
    "ListAccount": "api/accounts.py",
    "FetchAccount": "api/accounts.py",
    "UpdateAccount": "api/accounts.py",
    "FetchConnectApp": "api/connect_apps.py",
    "UpdateConnectApp": "api/connect_apps.py",
    "ListConnectApp": "api/connect_apps.py",
    "FetchAuthorizedConnectApp": "api/authorized_connect_apps.py",
    "ListAuthorizedConnectApp": "api/authorized_connect_apps.py",
    "CreateNewKey": "api/keys.py",
    "ListKey": "api/keys.py",
    "FetchKey": "api/keys.py",
    "UpdateKey": "api/keys.py",
    "DeleteKey": "api/keys.py",
}

_SIGNING_KEYS = (
    "signing keys: the spec gives only their shape (no documented behaviour), and neither twilio-cli nor "
    "the helper libraries' workflows call them; API keys are the Keys resource (api/keys.py)"
)
REFUSED_OPERATIONS = {
    "DeleteConnectApp": "405/20004: Twilio's documentation says \"Not supported\" (api/connect_apps.py)",
    "CreateNewSigningKey": _SIGNING_KEYS,
    "ListSigningKey": _SIGNING_KEYS,
    "FetchSigningKey": _SIGNING_KEYS,
    "UpdateSigningKey": _SIGNING_KEYS,
    "DeleteSigningKey": _SIGNING_KEYS,
    "FetchRecordingAddOnResultPayloadData": (
        "answers with a 307 redirect to the payload in Twilio's media storage; no media is stored here"
    ),
}


@dataclass(frozen=True, slots=True)
class Coverage:
    """One operation of the spec and who answers it."""

    operation_id: str
    method: str
    path: str
    status: str  # SERVED, HANDWRITTEN or REFUSED
    note: str  # the module, or the reason


def coverage() -> list[Coverage]:
    """Every operation of the spec (account-scoped or not), in the spec's order."""
    rows = []
    for op_id, method, path in all_operations():
        if op_id in HANDWRITTEN_OPERATIONS:
            rows.append(Coverage(op_id, method, path, HANDWRITTEN, HANDWRITTEN_OPERATIONS[op_id]))
        elif op_id in REFUSED_OPERATIONS:
            rows.append(Coverage(op_id, method, path, REFUSED, REFUSED_OPERATIONS[op_id]))
        else:
            rows.append(Coverage(op_id, method, path, SERVED, "generic engine"))
    return rows


def served_operations() -> list[Operation]:
    """The operations the generic engine answers."""
    return [op for op in contract().operations.values()
            if op.id not in HANDWRITTEN_OPERATIONS and op.id not in REFUSED_OPERATIONS]
