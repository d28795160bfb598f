"""What the command modules share: settings, the database, progress, summaries, safe CSV.

Talking to people: a long command draws click's progress bar on stderr while stderr is a
terminal (nothing at all otherwise), and ends with a one-line summary. A command whose stdout
is data (an export, a query) writes that summary to stderr, so stdout stays data when piped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from lti_tool.db import Database
from lti_tool.settings import Settings, SettingsError, load_settings
from lti_tool.spreadsheet import FORMULA_STARTS, SafeCsvWriter, spreadsheet_safe


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


T = TypeVar("T")


def on_terminal() -> bool:
    """Whether stderr, where progress is drawn, is a terminal."""
    return sys.stderr.isatty()


def progressbar(
    iterable: Iterable[T] | None = None,
    *,
    length: int | None = None,
    label: str,
    show_pos: bool = True,
    item_show_func: Callable[[Any], str | None] | None = None,
):
    """Return click's progress bar on stderr, hidden unless stderr is a terminal.

    Give `length` (and call `update`) or an `iterable` (and iterate the bar); an iterable
    without a length draws a moving mark beside the count instead of a filling bar.
    """
    if iterable is None and length is None:
        iterable = (item for item in ())  # no length hint: counted by update() alone
    return click.progressbar(
        iterable,
        length=length,
        label=label,
        file=sys.stderr,
        hidden=not on_terminal(),
        show_pos=show_pos,
        show_percent=length is not None,
        item_show_func=item_show_func,
        width=30,
    )


def summary(line: str, *, data_on_stdout: bool = False) -> None:
    """Print a command's one-line summary (on stderr when stdout carries its data)."""
    click.echo(line, err=data_on_stdout)


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return "1 statement", "2,500 statements": the count, grouped, and the right noun."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


# Re-exported: the commands' CSV goes through the same escaping as every page's.
__all__ = ["FORMULA_STARTS", "SafeCsvWriter", "spreadsheet_safe"]
