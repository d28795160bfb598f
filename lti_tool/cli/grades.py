"""`leadpath grades status|retry|send`: scores waiting for, sent to or refused by gradebooks."""

from __future__ import annotations

import click

from lti_tool.cli.common import format_age, json_option, open_database, print_report
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
    def retry(dead: bool) -> None:
        """Send waiting scores now; with --dead, re-queue refused ones not superseded since."""
        with open_database() as (_, database), database.transaction() as session:
            done = retry_grades(session, dead=dead)
        click.echo(f"Due now: {done['due_now']}")
        if dead:
            click.echo(f"Re-queued dead scores: {done['requeued']}")
            click.echo(f"Left dead (a later score of the same lane exists): {done['superseded']}")

    @grades.command("send")
    def send() -> None:
        """Send every score that is due now, once, and report what happened."""
        with open_database() as (settings, database):
            try:
                sender = make_grade_sender(settings, database)
            except FileNotFoundError as exc:
                raise click.UsageError(str(exc)) from None
            try:
                done = sender.send_due()
            finally:
                sender.close()
        click.echo(
            f"sent {done['sent']}  dead {done['dead']}  "
            f"waiting to retry {done['retry'] + done['held']}"
        )
