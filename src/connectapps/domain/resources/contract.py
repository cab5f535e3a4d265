"""The 2010-04-01 API as the generic engine sees it, compiled once from the spec.

Each operation of the spec becomes an ``Operation``: its action (from the ``operationId`` prefix:
Create, Fetch, List, Update, Delete), its path and parents (each ``{…Sid}`` of the path is an
ancestor, found as the spec's instance path of that collection), the parameters it reads with
their types, enums, patterns, required flags and documented defaults, the representation it
answers with (a ``components.schemas`` entry) and the stored ``Kind`` behind it (the schema's
name, aliased where two schemas show one resource; SIDs from the schema's ``sid`` pattern).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from connectapps.domain.naming import field_name
from connectapps.domain.resources import conventions
from connectapps.domain.resources.spec import document

ACTIONS = {"Create": "create", "Fetch": "fetch", "List": "list", "Update": "update", "Delete": "delete"}
_PARAM = re.compile(r"\{([A-Za-z]+)\}")
_PREFIXES = re.compile(r"^\^\(?([A-Z]{2}(?:\|[A-Z]{2})*)\)?\[0-9a-fA-F\]\{32\}\$$")
_PAGING = frozenset({"PageSize", "Page", "PageToken"})


@dataclass(frozen=True, slots=True)
class Field:
    """A property of a representation or a request parameter, as the schema types it."""

    name: str  # the property name, or for a parameter its wire name (``FriendlyName``)
    type: str | None  # string, integer, number, boolean, array, object; None: anything
    format: str | None = None
    enum: tuple[str, ...] | None = None
    nullable: bool = True
    pattern: re.Pattern[str] | None = None
    default: Any = None
    items_enum: tuple[str, ...] | None = None  # for an array of enum values


@dataclass(frozen=True, slots=True)
class Param:
    """A form or query parameter: the Field it is, the property it sets, whether it is required."""

    spec: Field
    field: str
    required: bool = False

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, slots=True)
class Representation:
    """A response schema: its name and properties, in the alphabetical order Twilio's samples use."""

    name: str
    properties: tuple[Field, ...]

    def get(self, name: str) -> Field | None:
        return next((p for p in self.properties if p.name == name), None)


@dataclass(frozen=True, slots=True)
class Kind:
    """One stored resource: how its rows are named and identified."""

    name: str  # ``message``, ``queue.member``, ``recording``
    identity: str  # the property naming a row: ``sid``, ``call_sid`` (members), ``country_code``…
    prefixes: tuple[str, ...]  # the SID prefixes its ``sid`` pattern allows; new SIDs take the first
    identity_pattern: re.Pattern[str] | None  # what a well-formed identity in a path looks like

    def is_identity(self, value: str) -> bool:
        if self.identity_pattern is None:
            return 0 < len(value) <= 64
        return self.identity_pattern.match(value) is not None


@dataclass(frozen=True, slots=True)
class Ancestor:
    """A ``{…Sid}`` of a nested path: the parent it names and how that parent is found."""

    param: str  # ``CallSid``
    field: str  # the property a child shows it in: ``call_sid``
    kind: Kind
    scoped: bool  # the parent is itself nested: look it up under the ancestor before it
    path: str  # the parent's instance path in the spec


@dataclass(frozen=True, slots=True)
class Operation:
    id: str  # the spec's operationId
    action: str  # create, fetch, list, update, delete
    method: str  # GET, POST, DELETE
    path: str  # the spec's path template
    kind: Kind
    representation: Representation | None  # of the instance (list: of each item)
    status: int  # the success status the spec declares
    list_key: str | None = None
    envelope: frozenset[str] = frozenset()  # the keys a list's answer has (one list has no paging keys)
    ancestors: tuple[Ancestor, ...] = ()
    identity_param: str | None = None  # an instance path's last parameter
    form: Mapping[str, Param] = field(default_factory=dict)
    query: Mapping[str, Param] = field(default_factory=dict)
    instance_path: str | None = None  # the path of one item, for ``uri``
    subresources: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
    matches: tuple[tuple[str, str], ...] = ()  # (property, path parameter) a view selects by
    fixed: Mapping[str, str] = field(default_factory=dict)

    @property
    def account_level(self) -> bool:
        return not self.ancestors

    def required(self) -> tuple[Param, ...]:
        return tuple(p for p in self.form.values() if p.required)


