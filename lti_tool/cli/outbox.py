"""`leadpath outbox …`, `leadpath forwarder`, `leadpath lrs destination …`, and the serve thread."""

from __future__ import annotations

import atexit
import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import Flask

from lti_tool.db import Database
from lti_tool.settings import Settings, SettingsError
from xapi.outbox import (
    Forwarder,
    ForwarderConfig,
    OutboxConfigError,
    dead_letters,
    outbox_status,
    retry,
)
from xapi.outbox.client import StatementSink
from xapi.outbox.destinations import (
    DestinationError,
    add_destination,
    list_destinations,
    remove_destination,
    resume_destination,
    sync_settings_destinations,
)

FORWARDER_KEY = "leadpath.forwarder"


def forwarder_config(settings: Settings) -> ForwarderConfig:
    """Return the forwarder's settings; a bad `LEADPATH_LRS_…` raises SettingsError."""
    try:
        return ForwarderConfig.from_settings(settings)
    except OutboxConfigError as exc:
        raise SettingsError(str(exc)) from None


def embedded_sink(sessions, home_page: str) -> Callable[[], StatementSink]:
    """Return a factory of the embedded LRS's sink (the destination when none is configured)."""
    from xapi.outbox.embedded import sink_for

    return lambda: sink_for(sessions, home_page)


def make_forwarder(settings: Settings, database) -> Forwarder:
    """Build a forwarder over the app's database and the configured destinations."""
    return Forwarder(
        database.sessions,
        forwarder_config(settings),
        embedded=embedded_sink(database.sessions, settings.base_url),
    )


def start_background_forwarder(app: Flask) -> Forwarder:
    """Start the forwarder thread of a single-machine install (LEADPATH_FORWARDER_THREAD).

    The thread has its own engine: it starts while `create_app` is still attaching listeners
    to the app's. It stops at interpreter exit — a gunicorn worker leaves through `sys.exit`,
    so atexit runs — after recording the batches in flight (waiting up to 10 s).
    """
    settings = app.config["LEADPATH"]
    database = Database(settings.database_url)
    forwarder = make_forwarder(settings, database)
    app.extensions[FORWARDER_KEY] = forwarder
    forwarder.start(then=database.engine.dispose)
    atexit.register(forwarder.stop, 10)
    return forwarder


@contextmanager
def _database(*, synced: bool = False) -> Iterator[tuple[Settings, Database]]:
    """Yield settings and the database (its connections closed afterwards).

    With `synced`, settings destinations are first brought up to date in the database.
    """
    from lti_tool.cli import settings_from_env

    settings = settings_from_env()
    database = Database(settings.database_url)
    try:
        if synced:
            with database.transaction() as session:
                sync_settings_destinations(session, forwarder_config(settings).destinations)
        yield settings, database
    finally:
        database.engine.dispose()


