"""`leadpath outbox …`: the queue of statements waiting for their LRSs, and its repairs."""

from __future__ import annotations

import json

import click

from lti_tool.cli.common import (
    format_age,
    json_option,
    open_database,
    plural,
    print_report,
    summary,
)
from xapi.outbox import dead_letters, outbox_status, retry
from xapi.outbox.destinations import DestinationError


def print_status(report: dict) -> None:
    """Write an outbox status report for people."""
    shown = [d for d in report["destinations"] if d["active"] or d["pending"]]
    for d in shown:
        state = "PAUSED" if d["paused"] else ("active" if d["active"] else "no longer configured")
        version = f", xAPI {d['xapi_version']}" if d["xapi_version"] else ""
        click.echo(f"{d['name']} ({d['source']}, {state}{version}) {d['endpoint']}")
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
    """Add the outbox commands."""

    @cli.group()
    def outbox() -> None:
        """Inspect and repair the queue of statements waiting for their LRSs."""

    @outbox.command("status")
    @json_option
    def status(as_json: bool) -> None:
        """Show pending, delivered and dead statements and pauses per destination."""
        with open_database(sync_destinations=True) as (_, database), database.sessions() as session:
            report = outbox_status(session)
        print_report(report, as_json, print_status)

    @outbox.command("retry")
    @click.option("--destination", help="Only this destination (default: all).")
    @click.option("--dead", is_flag=True, help="Also re-queue dead letters.")
    @json_option
    def retry_command(destination: str | None, dead: bool, as_json: bool) -> None:
        """Resume paused destinations and make waiting (with --dead, refused) statements due now.

        The forwarder (`leadpath forwarder`, or the thread in `leadpath serve`) sends them.
        """
        try:
            with (
                open_database(sync_destinations=True) as (_, database),
                database.transaction() as session,
            ):
                done = retry(session, destination, dead=dead)
        except DestinationError as exc:
            raise click.UsageError(str(exc)) from None
        if as_json:
            click.echo(json.dumps(done))
            return
        line = (
            f"Resumed {', '.join(done['resumed'])}; "
            if done["resumed"]
            else "No destination was paused; "
        ) + f"{plural(done['due_now'], 'waiting delivery', 'waiting deliveries')} due now"
        if dead:
            line += f"; {plural(done['requeued'], 'dead letter')} re-queued"
        summary(line + ".")

    @outbox.command("dead-letter")
    @click.option("--destination", help="Only this destination (default: all).")
    @json_option
    def dead_letter(destination: str | None, as_json: bool) -> None:
        """List statements an LRS refused, with its answer."""
        with open_database() as (_, database), database.sessions() as session:
            letters = dead_letters(session, destination)
        if as_json:
            click.echo(json.dumps(letters, indent=2))
            return
        for letter in letters:
            click.echo(
                f"{letter['refused_at']} {letter['destination']} {letter['statement_id']} "
                f"HTTP {letter['status']}: {letter['response']}"
            )
        summary(plural(len(letters), "dead letter"))
