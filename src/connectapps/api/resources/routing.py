"""Every path of the spec the generic engine serves, as a Falcon route, and the request flow.

A request is answered as every REST resource here is: authenticate, authorize the path's account
for the method (delegated ``get-all`` reads, ``post-all`` writes, exactly as for Accounts), call the
engine, encode. Methods a path does not serve answer 405 / 20004 after authentication.
"""

import re
from typing import Any, ClassVar

import falcon

from connectapps.api.base import Resource, respond
from connectapps.api.resources import responses
from connectapps.domain.resources import catalog, engine
from connectapps.domain.resources.context import Call, call
from connectapps.domain.resources.contract import Operation
from connectapps.domain.resources.lifecycle import Settings
from connectapps.domain.store import Store
from connectapps.wire import forms, paging

_PARAM = re.compile(r"\{([A-Za-z]+)\}")


def route(path: str) -> str:
    """A spec path as a Falcon template: ``{AccountSid}`` -> ``{account_sid}`` (as the hand-written
    routes name it), the others by position, ``{p1}``, ``{p2}``… (Falcon wants one name per level,
    and the spec names the same level ``{ReferenceSid}`` in one path and ``{RecordingSid}`` in another)."""
    names = iter(["account_sid", *(f"p{n}" for n in range(1, 10))])
    return _PARAM.sub(lambda m: "{" + next(names) + "}", path)


class SpecPath(Resource):
    """One path of the spec. ``mount`` makes a subclass per path with a responder for each method the
    engine serves there (and ``operations`` by method); the base class refuses the others."""

    operations: ClassVar[dict[str, Operation]] = {}

    def __init__(self, store: Store, settings: Settings) -> None:
        super().__init__(store)
        self.settings = settings

    @property
    def schema(self) -> str | None:  # type: ignore[override]
        """One item's schema, for a list's CSV header row (wire/representations.py)."""
        op = self.operations.get("GET")
        return op.representation.name if op is not None and op.representation is not None else None

    def respond(self, req: falcon.Request, resp: falcon.Response, **params: str) -> None:
        self._answer(req, resp, params)

    def _call(self, req: falcon.Request, op: Operation, params: dict[str, str]) -> Call:
        account = self.account(req, params["account_sid"])
        path = {name: params[f"p{n}"] for n, name in enumerate(_PARAM.findall(op.path)[1:], start=1)}
        return call(self.store, op, account, path, self.settings)

    def _answer(self, req: falcon.Request, resp: falcon.Response, params: dict[str, str]) -> None:
        op = self.operations["GET" if req.method == "HEAD" else req.method]  # HEAD answers as GET
        c = self._call(req, op, params)
        if op.action == "list":
            respond(resp, _list(c, req), op.status)
        elif op.action == "fetch":
            respond(resp, responses.item(c, engine.fetch(c)), op.status)
        elif op.action == "create":
            respond(resp, responses.item(c, engine.create(c, forms.read_form(req))), op.status)
        elif op.action == "update":
            respond(resp, responses.item(c, engine.update(c, forms.read_form(req))), op.status)
        else:
            engine.delete(c)
            resp.status = op.status


def _query(req: falcon.Request) -> dict[str, list[str]]:
    return {name: value if isinstance(value, list) else [value] for name, value in req.params.items()}


def _list(c: Call, req: falcon.Request) -> dict[str, Any]:
    kind = c.op.kind
    check = kind.is_identity if kind.identity else catalog.is_key
    page, request = paging.parse(req.params, check)
    query = _query(req)
    result = engine.list_page(c, query, request)
    items = [responses.item(c, answered) for answered in result.items]
    filters = [(name, query[name][-1]) for name in c.op.query if query.get(name) and query[name][-1] != ""]
    assert c.op.list_key is not None
    body = paging.envelope(
        c.op.list_key, req.path, items, page, request, result.has_more, echo_query=bool(req.query_string),
        filters=filters, keys=[answered.key for answered in result.items],
    )
    return {key: value for key, value in body.items() if key in c.op.envelope}  # as the spec's list schema has


def mount(app: falcon.App[falcon.Request, falcon.Response], store: Store, settings: Settings,
          served: list[Operation]) -> None:
    """Add a route for every path of ``served``, each answering its operations."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in served:
        by_path.setdefault(op.path, {})[op.method] = op
    for path, operations in by_path.items():
        allowed = ", ".join(m for m in ("GET", "POST", "DELETE") if m in operations)
        name = "Spec" + re.sub(r"[^A-Za-z]", "", path.removeprefix("/2010-04-01/Accounts/{AccountSid}"))
        responders = {f"on_{method.lower()}": SpecPath.respond for method in operations}
        resource = type(name, (SpecPath,), {"operations": operations, "allowed": allowed, **responders})
        app.add_route(route(path), resource(store, settings))
