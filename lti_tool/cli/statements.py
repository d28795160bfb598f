"""`leadpath statements query`: statements from the embedded LRS, or any LRS, with xAPI's filters.

Every filter of the xAPI statements query is an option; the reader (`xapi.reader`) follows
`more` links to the end (or to `--limit`). Statements stream out as they arrive: a table for
people, JSON lines or CSV for programs. The count (and, on a terminal, a progress bar) goes
to stderr, so stdout stays data.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid

import click

from lti_tool.cli.common import (
    SafeCsvWriter,
    open_database,
    plural,
    progressbar,
    settings_from_env,
    summary,
)
from xapi.reader import EmbeddedTransport, HttpTransport, ReadError, Reading, read_statements
from xapi.statements.vocabulary import ALL_CONCEPTS
from xapi.summary import in_words

VERBS = {c.ref.rsplit("/", 1)[-1]: c for c in ALL_CONCEPTS if c.kind == "Verb"}


def _timestamp(_ctx, param, value: str | None) -> str | None:
    from xapi.lrs import formats

    if value is not None and formats.parse_timestamp(value) is None:
        raise click.BadParameter(
            "give an ISO 8601 timestamp with a zone, e.g. 2024-05-01T00:00:00Z", param=param
        )
    return value


def _registration(_ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise click.BadParameter("give the registration's UUID", param=param) from None


def _agent(_ctx, param, value: str | None) -> dict | None:
    if value is None:
        return None
    try:
        agent = json.loads(value)
    except ValueError:
        agent = None
    if not isinstance(agent, dict):
        raise click.BadParameter(
            'give an Agent as JSON, e.g. {"mbox": "mailto:a@example.ac.uk"}', param=param
        )
    return agent


def query_parameters(options: dict, base_url: str) -> dict[str, str]:
    """Return the xAPI query parameters the command's options ask for."""
    params: dict[str, str] = {}
    agent = options["agent"]
    if options["learner"]:
        if agent is not None:
            raise click.UsageError("Give --agent or --learner, not both.")
        account = {"homePage": base_url, "name": options["learner"]}
        agent = {"objectType": "Agent", "account": account}
    if agent is not None:
        params["agent"] = json.dumps(agent, separators=(",", ":"))
    if options["verb"]:
        verb = options["verb"]
        params["verb"] = VERBS[verb].iri(base_url) if verb in VERBS else verb
    for name in ("activity", "registration", "since", "until"):
        if options[name]:
            params[name] = options[name]
    for name in ("related_activities", "related_agents", "ascending"):
        if options[name]:
            params[name] = "true"
    page_size = options["page_size"] or options["limit"]
    if page_size:
        params["limit"] = str(page_size)
    if options["xapi_format"] != "exact":
        params["format"] = options["xapi_format"]
    return params


class TableWriter:
    """Rows for people: when stored, who, did what, to what, with what result."""

    COLUMNS = (("stored", 20), ("actor", 24), ("verb", 14), ("result", 16))

    def __init__(self, output):
        self.output = output
        fixed = sum(width + 2 for _, width in self.COLUMNS)
        self.object_width = max(20, shutil.get_terminal_size((120, 24)).columns - fixed)
        self._row(["stored", "actor", "verb", "object", "result"])

    def _row(self, cells: list[str]) -> None:
        widths = [w for _, w in self.COLUMNS[:3]] + [self.object_width, self.COLUMNS[3][1]]
        pairs = zip(cells, widths, strict=True)
        line = "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in pairs)
        self.output.write(line.rstrip() + "\n")

    def write(self, statement: dict) -> None:
        """Write one statement's row."""
        said = in_words(statement)
        self._row([said.stored, said.actor, said.verb, said.object, said.result])


class JsonLinesWriter:
    """One statement per line, as the LRS gave it."""

    def __init__(self, output):
        self.output = output

    def write(self, statement: dict) -> None:
        """Write one statement."""
        self.output.write(json.dumps(statement, ensure_ascii=False) + "\n")


class CsvWriter:
    """The columns of `lrs export --format csv` (without `voided`: queries leave those out)."""

    def __init__(self, output):
        from xapi.lrs.transfer import CSV_HEADER

        self.writer = SafeCsvWriter(output)
        self.writer.writerow(CSV_HEADER[:-1])

    def write(self, statement: dict) -> None:
        """Write one statement's row."""
        from xapi.lrs.transfer import csv_row

        self.writer.writerow(csv_row(statement)[:-1])


WRITERS = {"table": TableWriter, "jsonl": JsonLinesWriter, "csv": CsvWriter}


