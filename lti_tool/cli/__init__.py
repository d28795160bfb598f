"""The `leadpath` command line."""

from __future__ import annotations

import sys

import click

from lti_tool.settings import Settings, SettingsError, load_settings


def settings_from_env() -> Settings:
    """Load settings, turning a bad setting into a one-line usage error."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """leadpath: an LTI 1.3 tool for NHS Leadership Framework assessments."""


def build() -> click.Group:
    """Return the root group with every subcommand attached (idempotent)."""
    if not cli.commands:
        from lti_tool.cli import db, demo, framework, grades, keys, lrs, outbox, platform, serve

        for module in (db, demo, framework, grades, keys, lrs, outbox, platform, serve):
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
