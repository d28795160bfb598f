"""`leadpath lrs …`: the embedded LRS's keys, export, import and erasure; `lrs destination`.

`lrs destination` manages the LRSs the forwarder sends statements to.
"""

from __future__ import annotations

import csv
import json
import sys

import click

from lti_tool.cli.common import open_database
from xapi.outbox.destinations import (
    DestinationError,
    add_destination,
    list_destinations,
    remove_destination,
    resume_destination,
)

lrs = click.Group("lrs", help="Manage learning record stores (destinations, credentials).")


@lrs.group("credentials")
def credentials() -> None:
    """Manage keys of the embedded LRS."""


@credentials.command("add")
@click.option("--name", required=True, help="Who the key is for, e.g. forwarder.")
@click.option("--scopes", required=True, help="Comma-separated, e.g. statements/write,state.")
@click.option("--json", "as_json", is_flag=True, help='Print {"key": …, "secret": …}.')
def credentials_add(name: str, scopes: str, as_json: bool) -> None:
    """Create a key and print its secret (shown once; only a hash is stored)."""
    from xapi.lrs import create_credential, parse_scopes

    try:
        wanted = parse_scopes(scopes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    with open_database() as (_, database):
        engine = database.engine
        key, secret = create_credential(engine, name, wanted)
        if as_json:
            click.echo(json.dumps({"key": key, "secret": secret}))
        else:
            click.echo(f"key:    {key}\nsecret: {secret}\nscopes: {','.join(wanted)}")


@credentials.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
def credentials_list(as_json: bool) -> None:
    """List keys (never secrets)."""
    from xapi.lrs import list_credentials

    with open_database() as (_, database):
        engine = database.engine
        for row in list_credentials(engine):
            if as_json:
                click.echo(json.dumps(row, default=str))
            else:
                state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "active"
                click.echo(f"{row['key']}  {row['name']}  {row['scopes']}  {state}")


@credentials.command("revoke")
@click.argument("key")
def credentials_revoke(key: str) -> None:
    """Revoke a key (running servers stop accepting it within 30 seconds)."""
    from xapi.lrs import revoke_credential

    with open_database() as (_, database):
        engine = database.engine
        if not revoke_credential(engine, key):
            raise click.ClickException(f"No active key {key}.")
        click.echo(f"Revoked {key}.")


def _since(value: str | None) -> int | None:
    from xapi.lrs import formats

    if value is None:
        return None
    moment = formats.parse_timestamp(value)
    if moment is None:
        raise click.BadParameter(
            "give an ISO 8601 timestamp with a zone, e.g. 2024-05-01T00:00:00Z",
            param_hint="--since",
        )
    return formats.to_micros(moment)


@lrs.command("export")
@click.option("--since", help="Only statements stored after this timestamp.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    help="jsonl: statements and their attachments' content, for `lrs import`; "
    "csv: statements only (no attachment content), for spreadsheets.",
)
@click.option("--output", type=click.File("w"), default="-", help="File (default stdout).")
def export(since: str | None, fmt: str, output) -> None:
    """Stream every stored statement, oldest first; progress on stderr."""
    from xapi.lrs import transfer

    with open_database() as (_, database):
        engine = database.engine
        since_us = _since(since)
        total = transfer.count_statements(engine, since_us)
        with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
            if fmt == "csv":
                writer = csv.writer(output)
                writer.writerow(transfer.CSV_HEADER)
                for statement, voided in transfer.export_rows(engine, since_us):
                    writer.writerow(transfer.csv_row(statement, voided))
                    bar.update(1)
                return
            for line, is_statement in transfer.export_lines(engine, since_us):
                output.write(json.dumps(line, ensure_ascii=False) + "\n")
                if is_statement:
                    bar.update(1)


@lrs.command("import")
@click.argument("file", type=click.File("r"))
def import_(file) -> None:
    """Reload a JSON-lines export with its attachments; what is held already is skipped.

    Statements are idempotent by id and attachments by digest; exports without attachment
    lines load too (their statements without attachment content).
    """
    from xapi.lrs import authority_for, transfer
    from xapi.lrs.errors import XapiError

    with open_database() as (settings, database):
        engine = database.engine
        number = 0

        def lines():
            nonlocal number
            for number, line in enumerate(file, start=1):  # noqa: B007 - read by the handler
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise click.ClickException(f"Line {number} is not JSON.") from None

        authority = authority_for("leadpath-import", "leadpath import", settings.base_url)
        try:
            counts = transfer.import_statements(engine, lines(), authority)
        except XapiError as exc:
            # An attachment line is checked as it is read; statements are checked in batches.
            where = f"Line {number}: " if (exc.field or "").startswith("attachment") else ""
            raise click.ClickException(where + exc.message) from None
        click.echo(
            f"{counts.accepted} statements loaded, {counts.conflicting} refused "
            f"(id held, other content); {counts.attachments} attachments added."
        )


@lrs.command("erase-agent")
@click.option(
    "--agent",
    "agent_json",
    required=True,
    help='The Agent as JSON, e.g. {"account": {"homePage": …, "name": …}}.',
)
@click.option("--requested-by", required=True, help="Who asked for the erasure.")
@click.option("--reason", required=True, help="Reference of the data-protection request.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_agent(agent_json: str, requested_by: str, reason: str, yes: bool) -> None:
    """Delete every statement and document about one learner, keeping an audit record."""
    from xapi.lrs import transfer
    from xapi.lrs.errors import XapiError

    try:
        agent = json.loads(agent_json)
    except ValueError:
        raise click.BadParameter("must be JSON", param_hint="--agent") from None
    if not yes:
        click.confirm("This deletes statements for good. Continue?", abort=True)
    with open_database() as (_, database):
        engine = database.engine
        try:
            statements, documents = transfer.erase_agent(engine, agent, requested_by, reason)
        except XapiError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"Erased {statements} statements and {documents} documents; audit record kept.")


@lrs.group("destination")
def destination() -> None:
    """LRSs statements are forwarded to (besides LEADPATH_LRS_<NAME>_ENDPOINT settings)."""


@destination.command("add")
@click.option("--name", required=True)
@click.option("--endpoint", required=True, help="xAPI endpoint, e.g. https://lrs/xapi")
@click.option("--key", required=True)
@click.option("--secret", required=True)
@click.option("--platform", "platforms", multiple=True, help="Only statements from this issuer.")
@click.option("--course", "courses", multiple=True, help="Only statements of this course.")
def destination_add(name, endpoint, key, secret, platforms, courses) -> None:
    """Add a destination LRS."""
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
def destination_list() -> None:
    """List destination LRSs."""
    with open_database(sync_destinations=True) as (_, database), database.sessions() as session:
        for row in list_destinations(session):
            paused = f" PAUSED: {row.pause_reason}" if row.paused_at else ""
            active = "" if row.active else " (inactive)"
            click.echo(f"{row.name}\t{row.source}\t{row.endpoint}{active}{paused}")


@destination.command("remove")
@click.option("--name", required=True)
def destination_remove(name: str) -> None:
    """Remove a destination added with `add` (its undelivered statements are dropped)."""
    try:
        with open_database() as (_, database), database.transaction() as session:
            remove_destination(session, name)
    except DestinationError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Removed LRS destination {name}.")


@destination.command("resume")
@click.option("--name", required=True)
def destination_resume(name: str) -> None:
    """Resume a destination paused after its LRS refused the credentials."""
    try:
        with open_database() as (_, database), database.transaction() as session:
            resumed = resume_destination(session, name)
    except DestinationError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Resumed {name}." if resumed else f"{name} was not paused.")


def register(cli: click.Group) -> None:
    """Add the lrs command group."""
    cli.add_command(lrs)
