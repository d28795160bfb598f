"""The command line's layout: a module per command group (a package of modules for a large
one), sharing only `cli.common`, starting no background work of its own (that is
`lti_tool.workers`' job)."""

from __future__ import annotations

import ast
from pathlib import Path

from lti_tool.cli import build

CLI = Path(__file__).resolve().parents[3] / "lti_tool" / "cli"
SHARED = {"__init__", "common"}


def _files(module: str) -> list[Path]:
    """Return the source files of a command module: one file, or every file of its package."""
    single = CLI / f"{module}.py"
    return [single] if single.exists() else sorted((CLI / module).rglob("*.py"))


def _trees(module: str) -> list[ast.Module]:
    return [ast.parse(path.read_text()) for path in _files(module)]


def _imported(module: str) -> set[str]:
    names = set()
    for tree in _trees(module):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


def _command_modules() -> set[str]:
    packages = {path.parent.name for path in CLI.glob("*/__init__.py")}
    return {path.stem for path in CLI.glob("*.py")} - SHARED | packages


def test_each_command_group_has_its_own_module():
    assert set(build().commands) == _command_modules()


def test_command_modules_share_only_the_common_helpers():
    for module in _command_modules():
        own = f"lti_tool.cli.{module}"
        others = {
            name
            for name in _imported(module)
            if name.startswith("lti_tool.cli")
            and name not in ("lti_tool.cli.common", own)
            and not name.startswith(("lti_tool.cli.common.", own + "."))
        }
        assert others == set(), f"cli/{module}.py imports {others}"


def test_no_command_module_starts_threads_or_exit_hooks():
    for module in _command_modules() | {"common"}:
        imported = _imported(module)
        assert not imported & {"threading", "atexit", "signal"}, f"cli/{module}.py"
        calls = {
            node.func.attr
            for tree in _trees(module)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert "start" not in calls, f"cli/{module}.py starts something"


def test_one_helper_opens_the_database_for_every_command():
    for module in _command_modules():
        source = "".join(path.read_text() for path in _files(module))
        assert "Database(" not in source and "engine.dispose" not in source, module
