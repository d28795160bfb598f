"""`leadpath report learner|course|programme`: the figures of the report pages, as CSV or JSON.

`report learner` gives one learner's journey (the figures `/journey` shows), read from the
report source (LEADPATH_REPORT_LRS_ENDPOINT, else the embedded LRS). `report course` and
`report programme` are built by the same functions as the course and programme views, so the
numbers agree; the course report uses the roster leadpath last fetched from the platform (the
page fetches it; the command does not). Each report is a subcommand of the `report` group;
`register` attaches the group.
"""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from lti_tool.cli.common import SafeCsvWriter, open_database, plural, summary
from lti_tool.courses import overview as course_figures
from lti_tool.courses.roster import stored
from lti_tool.models import Course
from lti_tool.programmes import figures as programme_figures
from lti_tool.programmes import service
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


def _write(fmt: str, header: list, rows: list, data: dict) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
        return
    writer = SafeCsvWriter(sys.stdout)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)


@report.command("course")
@click.option("--issuer", required=True, help="The course's platform (issuer).")
@click.option("--course", "context_id", required=True, help="The LTI context id.")
@click.option("--deployment", help="The deployment id, when the course is in several.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv or json.",
)
def course(issuer, context_id, deployment, fmt) -> None:
    """Print a course's learners as the course view shows them."""
    with open_database() as (_, db), db.sessions() as session:
        query = select(Course).where(Course.issuer == issuer, Course.context_id == context_id)
        if deployment:
            query = query.where(Course.deployment_id == deployment)
        found = session.scalars(query).all()
        if not found:
            raise click.UsageError(
                f"No course {context_id!r} of {issuer!r} has launched leadpath yet."
            )
        if len(found) > 1:
            raise click.UsageError("That course is in several deployments: add --deployment.")
        record, members = stored(session, found[0].id)
        fetched = record is not None and record.fetched_at is not None
        overview = course_figures.course_overview(
            session, found[0].id, members if fetched else None
        )
        _write(fmt, course_figures.CSV_HEADER, overview.csv_rows(), overview.as_json())
    summary(plural(len(overview.learners), "learner"), data_on_stdout=True)


@report.command("programme")
@click.option("--programme", "name", required=True, help="The programme's name.")
@click.option("--phase", help="Only trainees in this career phase.")
@click.option("--institution", help="Only trainees from this platform (issuer).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv or json.",
)
def programme(name, phase, institution, fmt) -> None:
    """Print a programme's trainees as the programme view shows them."""
    with open_database() as (settings, db), db.sessions() as session:
        try:
            found = service.find(session, name)
        except service.ProgrammeError as exc:
            raise click.UsageError(str(exc)) from None
        overview = programme_figures.programme_overview(
            session,
            found,
            phase=phase,
            institution=institution,
            overdue_days=settings.programme_overdue_days,
        )
        _write(fmt, programme_figures.CSV_HEADER, overview.csv_rows(), overview.as_json())
    summary(plural(len(overview.trainees), "trainee"), data_on_stdout=True)


def register(cli: click.Group) -> None:
    """Attach `report` to the root group."""
    cli.add_command(report)
