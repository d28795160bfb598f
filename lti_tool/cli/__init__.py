"""The `leadpath` command line: one module per command group, sharing `cli.common`.

Commands only parse options, call the library and print; background work (the forwarder, the
grade sender) is started by `lti_tool.workers`. May import everything of `lti_tool`, `xapi`
and `framework`.
"""

from __future__ import annotations

import sys

import click

from lti_tool.cli.common import settings_from_env
from lti_tool.settings import SettingsError


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Settings come from LEADPATH_ environment variables (see the README); "
    "`leadpath COMMAND --help` tells more of each command.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """leadpath: an LTI 1.3 tool for NHS Leadership Framework assessments."""
    if not ctx.resilient_parsing:
        settings_from_env()  # every command stops on an unknown or malformed setting


def build() -> click.Group:
    """Return the root group with every subcommand attached (idempotent)."""
    if not cli.commands:
        from lti_tool.cli import (
            admin,
            backup,
            db,
            demo,
            forwarder,
            framework,
            grades,
            keys,
            learner,
            lrs,
            outbox,
            platform,
            programme,
            prune,
            report,
            serve,
            statements,
        )

        for module in (
            admin,
            backup,
            db,
            demo,
            forwarder,
            framework,
            grades,
            keys,
            learner,
            lrs,
            outbox,
            platform,
            programme,
            prune,
            report,
            serve,
            statements,
        ):
            module.register(cli)
    return cli


def main() -> None:
    """Run the CLI; a bad setting stops with one line naming the variable."""
    build()
    try:
        cli(standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
