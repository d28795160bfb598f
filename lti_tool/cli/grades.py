"""`leadpath grades status|retry|send`: scores waiting for, sent to or refused by gradebooks."""

from __future__ import annotations

import json

import click

from lti_tool.cli.common import (
    format_age,
    json_option,
    open_database,
    plural,
    print_report,
    progressbar,
    summary,
)
from lti_tool.grades.queue import grade_status, retry_grades
from lti_tool.workers import make_grade_sender


def print_status(report: dict) -> None:
    """Write a grade outbox report for people."""
    for p in report["platforms"]:
        click.echo(f"{p['issuer']} (client {p['client_id']})")
        click.echo(
            f"  pending {p['pending']}  sent {p['sent']}  dead {p['dead']}  "
            f"oldest pending {format_age(p['oldest_pending_seconds'])}"
        )
        if p["pending"] and p["last_error"]:
            click.echo(f"  last error: {p['last_error']}")
    for d in report["dead"]:
        click.echo(
            f"DEAD {d['id']} {d['issuer']} user {d['user_id']} {d['lineitem']} "
            f"HTTP {d['status']}: {d['response']}"
        )
    if not report["platforms"]:
        click.echo("no grades queued")


def register(cli: click.Group) -> None:
    """Add the `grades` commands."""

    @cli.group()
    def grades() -> None:
        """Scores waiting for, sent to, or refused by the platforms' gradebooks (LTI AGS)."""

    @grades.command("status")
    @json_option
    def status(as_json: bool) -> None:
        """Show pending, sent and dead scores per platform, and the platforms' refusals."""
        with open_database() as (_, database), database.sessions() as session:
            report = grade_status(session)
        print_report(report, as_json, print_status)

    @grades.command("retry")
    @click.option("--dead", is_flag=True, help="Also re-queue scores a platform refused.")
    @json_option
    def retry(dead: bool, as_json: bool) -> None:
        """Make waiting scores due now; with --dead, re-queue refused ones not superseded since.

        A refused score stays refused when a later score of the same learner and activity has
        been queued or sent: sending it again would overwrite the newer grade.
        """
        with open_database() as (_, database), database.transaction() as session:
            done = retry_grades(session, dead=dead)
        if as_json:
            click.echo(json.dumps(done))
            return
        line = f"{plural(done['due_now'], 'waiting score')} due now"
        if dead:
            line += (
                f"; {plural(done['requeued'], 'refused score')} re-queued, "
                f"{done['superseded']:,} left refused (a later score of the same learner and "
                "activity exists)"
            )
        summary(line + ".")

    @grades.command("send")
    @json_option
    def send(as_json: bool) -> None:
        """Send every score that is due now, once, and report what happened.

        Progress is drawn on stderr while it is a terminal.
        """
        with open_database() as (settings, database):
            try:
                sender = make_grade_sender(settings, database)
            except FileNotFoundError as exc:
                raise click.UsageError(str(exc)) from None
            try:
                with progressbar(label="Sending scores") as bar:
                    done = sender.send_due(on_batch=lambda batch: bar.update(batch.total()))
            finally:
                sender.close()
        counts = {kind: done[kind] for kind in ("sent", "dead", "retry", "held")}
        if as_json:
            click.echo(json.dumps(counts))
            return
        summary(
            f"Sent {plural(counts['sent'], 'score')}; {counts['dead']:,} refused by the platform "
            f"(see `leadpath grades status`); {counts['retry'] + counts['held']:,} waiting to "
            "be sent again."
        )
