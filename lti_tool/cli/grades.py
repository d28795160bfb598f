"""`leadpath grades status|retry|send`, and the grade sender thread beside the forwarder."""

from __future__ import annotations

import atexit
import json

import click
from flask import Flask

from lti_tool.cli.outbox import format_age
from lti_tool.db import Database
from lti_tool.grades.queue import grade_status, retry_grades
from lti_tool.grades.sender import GradeConfig, GradeSender
from lti_tool.settings import Settings

GRADES_KEY = "leadpath.grades"


def make_grade_sender(settings: Settings, database: Database, keys=None) -> GradeSender:
    """Build a grade sender over the database, signing with `keys` (default: the key files)."""
    if keys is None:
        from lti_tool.signing_keys import ToolKeys

        keys = ToolKeys(settings.keys_dir)
    return GradeSender(database.sessions, lambda: keys, GradeConfig.from_settings(settings))


def optional_grade_sender(settings: Settings, database: Database) -> GradeSender | None:
    """Start a grade sender thread for `leadpath forwarder`; None (with a warning) without keys."""
    try:
        sender = make_grade_sender(settings, database)
    except FileNotFoundError as exc:
        click.echo(f"Not sending grades: {exc}", err=True)
        return None
    sender.start()
    return sender


def start_background_grade_sender(app: Flask) -> GradeSender:
    """Start the grade sender thread next to the forwarder (LEADPATH_FORWARDER_THREAD)."""
    settings = app.config["LEADPATH"]
    database = Database(settings.database_url)
    sender = make_grade_sender(settings, database, app.extensions["leadpath.keys"])
    app.extensions[GRADES_KEY] = sender
    sender.start(then=database.engine.dispose)
    atexit.register(sender.stop, 10)
    return sender


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


def _database() -> tuple[Settings, Database]:
    from lti_tool.cli import settings_from_env

    settings = settings_from_env()
    return settings, Database(settings.database_url)


def register(cli: click.Group) -> None:
    """Add the `grades` commands."""

    @cli.group()
    def grades() -> None:
        """Scores waiting for, sent to, or refused by the platforms' gradebooks (LTI AGS)."""

    @grades.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    def status(as_json: bool) -> None:
        """Show pending, sent and dead scores per platform, and the platforms' refusals."""
        _, database = _database()
        try:
            with database.sessions() as session:
                report = grade_status(session)
        finally:
            database.engine.dispose()
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            print_status(report)

    @grades.command("retry")
    @click.option("--dead", is_flag=True, help="Also re-queue scores a platform refused.")
    def retry(dead: bool) -> None:
        """Send waiting scores now; with --dead, re-queue refused ones not superseded since."""
        _, database = _database()
        try:
            with database.transaction() as session:
                done = retry_grades(session, dead=dead)
        finally:
            database.engine.dispose()
        click.echo(f"Due now: {done['due_now']}")
        if dead:
            click.echo(f"Re-queued dead scores: {done['requeued']}")
            click.echo(f"Left dead (a later score of the same lane exists): {done['superseded']}")

    @grades.command("send")
    def send() -> None:
        """Send every score that is due now, once, and report what happened."""
        settings, database = _database()
        try:
            sender = make_grade_sender(settings, database)
        except FileNotFoundError as exc:
            database.engine.dispose()
            raise click.UsageError(str(exc)) from None
        try:
            done = sender.send_due()
        finally:
            sender.close()
            database.engine.dispose()
        click.echo(
            f"sent {done['sent']}  dead {done['dead']}  "
            f"waiting to retry {done['retry'] + done['held']}"
        )
