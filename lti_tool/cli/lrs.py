"""`leadpath lrs …`: the embedded LRS's keys, export, import and erasure; `lrs destination`.

`lrs destination` manages the LRSs the forwarder sends statements to.
"""

from __future__ import annotations

import json
import os
import sys

import click

from lti_tool.cli.common import (
    SafeCsvWriter,
    json_option,
    open_database,
    plural,
    progressbar,
    summary,
)
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


SCOPE_MEANINGS = {
    "statements/write": "store statements",
    "statements/read": "read every statement",
    "statements/read/mine": "read the statements stored with this key",
    "state": "read and write State documents",
    "define": "define or update activity definitions",
    "profile": "read and write Activity and Agent Profile documents",
    "all/read": "read everything",
    "all": "everything",
}


def _scopes_help() -> str:
    from xapi.lrs import SCOPES

    described = [
        f"{scope} ({SCOPE_MEANINGS[scope]})" if scope in SCOPE_MEANINGS else scope
        for scope in SCOPES
    ]
    return "Comma-separated, e.g. statements/write,state. One or more of: " + "; ".join(described)


@credentials.command("add")
@click.option("--name", required=True, help="Who the key is for, e.g. forwarder.")
@click.option("--scopes", required=True, help=_scopes_help())
@click.option("--json", "as_json", is_flag=True, help='Print {"key": …, "secret": …}.')
def credentials_add(name: str, scopes: str, as_json: bool) -> None:
    """Create a key and print its secret (shown once; only a hash is stored)."""
    from xapi.lrs import create_credential, parse_scopes

    try:
        wanted = parse_scopes(scopes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    with open_database() as (_, database):
        key, secret = create_credential(database.engine, name, wanted)
    if as_json:
        click.echo(json.dumps({"key": key, "secret": secret}))
    else:
        click.echo(f"key:    {key}\nsecret: {secret}\nscopes: {','.join(wanted)}")
        click.echo("The secret is shown only this once; keep it now.", err=True)


@credentials.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines, one key a line.")
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
@click.option("--since", help="Only statements stored after this ISO 8601 timestamp (with zone).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="jsonl: statements and their attachments' content, for `lrs import`; "
    "csv: statements only (no attachment content), for spreadsheets.",
)
@click.option("--output", type=click.File("w"), default="-", help="File (default stdout).")
def export(since: str | None, fmt: str, output) -> None:
    """Write every stored statement, voided ones too, oldest first.

    Progress is drawn on stderr while it is a terminal; the count of statements written ends
    on stderr, so stdout carries only the export.
    """
    from xapi.lrs import transfer

    with open_database() as (_, database):
        engine = database.engine
        since_us = _since(since)
        total = transfer.count_statements(engine, since_us)
        written = attachments = 0
        with progressbar(length=total, label="Exporting") as bar:
            if fmt == "csv":
                writer = SafeCsvWriter(output)
                writer.writerow(transfer.CSV_HEADER)
                for statement, voided in transfer.export_rows(engine, since_us):
                    writer.writerow(transfer.csv_row(statement, voided))
                    written += 1
                    bar.update(1)
            else:
                for line, is_statement in transfer.export_lines(engine, since_us):
                    output.write(json.dumps(line, ensure_ascii=False) + "\n")
                    if is_statement:
                        written += 1
                        bar.update(1)
                    else:
                        attachments += 1
        output.flush()
    where = "" if output.name == "<stdout>" else f" to {output.name}"
    content = f" and {plural(attachments, 'attachment')}" if fmt == "jsonl" else ""
    summary(f"Exported {plural(written, 'statement')}{content}{where}.", data_on_stdout=True)


REFUSALS_SHOWN = 20


def _import_summary(counts) -> str:
    reasons = counts.refusal_reasons()
    why = f" ({', '.join(f'{n:,} {reason}' for reason, n in reasons.items())})" if reasons else ""
    return (
        f"Read {plural(counts.read, 'statement')}: {counts.stored:,} stored, "
        f"{counts.held:,} already held, {len(counts.refused):,} refused{why}; "
        f"{plural(counts.attachments, 'attachment')} added."
    )


def _stopped(counts) -> str:
    return (
        f"The import stopped there, having stored {plural(counts.stored, 'statement')} and "
        f"{plural(counts.attachments, 'attachment')}; once the file is fixed, import it again "
        "(what is held already is skipped)."
    )


@lrs.command("import")
@click.argument("file", type=click.File("rb"))
def import_(file) -> None:
    """Load a JSON-lines export (FILE, or - for stdin) with its attachments.

    Statements already held with the same content are skipped (idempotent by id; attachments
    by digest); a statement that is invalid, or whose id is held with other content, is
    refused with its line and reason and the rest load. Exit status 1 when any was refused.
    Exports without attachment lines load too (their statements without attachment content).
    """
    from xapi.lrs import authority_for, reload
    from xapi.lrs.errors import XapiError

    counts = reload.ImportCounts()
    number = 0
    try:
        size = os.fstat(file.fileno()).st_size if file.seekable() else None
    except (OSError, ValueError):  # not a file with a descriptor (a test's stream)
        size = None

    # A file's size is known: the bar fills by bytes read. A pipe: it counts statements.
    by_bytes = size is not None
    with (
        open_database() as (settings, database),
        progressbar(
            length=size,
            label="Importing",
            show_pos=not by_bytes,
            item_show_func=(lambda n: None if n is None else plural(n, "statement"))
            if by_bytes
            else None,
        ) as bar,
    ):

        def lines():
            nonlocal number
            statements = 0
            for number, line in enumerate(file, start=1):  # noqa: B007 - read by the handler
                try:
                    item = json.loads(line) if line.strip() else None
                except ValueError:  # not JSON, or not UTF-8
                    raise click.ClickException(
                        f"Line {number} is not JSON. " + _stopped(counts)
                    ) from None
                is_statement = item is not None and not reload.is_attachment_line(item)
                statements += is_statement
                bar.update(len(line) if by_bytes else int(is_statement), statements)
                if item is not None:
                    yield number, item

        authority = authority_for("leadpath-import", "leadpath import", settings.base_url)
        try:
            reload.import_statements(database.engine, lines(), authority, counts=counts)
        except XapiError as exc:
            # An attachment line that does not hold what it claims (statements are refused
            # one by one instead), or a database too busy to write.
            where = f"Line {number}: " if (exc.field or "").startswith("attachment") else ""
            raise click.ClickException(f"{where}{exc.message} {_stopped(counts)}") from None
    for refusal in counts.refused[:REFUSALS_SHOWN]:
        sid = f" ({refusal.statement_id})" if refusal.statement_id else ""
        click.echo(f"Refused line {refusal.where}{sid}: {refusal.reason}", err=True)
    if len(counts.refused) > REFUSALS_SHOWN:
        click.echo(f"… and {len(counts.refused) - REFUSALS_SHOWN:,} more refused.", err=True)
    summary(_import_summary(counts))
    if counts.refused:
        sys.exit(1)


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
    """List destination LRSs: name, source (settings or cli), endpoint, state."""
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
            }
            for row in rows
        ]
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    for row in listed:
        paused = f" PAUSED: {row['pause_reason']}" if row["paused"] else ""
        active = "" if row["active"] else " (inactive)"
        click.echo(f"{row['name']}\t{row['source']}\t{row['endpoint']}{active}{paused}")


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


def register(cli: click.Group) -> None:
    """Add the lrs command group."""
    cli.add_command(lrs)
