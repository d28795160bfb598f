"""Every command's `--help` explains each option and lists the values a choice allows."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from lti_tool.cli import build


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = list(_commands(build()))


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(build(), [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_help_says_what_each_option_takes(path):
    command = dict(COMMANDS)[path]
    text = _help(path)
    assert command.help, f"`leadpath {' '.join(path)}` says nothing about itself"
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        assert param.help, f"`leadpath {' '.join(path)} {param.opts[0]}` has no help text"
        if isinstance(param.type, click.Choice):
            for choice in param.type.choices:
                assert choice in text, f"{param.opts[0]} does not list {choice!r}"


def test_the_command_list_covers_every_group():
    top = {path[0] for path, _ in COMMANDS}
    assert {"lrs", "statements", "outbox", "grades", "admin", "db", "serve"} <= top
    assert ("statements", "query") in dict(COMMANDS)
