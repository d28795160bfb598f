"""`leadpath report course|programme`: the figures of the course and programme views.

Built by the same functions as the pages, so the numbers agree. The course report uses the
roster leadpath last fetched from the platform (the page fetches it; the command does not).
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

FORMATS = click.Choice(["csv", "json"])


def _write(fmt: str, header: list, rows: list, data: dict) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
        return
    writer = SafeCsvWriter(sys.stdout)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)


def register(cli: click.Group) -> None:
    """Add the report commands."""

    @cli.group()
    def report() -> None:
        """Print the figures of the course and programme views (CSV or JSON)."""

    @report.command("course")
    @click.option("--issuer", required=True, help="The course's platform (issuer).")
    @click.option("--course", "context_id", required=True, help="The LTI context id.")
    @click.option("--deployment", help="The deployment id, when the course is in several.")
    @click.option(
        "--format", "fmt", type=FORMATS, default="csv", show_default=True, help="csv or json."
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
        "--format", "fmt", type=FORMATS, default="csv", show_default=True, help="csv or json."
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