@click.group("statements")
def statements() -> None:
    """Read statements from the embedded LRS, or any LRS, with the xAPI query's filters."""


@statements.command("query")
@click.option("--agent", callback=_agent, help="Statements about this Agent or Group (JSON).")
@click.option(
    "--learner",
    metavar="ACCOUNT",
    help="Statements about this learner: the account name leadpath gives them (a UUID), "
    "with LEADPATH_BASE_URL as its homePage. Instead of --agent.",
)
@click.option(
    "--verb",
    help="A verb IRI, or one of leadpath's verbs: " + ", ".join(VERBS) + ".",
)
@click.option("--activity", metavar="IRI", help="Statements whose object is this activity.")
@click.option("--registration", callback=_registration, help="The attempt's registration UUID.")
@click.option(
    "--related-activities",
    is_flag=True,
    help="--activity also matches context activities and sub-statements.",
)
@click.option(
    "--related-agents",
    is_flag=True,
    help="--agent/--learner also matches authority, instructor, team and sub-statements.",
)
@click.option("--since", callback=_timestamp, help="Stored after this ISO 8601 timestamp.")
@click.option("--until", callback=_timestamp, help="Stored at or before this timestamp.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=0,
    help="Print at most this many statements (0, the default: all).",
)
@click.option(
    "--page-size",
    type=click.IntRange(min=0),
    default=0,
    help="Statements per request (xAPI `limit`; default: --limit, else the LRS's maximum).",
)
@click.option("--ascending", is_flag=True, help="Oldest first (default: newest first).")
@click.option(
    "--xapi-format",
    type=click.Choice(["exact", "ids", "canonical"]),
    default="exact",
    show_default=True,
    help="xAPI's `format`: statements as stored, identifiers only, or canonical definitions "
    "in one language (see --language).",
)
@click.option(
    "--language",
    metavar="TAGS",
    help="Languages for --xapi-format canonical, as an Accept-Language header: en-GB,en.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(WRITERS)),
    default="table",
    show_default=True,
    help="table: a row per statement, for people; jsonl: a statement per line; csv: for "
    "spreadsheets (cells that could run as formulas are escaped).",
)
@click.option("--output", type=click.File("w"), default="-", help="File (default stdout).")
@click.option("--endpoint", metavar="URL", help="Another LRS's xAPI endpoint (default: embedded).")
@click.option("--key", help="The other LRS's key (HTTP Basic username).")
@click.option(
    "--secret",
    help="The other LRS's secret (asked for when --endpoint is given without it, so it stays "
    "out of the shell's history).",
)
def query(output, endpoint, key, secret, **options) -> None:
    """Print the statements matching every filter given, newest first, following `more`.

    Reads the embedded LRS in this process by default (no key needed), or the LRS at
    --endpoint with --key and --secret. A progress bar is drawn on stderr while it is a
    terminal; the count of statements ends on stderr.
    """
    settings = settings_from_env()
    params = query_parameters(options, settings.base_url)
    languages = options["language"]
    if endpoint is None and (key or secret):
        raise click.UsageError("--key and --secret go with --endpoint.")
    if endpoint is not None:
        if not key:
            raise click.UsageError("--endpoint needs --key (and --secret).")
        if secret is None:
            secret = click.prompt("The LRS's secret", hide_input=True, err=True)
        # Retries end in one sentence; urllib3's own lines about each would only repeat it.
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        _print(HttpTransport(endpoint, key, secret, languages=languages), params, output, options)
        return
    with open_database() as (_, database):
        transport = EmbeddedTransport(database.engine, settings.base_url, languages=languages)
        _print(transport, params, output, options)


def _print(transport, params: dict[str, str], output, options: dict) -> None:
    """Write every statement read as it arrives; end with the count on stderr."""
    writer = WRITERS[options["output_format"]](output)
    reading = Reading()
    most = options["limit"]
    try:
        with progressbar(length=most or None, label="Reading statements") as bar:
            for page in read_statements(transport, params, most=most, reading=reading):
                for statement in page:
                    writer.write(statement)
                output.flush()
                bar.update(len(page))
    except ReadError as exc:
        raise click.ClickException(
            f"{exc} ({plural(reading.statements, 'statement')} printed before it.)"
        ) from None
    finally:
        transport.close()
    more = f"; stopped at --limit {most:,}, the LRS holds more" if reading.more_left else ""
    summary(
        f"{plural(reading.statements, 'statement')} from {transport.name} "
        f"({plural(reading.requests, 'request')}{more}).",
        data_on_stdout=True,
    )


def register(cli: click.Group) -> None:
    """Add the statements command group."""
    cli.add_command(statements)
