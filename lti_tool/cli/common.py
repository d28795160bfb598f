"""What the command modules share: settings from the environment, the database, ages for people."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from lti_tool.db import Database
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


@contextmanager
def open_database(*, sync_destinations: bool = False) -> Iterator[tuple[Settings, Database]]:
    """Yield the settings and the database of a command; its connections close afterwards.

    With `sync_destinations`, the LRS destinations of the settings (`LEADPATH_LRS_<NAME>_…`)
    are first brought up to date in the database, as the forwarder does when it starts.
    """
    settings = settings_from_env()
    database = Database(settings.database_url)
    try:
        if sync_destinations:
            from lti_tool.workers import forwarder_config
            from xapi.outbox.destinations import sync_settings_destinations

            with database.transaction() as session:
                sync_settings_destinations(session, forwarder_config(settings).destinations)
        yield settings, database
    finally:
        database.engine.dispose()


json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def print_report(report: Any, as_json: bool, for_people: Callable[[Any], None]) -> None:
    """Print a report as indented JSON (`--json`), or with `for_people`."""
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        for_people(report)


def format_age(seconds: float | None) -> str:
    """Return an age for people: 45s, 3.5m, 2.0h, 1.5d (or - when there is none)."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"
