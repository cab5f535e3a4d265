"""The admin API in the served ``/openapi.json``: when the admin API is on, its operations join
Twilio's (tagged ``connectapps-admin``, under a Bearer security scheme of their own); when it is off,
the document is Twilio's alone, as before."""

from typing import Any

import falcon
import orjson

from connectapps.api.resources.openapi import OpenApi, document
from connectapps.wire import render
from connectapps.wire.compressed import KeptCompressed

SCHEME = "connectappsAdmin"
_OBJECT = {"type": "object"}


def _op(summary: str, op_id: str, body: dict[str, Any] | None = None, status: str = "200",
        params: tuple[str, ...] = ()) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary, "operationId": f"Admin{op_id}", "tags": ["connectapps-admin"],
        "security": [{SCHEME: []}],
        "responses": {status: {"description": "OK", "content": {"application/json": {"schema": _OBJECT}}}
                      if status != "204" else {"description": "Done"},
                      "401": {"description": "No or wrong admin token"}},
    }
    if body is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": {"type": "object",
                                                                                "properties": body}}}}
    if params:
        operation["parameters"] = [{"name": p, "in": "query", "schema": {"type": "string"}} for p in params]
    return operation


_S = {"type": "string"}
_N = {"type": "number"}
_I = {"type": "integer"}
NAME = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]

PATHS: dict[str, Any] = {
    "/__admin/reset": {"post": _op("Back to the seed (or to empty): records, journal, faults, retry settings",
                                   "Reset", {"to": {"type": "string", "enum": ["seed", "empty"]}})},
    "/__admin/snapshots": {"get": _op("List snapshots", "ListSnapshots")},
    "/__admin/snapshots/{name}": {"parameters": NAME, "get": _op("Fetch a snapshot", "FetchSnapshot"),
                                  "put": _op("Save every record under a name", "SaveSnapshot", status="201"),
                                  "delete": _op("Forget a snapshot", "DeleteSnapshot", status="204")},
    "/__admin/snapshots/{name}/restore": {"parameters": NAME, "post": _op("Restore a snapshot", "RestoreSnapshot")},
    "/__admin/authorize": {"post": _op(
        "Authorize (or deny) a Connect App as a user would on the consent page; the redirect URL", "Authorize",
        {"connect_app_sid": _S, "user": _S, "account_sid": _S, "state": _S,
         "decision": {"type": "string", "enum": ["authorize", "deny"]}}, "201")},
    "/__admin/deauthorize": {"post": _op("End an authorization; its deauthorize callback is queued",
                                         "Deauthorize", {"connect_app_sid": _S, "account_sid": _S})},
    "/__admin/callbacks": {"get": _op("Deauthorize callbacks with their attempts", "ListCallbacks",
                                      params=("status", "connect_app_sid", "limit"))},
    "/__admin/callbacks/deliver": {"post": _op("Attempt every pending callback now", "DeliverCallbacks")},
    "/__admin/callbacks/settings": {
        "get": _op("Retry settings", "FetchCallbackSettings"),
        "post": _op("Change retry settings (fast: true for tests)", "UpdateCallbackSettings",
                    {"fast": {"type": "boolean"}, "backoff_base": _N, "backoff_max": _N, "give_up_after": _N,
                     "poll_interval": _N, "timeout": _N})},
    "/__admin/requests": {
        "get": _op("The request journal, oldest first", "ListRequests",
                   params=("method", "path", "principal_kind", "principal_sid", "connect_app_sid", "status",
                           "error_code", "limit")),
        "delete": _op("Clear the journal", "ClearRequests")},
    "/__admin/faults": {
        "get": _op("Faults", "ListFaults"),
        "post": _op("Inject a fault", "CreateFault", {
            "method": _S, "path": _S, "status": _I, "code": _I, "message": _S, "latency_ms": _I,
            "probability": _N, "times": _I}, "201"),
        "delete": _op("Clear every fault", "ClearFaults")},
    "/__admin/faults/{fault_id}": {
        "parameters": [{"name": "fault_id", "in": "path", "required": True, "schema": _S}],
        "delete": _op("Remove a fault", "DeleteFault", status="204")},
}


def _with_admin() -> bytes:
    source = orjson.loads(document())
    components = source.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {"type": "http", "scheme": "bearer",
                                                            "description": "The admin token (docs/testing.md)"}
    source["paths"] = {**source["paths"], **PATHS}
    return render.encode(source)


with_admin = KeptCompressed(_with_admin)


class OpenApiWithAdmin(OpenApi):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with_admin.answer(req, resp)
