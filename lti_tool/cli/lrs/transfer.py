"""`leadpath lrs export|import|erase-agent`: the embedded LRS's statements out, back in, erased."""

from __future__ import annotations

import json
import os
import sys

import click

from lti_tool.cli.common import SafeCsvWriter, open_database, plural, progressbar, summary


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


@click.command("export")
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


@click.command("import")
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


@click.command("erase-agent")
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