@dataclass(frozen=True, slots=True)
class Contract:
    operations: Mapping[str, Operation]  # by operationId: every account-scoped operation
    kinds: Mapping[str, Kind]


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    schemas = document()["components"]["schemas"]
    while "$ref" in node:
        node = schemas[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _field(name: str, node: Mapping[str, Any]) -> Field:
    resolved = _resolve(node)
    items = resolved.get("items")
    items_enum = tuple(_resolve(items)["enum"]) if items and "enum" in _resolve(items) else None
    pattern = resolved.get("pattern")
    return Field(
        name=name,
        type=resolved.get("type"),
        format=resolved.get("format"),
        enum=tuple(resolved["enum"]) if "enum" in resolved else None,
        nullable=bool(resolved.get("nullable", "$ref" not in node)),
        pattern=re.compile(pattern) if pattern else None,
        default=resolved.get("default"),
        items_enum=items_enum,
    )


@cache
def representation(schema: str) -> Representation:
    node = document()["components"]["schemas"][schema]
    properties = tuple(_field(name, prop) for name, prop in sorted(node.get("properties", {}).items()))
    return Representation(schema, properties)


def _success(operation: Mapping[str, Any]) -> tuple[int, Mapping[str, Any] | None]:
    for code, response in operation["responses"].items():
        if code.startswith("2") or code.startswith("3"):
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            return int(code), schema
    raise ValueError(f"{operation['operationId']} declares no success response")


def _envelope(path: str, method: str) -> frozenset[str]:
    _, schema = _success(document()["paths"][path][method])
    return frozenset(schema.get("properties", ())) if schema and "$ref" not in schema else frozenset()


def _schema_of(path: str, method: str) -> tuple[str | None, str | None]:
    """(schema name of one item, list key) of an operation, following a list's inline envelope."""
    _, schema = _success(document()["paths"][path][method])
    if schema is None:
        return None, None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1], None
    for key, prop in schema.get("properties", {}).items():
        if prop.get("type") == "array":
            return prop["items"]["$ref"].rsplit("/", 1)[-1], key
    return None, None


def _item_schema(path: str) -> str | None:
    """The schema of the items a path serves, whichever operation of it (or of its list) says so."""
    paths = document()["paths"]
    candidates = [path]
    if path.endswith("}.json"):
        candidates.append(path.rsplit("/", 1)[0] + ".json")
    for candidate in candidates:
        for method in ("get", "post"):
            if method in paths.get(candidate, {}):
                schema, _ = _schema_of(candidate, method)
                if schema:
                    return schema
    return None


def _kind(schema: str) -> Kind:
    rep = representation(schema)
    sid = rep.get("sid")
    prefixes: tuple[str, ...] = ()
    if sid is not None and sid.pattern is not None:
        match = _PREFIXES.match(sid.pattern.pattern)
        prefixes = tuple(match.group(1).split("|")) if match else ()
    identity = "sid" if sid is not None else ""
    pattern = sid.pattern if sid is not None else None
    return Kind(conventions.kind_name(schema), identity, prefixes, pattern)


def _with_identity(kind: Kind, identity: str, schema: str) -> Kind:
    """A kind named in its paths by another property (a queue member by its ``call_sid``)."""
    if kind.identity == identity:
        return kind
    prop = representation(schema).get(identity)
    pattern = prop.pattern if prop is not None else None
    return Kind(kind.name, identity, kind.prefixes, pattern)


def _instance_of(prefix: str, param: str) -> str | None:
    """The spec's instance path of the collection ``prefix`` (``…/Calls``) named by ``{param}``."""
    paths = document()["paths"]
    for candidate in (f"{prefix}/{{Sid}}.json", f"{prefix}/{{{param}}}.json"):
        if candidate in paths:
            return candidate
    return None


def _ancestors(path: str, is_instance: bool, own_schema: str) -> tuple[list[Ancestor], str | None]:
    """The parents a path names, outermost first, and (for an instance path) its identity parameter."""
    params = _PARAM.findall(path)[1:]  # AccountSid first
    identity = params.pop() if is_instance and params else None
    ancestors: list[Ancestor] = []
    for param in params:
        prefix = path[: path.index(f"/{{{param}}}")]
        instance = _instance_of(prefix, param)
        schema = _item_schema(instance) if instance else None
        if instance is None or schema is None:
            raise ValueError(f"{path}: no instance path for {{{param}}}")
        kind = _with_identity(_kind(schema), _identity_name(instance), schema)
        short = own_schema.removeprefix("api.v2010.account.")
        name = conventions.PATH_FIELDS.get((short, param), field_name(param))
        ancestors.append(Ancestor(param, name, kind, bool(_PARAM.findall(instance)[1:-1]), instance))
    return ancestors, identity


def _identity_name(instance: str) -> str:
    last = _PARAM.findall(instance)[-1]
    return "sid" if last == "Sid" else field_name(last)


def _typed_default(param: Field, text: str) -> Any:
    """A documented default as a value of the parameter's type."""
    if param.type == "boolean":
        return text.lower() == "true"
    if param.type == "integer" and text.lstrip("-").isdigit():
        return int(text)
    return text


