"""The direction of dependencies, checked on the source: no import cycle between modules, and the
inner layers never import the outer ones (domain → nothing outside it; wire → domain only;
store → domain only). Every import counts, also those inside functions and ``TYPE_CHECKING``.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "connectapps"
# What each layer may import from the package besides itself.
ALLOWED = {
    "domain": set[str](),
    "wire": {"domain"},
    "store": {"domain"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module ``name`` is, or the closest enclosing module of ours (a name inside a module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> Iterator[str]:
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target) if target.startswith(PACKAGE) else None
            if resolved is not None and resolved != module:
                yield resolved


GRAPH = {module: set(_imports(module)) for module in MODULES}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycle_from(start: str) -> list[str] | None:
    """A path start → … → start through the graph, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(GRAPH[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_graph_is_read() -> None:
    """A guard for the guards: the walk finds the package's modules and their imports."""
    assert "connectapps.domain.store" in GRAPH["connectapps.domain.accounts"]
    assert "connectapps.domain.models" in GRAPH["connectapps.store.rows"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_cycle(module: str) -> None:
    cycle = _cycle_from(module)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_inner_layers_import_no_outer_one(layer: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if _layer(module) == layer
        for target in targets if _layer(target) not in {layer, *ALLOWED[layer]}
    )
    assert not wrong, "\n".join(wrong)
