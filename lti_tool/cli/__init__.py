"""The `leadpath` command line: a click group with one sub-group or command per area.

May import everything of `lti_tool`, `xapi` and `framework`.
"""

from __future__ import annotations

import sys

import click

from lti_tool.settings import Settings, SettingsError, load_settings


class BadSettings(click.ClickException):
    """A bad setting: shown as one line ("Error: …"), exit status 2 as for a usage error."""

    exit_code = 2


def settings_from_env() -> Settings:
    """Load settings, turning a bad setting into a one-line error."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise BadSettings(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """leadpath: an LTI 1.3 tool for NHS Leadership Framework assessments."""
    if not ctx.resilient_parsing:
        settings_from_env()  # every command stops on an unknown or malformed setting


def build() -> click.Group:
    """Return the root group with every subcommand attached (idempotent)."""
    if not cli.commands:
        from lti_tool.cli import db, framework, grades, keys, learner, lrs, outbox, platform, serve

        for module in (db, framework, grades, keys, learner, lrs, outbox, platform, serve):
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
