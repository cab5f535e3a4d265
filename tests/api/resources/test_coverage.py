"""Coverage that cannot lie: every account-scoped operation of Twilio's spec, answered for real.

One test per backend walks every operation the engine serves (served.py), over HTTP, with a request
built from the operation's own contract (world.py), and checks the status the spec declares and the
body against the spec's schema, keys included. Refused operations answer an error envelope;
hand-written ones are answered by their own modules, never by the engine. docs/coverage.md is
generated from the same enumeration and must be current.
"""

import hashlib
from pathlib import Path

import pytest

from connectapps.api.resources.routing import SpecPath, route
from connectapps.app import create_app
from connectapps.domain.resources import spec
from connectapps.domain.resources.contract import all_operations, contract
from connectapps.domain.resources.served import HANDWRITTEN_OPERATIONS, REFUSED_OPERATIONS, served_operations
from tests.api.resources import coverage_doc
from tests.api.resources.spec_schemas import assert_answer, official_spec
from tests.api.resources.world import World, operations_in_order, refused_operations
from tests.conftest import Server
from tests.envelope import assert_error


def test_the_packaged_spec_is_the_official_file() -> None:
    official = official_spec().read_bytes()
    assert hashlib.sha256(official).hexdigest() == spec.SOURCE_SHA256
    assert spec.raw() == official


def test_every_operation_is_served_refused_or_hand_written() -> None:
    every = {op_id for op_id, _, _ in all_operations()}
    served = {op.id for op in served_operations()}
    assert len(every) == 197
    assert served | set(REFUSED_OPERATIONS) | set(HANDWRITTEN_OPERATIONS) == every
    assert not served & set(REFUSED_OPERATIONS) and not served & set(HANDWRITTEN_OPERATIONS)
    assert len(contract().operations) == 193  # account-scoped: all but the Accounts list and instance


def test_every_served_operation_answers_as_the_spec_says(server: Server) -> None:
    world = World(server, server.account("Coverage"))
    for op in operations_in_order():
        resp = world.exercise(op)
        assert resp.status_code == op.status, f"{op.id} {op.method} {resp.request.path_url}: {resp.text}"
        if op.status != 204:
            assert_answer(resp.json(), op.path, op.method, op.status)
            if op.action == "list":
                assert resp.json()[op.list_key], f"{op.id}: an empty list proves little"
        world.proved[op.id] = resp.status_code
    assert set(world.proved) == {op.id for op in served_operations()}


@pytest.mark.parametrize(("operation_id", "method", "path"), refused_operations(), ids=lambda v: str(v))
def test_refused_operations_answer_an_error(server: Server, operation_id: str, method: str, path: str) -> None:
    owner = server.account()
    filled = path.replace("{AccountSid}", owner.sid)
    for name in ("Sid", "ReferenceSid", "AddOnResultSid", "PayloadSid"):
        filled = filled.replace("{" + name + "}", "CN" + "0" * 32 if "ConnectApps" in path else "XX" + "0" * 32)
    resp = server.request(method, filled, owner)
    assert resp.status_code in (404, 405)
    assert_error(resp, resp.status_code, 20404 if resp.status_code == 404 else 20004)


def test_the_engine_never_mounts_a_hand_written_path(server: Server) -> None:
    app = create_app(server.store)
    for op_id in HANDWRITTEN_OPERATIONS:
        path = next(p for i, _, p in all_operations() if i == op_id)
        found = app._router.find(route(path).replace("{account_sid}", "AC" + "0" * 32))
        assert found is not None and not isinstance(found[0], SpecPath), op_id


def test_openapi_publishes_what_is_served(server: Server) -> None:
    published = server.get("/openapi.json").json()
    ids = {op["operationId"] for item in published["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op}
    assert ids == {op.id for op in served_operations()} | set(HANDWRITTEN_OPERATIONS)
    assert published["servers"] == [{"url": "/"}]


def test_coverage_doc_is_current() -> None:
    written = (Path(__file__).resolve().parents[3] / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert written == coverage_doc.render(), "docs/coverage.md is stale: run `make coverage-doc`"
