"""The admin API's routes: reset, snapshots, authorize without a browser, callbacks, the request
journal and faults. JSON in (or form-encoded, for curl), JSON out; errors in Twilio's envelope."""

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import falcon
import orjson

from connectapps.admin import faults
from connectapps.admin.journal import FILTERS
from connectapps.admin.state import Admin
from connectapps.api.base import respond
from connectapps.domain import authorizations, snapshots, users
from connectapps.domain.errors import InvalidParameter, NotFound
from connectapps.domain.models import DELIVERED, FAILED, PENDING
from connectapps.wire import fragments, render
from connectapps.wire.errors import INVALID_PARAMETER, TwilioError

BODY_MAX = 64 * 1024
LIMIT_MAX = 10_000


def bad(message: str) -> TwilioError:
    return TwilioError(400, INVALID_PARAMETER, message)


def body(req: falcon.Request) -> dict[str, Any]:
    """The request's JSON object, or its form fields; {} when empty."""
    length = req.content_length or 0
    if length > BODY_MAX:
        raise TwilioError(413, INVALID_PARAMETER, f"The body is larger than {BODY_MAX} bytes")
    raw = req.bounded_stream.read(BODY_MAX + 1) if length else b""
    if not raw.strip():
        return {}
    if (req.content_type or "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad("The body must be a JSON object (or form-encoded fields)") from None
    if not isinstance(parsed, dict):
        raise bad("The body must be a JSON object")
    return parsed


def _limit(req: falcon.Request, default: int) -> int:
    raw = req.get_param("limit") or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= LIMIT_MAX:
        raise bad(f"limit: an integer from 1 to {LIMIT_MAX}")
    return int(raw)


class Base:
    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.store = admin.store


class Reset(Base):
    """``POST /__admin/reset`` (``to=seed`` by default, or ``to=empty``): the records, the request
    journal, the faults and the callback retry settings, back to where the run started."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        to = str(body(req).get("to") or req.get_param("to") or "seed")
        if to not in ("seed", "empty"):
            raise bad("to: seed or empty")
        started = time.perf_counter()
        snapshot = snapshots.reset(self.store, to_seed=to == "seed")
        fragments.forget()
        self.admin.journal.clear()
        self.admin.faults.clear()
        self.admin.callbacks.restore_settings()
        respond(resp, {"reset_to": "seed" if snapshot else "empty", "records": snapshot.records if snapshot else 0,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 3)})


def _snapshot(snapshot: snapshots.Snapshot) -> dict[str, Any]:
    return {"name": snapshot.name, "records": snapshot.records, "date_created": render.date(snapshot.date_created)}


class SnapshotList(Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        respond(resp, {"snapshots": [_snapshot(s) for s in self.store.list_snapshots()]})


class SnapshotInstance(Base):
    """``PUT /__admin/snapshots/{name}`` saves every record under ``name``; DELETE forgets it."""

    def on_put(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        snapshot = self.store.save_snapshot(_name(name), datetime.now(UTC))
        respond(resp, _snapshot(snapshot), 201)

    on_post = on_put

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        found = [s for s in self.store.list_snapshots() if s.name == _name(name)]
        if not found:
            raise NotFound(name)
        respond(resp, _snapshot(found[0]))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if not self.store.delete_snapshot(_name(name)):
            raise NotFound(name)
        resp.status = 204


class SnapshotRestore(Base):
    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        started = time.perf_counter()
        snapshot = snapshots.restore(self.store, _name(name))
        fragments.forget()
        respond(resp, {**_snapshot(snapshot), "duration_ms": round((time.perf_counter() - started) * 1000, 3)})


def _name(name: str) -> str:
    try:
        return snapshots.check_name(name)
    except InvalidParameter:
        raise bad("A snapshot name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit") \
            from None


class Authorize(Base):
    """``POST /__admin/authorize``: what the consent page does when user U answers for account A —
    ``decision`` ``authorize`` (default) creates the authorization and its Connect subaccount;
    ``deny`` creates nothing. Answers the redirect URL the browser would have been sent to."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = body(req)
        app_sid, decision = str(fields.get("connect_app_sid") or ""), str(fields.get("decision") or "authorize")
        state = fields.get("state")
        if state is not None and not isinstance(state, str):
            raise bad("state: a string")
        if decision not in ("authorize", "deny"):
            raise bad("decision: authorize or deny")
        app = authorizations.consent_app(self.store, app_sid)
        account = self._account(str(fields.get("user") or ""), str(fields.get("account_sid") or ""))
        if decision == "deny":
            respond(resp, {"decision": "deny", "redirect_url": authorizations.denied_redirect(app, state),
                           "account_sid": None, "authorizing_account_sid": account.sid})
            return
        authorization = authorizations.authorize(self.store, app, account)
        respond(resp, {
            "decision": "authorize", "redirect_url": authorizations.approved_redirect(app, authorization, state),
            "account_sid": authorization.subaccount_sid, "authorizing_account_sid": account.sid,
            "connect_app_sid": app.sid, "permissions": list(authorization.permissions),
        }, 201)

    def _account(self, email: str, account_sid: str) -> Any:
        """The account the user answers for: one they own (their only one if none is named), or any
        account when no user is named."""
        if email:
            user = self.store.get_user_by_email(users.normalise_email(email))
            if user is None:
                raise bad(f"user: there is no user {email}")
            owned = self.store.accounts_of_user(user.id)
            if not account_sid:
                if len(owned) != 1:
                    raise bad(f"account_sid: required, {email} owns {len(owned)} accounts")
                return owned[0]
            account = users.owns(self.store, user, account_sid)
            if account is None:
                raise bad(f"account_sid: {email} does not own {account_sid}")
            return account
        account = self.store.get_account(account_sid) if account_sid else None
        if account is None:
            raise bad("account_sid: required (an existing account), or user: an email")
        return account


class Deauthorize(Base):
    """``POST /__admin/deauthorize``: what the user's "revoke" does — the authorization ends and the
    app's deauthorize callback is queued (deliver it at once with ``callbacks/deliver``)."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = body(req)
        account_sid, app_sid = str(fields.get("account_sid") or ""), str(fields.get("connect_app_sid") or "")
        ended = authorizations.revoke(self.store, account_sid, app_sid)
        respond(resp, {"account_sid": ended.subaccount_sid, "authorizing_account_sid": ended.account_sid,
                       "connect_app_sid": ended.connect_app_sid, "status": ended.status})


class CallbackList(Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        status = req.get_param("status")
        if status is not None and status not in (PENDING, DELIVERED, FAILED):
            raise bad(f"status: one of {PENDING}, {DELIVERED}, {FAILED}")
        found = self.admin.callbacks.listing(status, req.get_param("connect_app_sid"), _limit(req, 100))
        respond(resp, {"callbacks": found})


class CallbackDelivery(Base):
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        attempted = self.admin.callbacks.deliver_now()
        respond(resp, {"attempted": attempted, "callbacks": self.admin.callbacks.listing(None, None, 100)})


class CallbackSettings(Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        respond(resp, self.admin.callbacks.view())

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = body(req)
        if "fast" in fields and fields["fast"] in ("true", "1"):  # form-encoded
            fields["fast"] = True
        for name, value in list(fields.items()):
            if isinstance(value, str) and name != "fast":
                try:
                    fields[name] = float(value)
                except ValueError:
                    raise bad(f"{name}: a number of seconds") from None
        try:
            self.admin.callbacks.configure(fields)
        except (ValueError, TypeError) as exc:
            raise bad(str(exc)) from None
        respond(resp, self.admin.callbacks.view())


class Requests(Base):
    """``GET /__admin/requests``: the journal, oldest first, filtered by any of FILTERS; DELETE clears it."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        filters = {name: str(req.get_param(name)) for name in FILTERS if req.get_param(name) is not None}
        entries = self.admin.journal.entries(filters, _limit(req, self.admin.journal.size))
        respond(resp, {"requests": [e.as_dict() for e in entries]})

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        respond(resp, {"cleared": self.admin.journal.clear()})


class FaultList(Base):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        respond(resp, {"faults": [f.as_dict() for f in self.admin.faults.list()]})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = body(req)
        for name in ("status", "code", "latency_ms", "times"):  # form-encoded numbers
            if isinstance(fields.get(name), str) and fields[name].isdigit():
                fields[name] = int(fields[name])
        if isinstance(fields.get("probability"), str):
            try:
                fields["probability"] = float(fields["probability"])
            except ValueError:
                raise bad("probability: a number more than 0, at most 1") from None
        try:
            fault = self.admin.faults.add(faults.parse(fields))
        except faults.FaultError as exc:
            raise bad(str(exc)) from None
        respond(resp, fault.as_dict(), 201)

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        respond(resp, {"cleared": self.admin.faults.clear()})


class FaultInstance(Base):
    def on_delete(self, req: falcon.Request, resp: falcon.Response, fault_id: str) -> None:
        if not self.admin.faults.remove(fault_id):
            raise NotFound(fault_id)
        resp.status = 204


ROUTES: tuple[tuple[str, type[Base]], ...] = (
    ("reset", Reset), ("snapshots", SnapshotList), ("snapshots/{name}", SnapshotInstance),
    ("snapshots/{name}/restore", SnapshotRestore), ("authorize", Authorize), ("deauthorize", Deauthorize),
    ("callbacks", CallbackList), ("callbacks/deliver", CallbackDelivery), ("callbacks/settings", CallbackSettings),
    ("requests", Requests), ("faults", FaultList), ("faults/{fault_id}", FaultInstance),
)


def install(app: falcon.App[falcon.Request, falcon.Response], admin: Admin, prefix: str) -> None:
    for path, resource in ROUTES:
        app.add_route(f"{prefix}/{path}", resource(admin))
