"""The JSONPath subset that Statement Template rules use (xAPI Profiles 1.0, §2.6.1).

Supported: ``$``, ``.name``, ``['name']`` / ``["name"]``, ``[n]``, ``[*]``, ``.*``, and
``|`` between whole paths. Evaluation also reports whether any branch failed to match
(an "unmatchable" value in the profile spec's terms).
"""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_$][\w$-]*)
      | (?P<wild>\.\*|\[\*\])
      | \[(?P<index>-?\d+)\]
      | \[(?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""",
    re.VERBOSE,
)


class JSONPathError(ValueError):
    """A location outside the supported subset."""


def _unquote(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])


def parse(path: str) -> list[tuple[str, Any]]:
    """Split one path into steps: ``("key", name)``, ``("index", n)`` or ``("wild", None)``."""
    path = path.strip()
    if not path.startswith("$"):
        raise JSONPathError(f"path must start with $: {path!r}")
    steps, pos = [], 1
    while pos < len(path):
        match = _STEP.match(path, pos)
        if not match:
            raise JSONPathError(f"unsupported JSONPath at {path[pos:]!r} in {path!r}")
        if match["name"] is not None:
            steps.append(("key", match["name"]))
        elif match["quoted"] is not None:
            steps.append(("key", _unquote(match["quoted"])))
        elif match["index"] is not None:
            steps.append(("index", int(match["index"])))
        else:
            steps.append(("wild", None))
        pos = match.end()
    return steps


def split_union(location: str) -> list[str]:
    """Split ``a | b`` into paths, ignoring ``|`` inside quotes."""
    parts, current, quote = [], [], None
    for char in location:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "|":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _step(node: Any, kind: str, arg: Any) -> tuple[list[Any], bool]:
    if kind == "key":
        if isinstance(node, dict) and arg in node:
            return [node[arg]], False
        return [], True
    if kind == "index":
        if isinstance(node, list) and -len(node) <= arg < len(node):
            return [node[arg]], False
        return [], True
    if isinstance(node, dict):
        return list(node.values()), False
    if isinstance(node, list):
        return list(node), False
    return [], True


def evaluate(location: str, document: Any) -> tuple[list[Any], bool]:
    """The values ``location`` selects, and whether any branch was unmatchable."""
    values: list[Any] = []
    unmatchable = False
    for path in split_union(location):
        nodes = [document]
        for kind, arg in parse(path):
            found: list[Any] = []
            for node in nodes:
                more, missing = _step(node, kind, arg)
                found.extend(more)
                unmatchable = unmatchable or missing
            nodes = found
        values.extend(nodes)
    return values, unmatchable
