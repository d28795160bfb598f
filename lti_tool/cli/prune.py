"""`leadpath prune`: remove what the retention settings no longer keep (or count it)."""

from __future__ import annotations

import click

from lti_tool.cli.common import json_option, open_database, print_report
from lti_tool.retention import prune as prune_rows
from lti_tool.retention.pruning import Busy


def _for_people(report: list[dict], dry_run: bool) -> None:
    for entry in report:
        click.echo(
            f"{entry['rows']:>9,}  {entry['table']:<19} {entry['what']} "
            f"(kept {entry['kept']}: before {entry['before']})"
        )
    total = sum(entry["rows"] for entry in report)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {total:,} rows in {sum(1 for e in report if e['rows'])} tables.")


def register(cli: click.Group) -> None:
    """Add the prune command."""

    @cli.command()
    @click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
    @json_option
    def prune(dry_run: bool, as_json: bool) -> None:
        """Remove rows older than the retention settings keep them (LEADPATH_RETAIN_…).

        Works in batches of a few hundred rows, each its own short transaction, so leadpath
        keeps serving meanwhile. The README's data-retention table lists what goes when.
        """
        with open_database() as (settings, database):
            try:
                report = prune_rows(database.engine, settings, dry_run=dry_run, budget=float("inf"))
            except Busy:
                raise click.ClickException(
                    "Another leadpath process is pruning this database now; try again later."
                ) from None
        print_report(report, as_json, lambda found: _for_people(found, dry_run))
