"""The generic engine: create, fetch, list, update and delete any spec-driven resource.

The caller (the wire) has already authenticated the caller and authorized the account; the engine
checks the path's parents exist (a call's recordings need the call, in that account), reads and
checks the parameters against the operation's contract, fills documented defaults, stores, and
answers each row as its properties. What a resource does beyond state lives in behaviours.py
(per operation) and catalog.py (resources Twilio computes: balance, usage, numbers for sale).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectapps.domain import sids
from connectapps.domain.errors import AccountNotActive, NotFound
from connectapps.domain.models import ACTIVE, Page, PageRequest
from connectapps.domain.resources import behaviours, catalog
from connectapps.domain.resources.context import Call, Params
from connectapps.domain.resources.contract import Operation, contract
from connectapps.domain.resources.errors import Conflict, MissingParameter
from connectapps.domain.resources.queries import matches_for
from connectapps.domain.resources.records import Resource, iso
from connectapps.domain.resources.values import parse
from connectapps.domain.resources.view import Item, view
from connectapps.domain.store import ResourceStore

INTERNAL_PREFIX = "ZZ"  # keys of resources that have no SID of their own (never shown but in page tokens)


def check_parents(c: Call) -> None:
    """Every parent the path names exists in this account (and under its own parent); else 404."""
    outer = ""
    for ancestor in c.op.ancestors:
        value = c.path[ancestor.param]
        if catalog.is_catalog(ancestor.kind.name):
            found = catalog.has(ancestor.kind.name, value)
        else:
            found = ancestor.kind.is_identity(value) and c.store.get_resource(
                c.account.sid, ancestor.kind.name, value, outer if ancestor.scoped else None) is not None
        if not found:
            raise NotFound(value)
        outer = value


def read_params(c: Call, params: Params, *, creating: bool) -> dict[str, Any]:
    """The sent parameters the operation knows, typed and checked, by wire name; unknown ones are
    ignored (as Twilio does). Required ones must be sent (and not empty)."""
    values: dict[str, Any] = {}
    for name, param in c.op.form.items():
        raw = params.get(name)
        if raw:
            values[name] = parse(c.op.id, param, raw)
    for param in c.op.required():
        if values.get(param.name) in (None, []):
            raise MissingParameter(c.op.id, param.name)
    if creating:
        behaviours.check_required(c.op.id, values)
    return values


def check_active(c: Call) -> None:
    """Nothing is created, changed or deleted in a suspended or closed account (Twilio's 10001)."""
    if c.account.status != ACTIVE:
        raise AccountNotActive(c.account.status)


def create(c: Call, params: Params) -> Item:
    check_active(c)
    if not behaviours.creates_parent(c.op.id):
        check_parents(c)
    values = read_params(c, params, creating=True)
    data: dict[str, Any] = {}
    properties = c.op.representation.properties if c.op.representation else ()
    shown = {p.name for p in properties}
    for param in c.op.form.values():  # documented defaults of what the representation shows
        if param.field in shown and param.spec.default is not None:
            data[param.field] = param.spec.default
    for name, value in values.items():
        field = c.op.form[name].field
        if field in shown or field == "sid":
            data[field] = value
    for ancestor in c.op.ancestors:
        data[ancestor.field] = c.path[ancestor.param]
    data.update(c.op.fixed)
    identity = str(data.pop(c.op.kind.identity, "") or "") if c.op.kind.identity == "sid" else ""
    row = Resource(c.account.sid, c.op.kind.name, c.scope, identity or _new_key(c.op), data, c.now, c.now)
    prepared = behaviours.prepare(c, values, row)
    if prepared.rows and not c.store.insert_resources(prepared.rows):
        raise Conflict(c.op.id, _identity_param(c.op, values), prepared.rows[0].sid)
    if prepared.answer is not None:
        return prepared.answer
    return view(c.store, c.op, prepared.rows[0], c.now, c.settings, initial=True)


def _new_key(op: Operation) -> str:
    """A new SID with the kind's own prefix; a kind without SIDs gets an internal key."""
    return sids.new_sid(op.kind.prefixes[0] if op.kind.prefixes else INTERNAL_PREFIX)


def _identity_param(op: Operation, values: Mapping[str, Any]) -> str:
    return next((name for name, p in op.form.items() if p.field == "sid" and name in values), "Sid")


def fetch(c: Call) -> Item:
    if catalog.is_catalog(c.op.kind.name):
        check_parents(c)
        return catalog.fetch(c)
    return view(c.store, c.op, _existing(c), c.now, c.settings)


def _existing(c: Call) -> Resource:
    check_parents(c)
    sid = behaviours.resolve_identity(c, c.identity)
    row = c.store.get_resource(c.account.sid, c.op.kind.name, sid, _scope_of(c)) \
        if sid and c.op.kind.is_identity(sid) else None
    if row is None:
        raise NotFound(c.identity)
    return row


def _scope_of(c: Call) -> str | None:
    """Children are looked up under their parent; an account-level path finds a row under any."""
    return c.scope if c.op.ancestors and not c.op.matches else None


def list_page(c: Call, query: Params, request: PageRequest) -> Page[Item]:
    check_parents(c)
    if catalog.is_catalog(c.op.kind.name):
        return catalog.list_page(c, query, request)
    matches = matches_for(c.op, query, c.path)
    page = c.store.list_resources(c.account.sid, c.op.kind.name, request, _scope_of(c), matches)
    return Page([view(c.store, c.op, row, c.now, c.settings) for row in page.items], page.has_more)


def update(c: Call, params: Params) -> Item:
    check_active(c)
    check_parents(c)
    values = read_params(c, params, creating=False)
    current = _existing(c)
    special = behaviours.update_instead(c, current, values)
    if special is not None:
        return special
    changes: dict[str, Any] = {}
    properties = {p.name for p in c.op.representation.properties} if c.op.representation else set()
    for name, value in values.items():  # an empty value (None) clears the property
        field = c.op.form[name].field
        if field in properties:
            changes[field] = value

    def change(row: Resource) -> dict[str, Any]:
        return behaviours.on_update(c, row, values, {**row.data, **changes})

    updated = c.store.update_resource(c.account.sid, c.op.kind.name, current.sid, current.scope, change, c.now)
    if updated is None:
        raise NotFound(c.identity)
    return view(c.store, c.op, updated, c.now, c.settings)


def delete(c: Call) -> None:
    check_active(c)
    current = _existing(c)
    if not c.store.delete_resource(c.account.sid, c.op.kind.name, current.sid, current.scope):
        raise NotFound(c.identity)
    behaviours.after_delete(c, current)


def seed(store: ResourceStore, account_sid: str, kind: str, properties: Mapping[str, Any], scope: str = "",
         sid: str | None = None) -> Resource:
    """Store a resource Twilio makes by itself (a conference, a transcription, a short code…) as the
    API would show it: for test suites and seed data, never reached by a request."""
    found = contract().kinds[kind]
    now = datetime.now(UTC)
    key = sid or sids.new_sid(found.prefixes[0] if found.prefixes else INTERNAL_PREFIX)
    data = {name: iso(value) if isinstance(value, datetime) else value for name, value in properties.items()}
    row = Resource(account_sid, kind, scope, key, data, now, now)
    if not store.insert_resources([row]):
        raise ValueError(f"{kind} {key} already exists")
    return row
