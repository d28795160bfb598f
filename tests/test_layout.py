"""The house's import rules (README, "Architecture"), checked on the source.

Every `.py` under framework/, xapi/ and lti_tool/ is parsed and each import it makes, at any
depth (inside functions and `if TYPE_CHECKING:` blocks too), becomes an edge between two of our
modules. An `import a.b.c` or `from a.b import c` names the module it reaches (`a.b.c` when that
is a module, else `a.b`); the parent packages Python runs on the way are not counted, so a
package's `__init__` may gather its own modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("framework", "xapi", "lti_tool")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _sources()


def _ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _resolve(name: str) -> str | None:
    """Return the longest prefix of a dotted name that is one of our modules."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Yield (module of ours, line) for every import in a source file."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, *([node.module] if node.module else [])])
            else:
                stem = node.module or ""
            names = [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if _ours(name) and (target := _resolve(name)) and target != module:
                yield target, node.lineno


def _edges() -> dict[str, dict[str, int]]:
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        graph[module] = {}
        for target, line in _imported(module, path):
            graph[module].setdefault(target, line)
    return graph


GRAPH = _edges()


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# (importer package, imported package, allowed exceptions, why)
RULES = [
    ("framework", "xapi", (), "framework imports nothing of ours"),
    ("framework", "lti_tool", (), "framework imports nothing of ours"),
    ("xapi", "lti_tool", (), "xapi never imports lti_tool"),
    ("xapi.lrs", "xapi", ("xapi.lrs",), "the embedded LRS imports nothing else of xapi"),
    ("xapi.lrs", "framework", (), "the embedded LRS knows nothing of leadpath's frameworks"),
    ("xapi.queue", "xapi", ("xapi.queue",), "the queue core imports nothing else of xapi"),
    ("xapi.queue", "framework", (), "the queue core knows nothing of leadpath's frameworks"),
]


def _violations(importer: str, imported: str, allowed: tuple[str, ...]) -> list[str]:
    found = []
    for module, targets in GRAPH.items():
        if not _within(module, importer):
            continue
        for target, line in targets.items():
            if _within(target, imported) and not any(_within(target, a) for a in allowed):
                found.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}")
    return found


def test_every_package_is_found():
    assert {"framework", "xapi", "xapi.lrs", "lti_tool", "lti_tool.cli"} <= set(MODULES)
    assert sum(len(t) for t in GRAPH.values()) > 100  # the walk sees the imports


@pytest.mark.parametrize(("importer", "imported", "allowed", "why"), RULES)
def test_no_forbidden_import(importer, imported, allowed, why):
    found = _violations(importer, imported, allowed)
    assert found == [], f"{why}:\n" + "\n".join(found)


def _cycles() -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(GRAPH[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_import_cycle():
    assert _cycles() == [], "modules that import each other, directly or in a ring"
