"""`leadpath report …`: the figures of the report pages, as CSV or JSON.

`report learner` gives one learner's journey (the figures `/journey` shows), read from the
report source (LEADPATH_REPORT_LRS_ENDPOINT, else the embedded LRS). Each report is a
subcommand of the `report` group; `register` attaches the group.
"""

from __future__ import annotations

import json
import sys

import click

from lti_tool.cli.common import SafeCsvWriter, open_database, plural, summary
from lti_tool.reports.learner import CSV_COLUMNS, csv_rows, learner_journey
from lti_tool.reports.source import open_transport
from lti_tool.rights import LearnerNotFound, find_learner
from xapi.reader import ReadError

FORMATS = ("csv", "json")


@click.group()
def report() -> None:
    """Report figures as CSV or JSON (the same figures as the pages)."""


@report.command("learner")
@click.option("--learner", "learner_id", help="The learner id (a UUID).")
@click.option("--issuer", help="A platform's issuer; with --sub.")
@click.option("--sub", help="The user's id on that platform (the LTI 'sub'); with --issuer.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
    help="csv: one row per entry and domain; json: the journey with its entries.",
)  # fmt: skip
def learner_report(learner_id, issuer, sub, fmt) -> None:
    """One learner's journey: self-assessments, 360 summaries and sign-offs, per domain."""
    if bool(learner_id) == bool(issuer or sub) or (issuer or sub) and not (issuer and sub):
        raise click.UsageError("Identify the learner by --learner, or by --issuer with --sub.")
    with open_database() as (settings, db), db.sessions() as session:
        try:
            record = find_learner(session, learner_id=learner_id, issuer=issuer, sub=sub)
        except LearnerNotFound as exc:
            raise click.ClickException(str(exc)) from None
        transport = open_transport(settings, db.engine)
        try:
            found, _, _ = learner_journey(session, transport, settings.base_url, record.learner_id)
        except ReadError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            transport.close()
    if fmt == "json":
        click.echo(json.dumps(found.figures(), indent=2))
    else:
        writer = SafeCsvWriter(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for row in csv_rows(found):
            writer.writerow(row)
    count = len(found.entries)
    summary(f"{plural(count, 'entry', 'entries')} on the journey of {record.learner_id}.",
            data_on_stdout=True)  # fmt: skip


def register(cli: click.Group) -> None:
    """Attach `report` to the root group."""
    cli.add_command(report)