def format_age(seconds: float | None) -> str:
    """Return an age for people: 45s, 3.5m, 2.0h, 1.5d (or - when there is none)."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def print_status(report: dict) -> None:
    """Write an outbox status report for people."""
    shown = [d for d in report["destinations"] if d["active"] or d["pending"]]
    for d in shown:
        state = "PAUSED" if d["paused"] else ("active" if d["active"] else "no longer configured")
        click.echo(f"{d['name']} ({d['source']}, {state}) {d['endpoint']}")
        click.echo(
            f"  pending {d['pending']}  delivered {d['delivered']}  dead {d['dead']}  "
            f"oldest pending {format_age(d['oldest_pending_seconds'])}"
        )
        filters = d["platforms"] + d["courses"]
        if filters:
            click.echo(
                f"  only platforms {d['platforms'] or 'any'}, courses {d['courses'] or 'any'}"
            )
    if report["unrouted"] and shown:
        click.echo(f"{report['unrouted']} statements not yet routed to a destination")
    for alert in report["alerts"]:
        click.echo(f"ALERT: {alert}")
    if not report["alerts"] and not shown:
        click.echo("no destination configured; 0 statements queued")


def register(cli: click.Group) -> None:
    """Add the outbox, forwarder and `lrs destination` commands."""
    from lti_tool.cli.lrs import lrs

    @cli.group()
    def outbox() -> None:
        """Inspect and repair the queue of statements waiting for their LRSs."""

    @outbox.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    def status(as_json: bool) -> None:
        """Show pending, delivered and dead statements and pauses per destination."""
        with _database(synced=True) as (_, database), database.sessions() as session:
            report = outbox_status(session)
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            print_status(report)

    @outbox.command("retry")
    @click.option("--destination", help="Only this destination (default: all).")
    @click.option("--dead", is_flag=True, help="Also re-queue dead letters.")
    def retry_command(destination: str | None, dead: bool) -> None:
        """Resume paused destinations and retry waiting (and with --dead, refused) statements."""
        try:
            with _database(synced=True) as (_, database), database.transaction() as session:
                done = retry(session, destination, dead=dead)
        except DestinationError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"Resumed: {', '.join(done['resumed']) or 'none'}")
        click.echo(f"Re-queued dead letters: {done['requeued']}")

    @outbox.command("dead-letter")
    @click.option("--destination", help="Only this destination (default: all).")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    def dead_letter(destination: str | None, as_json: bool) -> None:
        """List statements an LRS refused, with its answer."""
        with _database() as (_, database), database.sessions() as session:
            letters = dead_letters(session, destination)
        if as_json:
            click.echo(json.dumps(letters, indent=2))
            return
        for letter in letters:
            click.echo(
                f"{letter['refused_at']} {letter['destination']} {letter['statement_id']} "
                f"HTTP {letter['status']}: {letter['response']}"
            )
        click.echo(f"{len(letters)} dead letters")

    @cli.command("forwarder")
    def forwarder_command() -> None:
        """Forward queued statements to every LRS, and scores to gradebooks, until SIGTERM."""
        from lti_tool.cli.grades import optional_grade_sender

        with _database() as (settings, database):
            forwarder = make_forwarder(settings, database)
            grades = optional_grade_sender(settings, database)
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: forwarder.stop())
            click.echo(f"leadpath forwarder {forwarder.worker_id} running", err=True)
            try:
                forwarder.run()
            finally:
                if grades is not None:
                    grades.stop(10)

    @lrs.group("destination")
    def destination() -> None:
        """LRSs statements are forwarded to (besides LEADPATH_LRS_<NAME>_ENDPOINT settings)."""

    @destination.command("add")
    @click.option("--name", required=True)
    @click.option("--endpoint", required=True, help="xAPI endpoint, e.g. https://lrs/xapi")
    @click.option("--key", required=True)
    @click.option("--secret", required=True)
    @click.option(
        "--platform", "platforms", multiple=True, help="Only statements from this issuer."
    )
    @click.option("--course", "courses", multiple=True, help="Only statements of this course.")
    def add(name, endpoint, key, secret, platforms, courses) -> None:
        """Add a destination LRS."""
        try:
            with _database(synced=True) as (_, database), database.transaction() as session:
                add_destination(
                    session,
                    name=name,
                    endpoint=endpoint,
                    key=key,
                    secret=secret,
                    platforms=platforms,
                    courses=courses,
                )
        except DestinationError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"Added LRS destination {name}.")

    @destination.command("list")
    def list_command() -> None:
        """List destination LRSs."""
        with _database(synced=True) as (_, database), database.sessions() as session:
            for row in list_destinations(session):
                paused = f" PAUSED: {row.pause_reason}" if row.paused_at else ""
                active = "" if row.active else " (inactive)"
                click.echo(f"{row.name}\t{row.source}\t{row.endpoint}{active}{paused}")

    @destination.command("remove")
    @click.option("--name", required=True)
    def remove(name: str) -> None:
        """Remove a destination added with `add` (its undelivered statements are dropped)."""
        try:
            with _database() as (_, database), database.transaction() as session:
                remove_destination(session, name)
        except DestinationError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"Removed LRS destination {name}.")

    @destination.command("resume")
    @click.option("--name", required=True)
    def resume(name: str) -> None:
        """Resume a destination paused after its LRS refused the credentials."""
        try:
            with _database() as (_, database), database.transaction() as session:
                resumed = resume_destination(session, name)
        except DestinationError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"Resumed {name}." if resumed else f"{name} was not paused.")