def _form(op_id: str, operation: Mapping[str, Any]) -> dict[str, Param]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
    schema = body.get("schema", {})
    required = set(schema.get("required", ()))
    params: dict[str, Param] = {}
    for name, node in schema.get("properties", {}).items():
        spec = _field(name, node)
        text = conventions.documented_default(node.get("description", ""))
        if text is not None and (op_id, name) not in conventions.IGNORED_DEFAULTS:
            spec = Field(spec.name, spec.type, spec.format, spec.enum, spec.nullable, spec.pattern,
                         _typed_default(spec, text), spec.items_enum)
        name_field = conventions.PARAM_FIELDS.get((op_id, name), field_name(name))
        params[name] = Param(spec, name_field, name in required)
    return params


def _query(operation: Mapping[str, Any]) -> dict[str, Param]:
    params: dict[str, Param] = {}
    for node in operation.get("parameters", ()):
        name = node["name"]
        if node["in"] != "query" or name in _PAGING:
            continue
        base = name.rstrip("<>")
        params[name] = Param(_field(name, node.get("schema", {})),
                             conventions.DATE_FILTERS.get(base, field_name(base)))
    return params


def _instance_path(path: str, kind: Kind) -> str | None:
    """Where one item of this path's collection lives, for its ``uri``."""
    paths: dict[str, Any] = document()["paths"]
    if path.endswith("}.json"):
        return path
    stem = path.removesuffix(".json")
    for candidate in paths:
        rest = candidate.removeprefix(stem + "/")
        if rest != candidate and _PARAM.fullmatch(rest.removesuffix(".json")) and rest.endswith(".json"):
            return str(candidate)
    for candidate in paths:  # a view (Local numbers, an Address's numbers): the collection's own path
        parts = candidate.removeprefix(conventions.ACCOUNT_PATH + "/").split("/")
        if len(parts) == 2 and parts[1] == "{Sid}.json":
            schema = _item_schema(candidate)
            if schema and conventions.kind_name(schema) == kind.name:
                return str(candidate)
    return None


def _subresources(path: str) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    dependents = document()["paths"][path].get("x-twilio", {}).get("dependentProperties", {})
    return tuple(
        (key, dep["resource_url"], tuple(dep.get("mapping", {}).items())) for key, dep in dependents.items()
    )


def _operation(path: str, method: str) -> Operation | None:
    node = document()["paths"][path][method]
    op_id: str = node["operationId"]
    action = next((a for prefix, a in ACTIONS.items() if op_id.startswith(prefix)), None)
    schema_name, list_key = _schema_of(path, method)
    schema_name = schema_name or _item_schema(path)
    if action is None or schema_name is None:
        return None
    status, _ = _success(node)
    # x-twilio.pathType, except for the one "instance" path not named by its last parameter (Data.json)
    is_instance = document()["paths"][path].get("x-twilio", {}).get("pathType") == "instance" \
        and path.endswith("}.json")
    ancestors, identity = _ancestors(path, is_instance, schema_name)
    kind = _kind(schema_name)
    instance = _instance_path(path, kind)
    if instance is not None and instance.endswith("}.json"):
        kind = _with_identity(kind, _identity_name(instance), schema_name)
    return Operation(
        id=op_id, action=action, method=method.upper(), path=path, kind=kind,
        representation=representation(schema_name), status=status, list_key=list_key,
        envelope=_envelope(path, method) if list_key else frozenset(),
        ancestors=tuple(ancestors), identity_param=identity, form=_form(op_id, node), query=_query(node),
        instance_path=instance, subresources=_subresources(path),
        matches=conventions.PATH_MATCHES.get(op_id, ()), fixed=conventions.FIXED.get(op_id, {}),
    )


@cache
def contract() -> Contract:
    """Every account-scoped operation of the spec (the Accounts list and instance are not)."""
    operations: dict[str, Operation] = {}
    kinds: dict[str, Kind] = {}
    for path, item in document()["paths"].items():
        if not path.startswith(conventions.ACCOUNT_PATH + "/"):
            continue
        for method in ("get", "post", "delete"):
            if method in item:
                op = _operation(path, method)
                if op is None:
                    raise ValueError(f"{item[method]['operationId']}: not an operation the engine reads")
                operations[op.id] = op
                if op.kind.identity or op.kind.name not in kinds:
                    kinds.setdefault(op.kind.name, op.kind)
    return Contract(operations, kinds)


def all_operations() -> list[tuple[str, str, str]]:
    """(operationId, METHOD, path) of every operation in the spec, account-scoped or not."""
    return [
        (item[m]["operationId"], m.upper(), path)
        for path, item in document()["paths"].items() for m in ("get", "post", "delete") if m in item
    ]
