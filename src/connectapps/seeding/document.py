"""Reading a seed file: YAML (JSON is accepted too, being YAML), with the line of every value.

Values are read from PyYAML's node tree rather than ``safe_load``, so an error about any field can
name the line it is on. Only plain data is accepted: mappings with string keys, lists, strings,
numbers, booleans and null (the safe schema; no tags, no anchors to custom types).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

MAX_BYTES = 10 * 1024 * 1024  # a seed is hand-written: anything larger is a mistake
MAX_VALUES = 200_000  # aliases can repeat a node many times over: the values read are bounded too


class SeedError(Exception):
    """A seed file that cannot be loaded: where (file, line, field) and why."""

    def __init__(self, source: str, line: int | None, where: str, message: str) -> None:
        self.source, self.line, self.where, self.message = source, line, where, message
        at = f"{source}:{line}" if line else source
        super().__init__(f"{at}: {where}: {message}" if where else f"{at}: {message}")


@dataclass
class Document:
    """A parsed seed: its data, and the line (1-based) where each value starts."""

    source: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    key_lines: dict[Path_, int] = field(default_factory=dict)  # where each mapping key is written
    values: int = 0

    def line(self, path: Path_) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: Path_, message: str, at_key: bool = False) -> SeedError:
        line = self.key_lines.get(path) if at_key else None
        return SeedError(self.source, line or self.line(path), dotted(path), message)


def dotted(path: Path_) -> str:
    """``accounts[0].subaccounts[1].sid``: how a field is named in error messages."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def read(path: str | Path) -> Document:
    """Parse a seed file; SeedError (with the line) if it is not readable YAML or JSON."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SeedError(source, None, "", f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise SeedError(source, None, "", f"larger than {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SeedError(source, None, "", "not UTF-8 text") from None
    return parse(text, source)


def parse(text: str, source: str = "<seed>") -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not readable"
        raise SeedError(source, mark.line + 1 if mark else None, "", f"not valid YAML or JSON: {problem}") from None
    except yaml.YAMLError as exc:
        raise SeedError(source, None, "", f"not valid YAML or JSON: {exc}") from None
    document = Document(source, None)
    document.data = {} if node is None else _value(node, (), document)
    return document


_SCALARS = yaml.SafeLoader("")  # only its constructor: the safe schema's scalars (int, float, bool, null, str)


def _value(node: yaml.Node, path: Path_, document: Document) -> Any:
    document.lines[path] = node.start_mark.line + 1
    document.values += 1
    if document.values > MAX_VALUES:
        raise document.error(path, f"more than {MAX_VALUES} values")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in _pairs(node, path, document):
            key = _SCALARS.construct_object(key_node)
            if not isinstance(key, str):
                raise document.error(path, f"line {key_node.start_mark.line + 1}: keys must be strings")
            if key in out:
                raise SeedError(document.source, key_node.start_mark.line + 1, dotted((*path, key)),
                                "given twice")
            document.key_lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _value(value_node, (*path, key), document)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, (*path, index), document) for index, item in enumerate(node.value)]
    try:
        return _SCALARS.construct_object(node)
    except yaml.YAMLError as exc:
        raise document.error(path, f"unreadable value: {exc}") from None


def _pairs(node: yaml.MappingNode, path: Path_, document: Document) -> Iterator[tuple[yaml.Node, yaml.Node]]:
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise SeedError(document.source, key_node.start_mark.line + 1, dotted(path),
                            "merge keys (<<) are not supported")
        yield key_node, value_node
