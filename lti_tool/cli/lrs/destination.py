"""`leadpath lrs destination …`: the LRSs the forwarder sends statements to."""

from __future__ import annotations

import json

import click

from lti_tool.cli.common import json_option, open_database
from xapi.outbox.destinations import (
    DestinationError,
    add_destination,
    list_destinations,
    remove_destination,
    resume_destination,
)


@click.group("destination")
def destination() -> None:
    """LRSs statements are forwarded to (besides LEADPATH_LRS_<NAME>_ENDPOINT settings)."""


@destination.command("add")
@click.option("--name", required=True, help="A name for the LRS, used by the other commands.")
@click.option("--endpoint", required=True, help="xAPI endpoint, e.g. https://lrs.example/xapi")
@click.option("--key", required=True, help="The LRS's key for leadpath (HTTP Basic username).")
@click.option(
    "--secret",
    required=True,
    prompt="The LRS's secret",
    hide_input=True,
    help="Its secret (HTTP Basic password; asked for when not given, so it stays out of "
    "the shell's history).",
)
@click.option("--platform", "platforms", multiple=True, help="Only statements from this issuer.")
@click.option("--course", "courses", multiple=True, help="Only statements of this course.")
def destination_add(name, endpoint, key, secret, platforms, courses) -> None:
    """Add an LRS the forwarder sends statements to (all, or those of some platforms/courses)."""
    try:
        with (
            open_database(sync_destinations=True) as (_, database),
            database.transaction() as session,
        ):
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
@json_option
def destination_list(as_json: bool) -> None:
    """List destination LRSs: name, source (settings or cli), endpoint, xAPI version, state."""
    with open_database(sync_destinations=True) as (_, database), database.sessions() as session:
        rows = list_destinations(session)
        listed = [
            {
                "name": row.name,
                "source": row.source,
                "endpoint": row.endpoint,
                "active": row.active,
                "paused": row.paused_at is not None,
                "pause_reason": row.pause_reason if row.paused_at else None,
                "xapi_version": row.xapi_version,
            }
            for row in rows
        ]
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    for row in listed:
        paused = f" PAUSED: {row['pause_reason']}" if row["paused"] else ""
        active = "" if row["active"] else " (inactive)"
        version = f"xAPI {row['xapi_version']}" if row["xapi_version"] else "xAPI not yet sent"
        if row["source"] == "embedded":
            version = "stored in-process"
        click.echo(f"{row['name']}\t{row['source']}\t{row['endpoint']}\t{version}{active}{paused}")


@destination.command("remove")
@click.option("--name", required=True, help="The destination's name (see `lrs destination list`).")
def destination_remove(name: str) -> None:
    """Remove a destination added with `add` (its undelivered statements are dropped)."""
    try:
        with open_database() as (_, database), database.transaction() as session:
            remove_destination(session, name)
    except DestinationError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Removed LRS destination {name}.")


@destination.command("resume")
@click.option("--name", required=True, help="The destination's name (see `lrs destination list`).")
def destination_resume(name: str) -> None:
    """Resume a destination paused after its LRS refused the credentials."""
    try:
        with open_database() as (_, database), database.transaction() as session:
            resumed = resume_destination(session, name)
    except DestinationError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Resumed {name}." if resumed else f"{name} was not paused.")
