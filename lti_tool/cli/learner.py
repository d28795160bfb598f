"""`leadpath learner …`: a learner's data-protection rights (export everything, erase)."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import click

from lti_tool.cli.common import open_database
from lti_tool.rights import LearnerNotFound, find_learner

_WHO = (
    click.option("--learner", "learner_id", help="The learner id (a UUID)."),
    click.option("--issuer", help="A platform's issuer; with --sub."),
    click.option("--sub", help="The user's id on that platform (the LTI 'sub'); with --issuer."),
    click.option("--email", help="An email a platform sent for the learner."),
)


def _identified(command):
    for option in reversed(_WHO):
        command = option(command)
    return command


@contextmanager
def _app():
    """Yield the settings and database inside an app context (the 360 report reads settings)."""
    from flask import Flask

    with open_database() as (settings, db):
        app = Flask("leadpath-learner")
        app.config["LEADPATH"] = settings
        with app.app_context():
            yield settings, db


def _record(session, learner_id, issuer, sub, email):
    given = [bool(learner_id), bool(issuer or sub), bool(email)]
    if sum(given) != 1 or (given[1] and not (issuer and sub)):
        raise click.UsageError(
            "Identify the learner by --learner, by --issuer with --sub, or --email."
        )
    try:
        return find_learner(session, learner_id=learner_id, issuer=issuer, sub=sub, email=email)
    except LearnerNotFound as exc:
        raise click.ClickException(str(exc)) from None


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


@click.group()
def learner() -> None:
    """A learner's rights: export everything leadpath holds about them, or erase it."""


@learner.command("export")
@_identified
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the JSON document and its readable summary (both mode 0600).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document instead.")
def export(learner_id, issuer, sub, email, output: Path, as_json: bool) -> None:
    """Export everything held about one learner: a JSON document and a Markdown summary."""
    from lti_tool.rights.export import export_learner, summary_markdown

    with _app() as (settings, db), db.sessions() as session:
        record = _record(session, learner_id, issuer, sub, email)
        document = export_learner(session, db.engine, settings.base_url, record)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if as_json:
        click.echo(text)
        return
    output.mkdir(parents=True, exist_ok=True)
    stem = output / f"leadpath-learner-{record.learner_id}"
    _write_private(stem.with_suffix(".json"), text + "\n")
    _write_private(stem.with_suffix(".md"), summary_markdown(document))
    click.echo(
        f"Exported {len(document['identities'])} account(s), {len(document['attempts'])} "
        f"attempt(s) and {len(document['statements_in_embedded_lrs'])} statement(s) to "
        f"{stem}.json and {stem}.md"
    )


@learner.command("erase")
@_identified
@click.option("--requested-by", required=True, help="Who asked for the erasure (kept).")
@click.option("--reason", required=True, help="Reference of the data-protection request (kept).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def erase(learner_id, issuer, sub, email, requested_by, reason, yes, as_json) -> None:
    """Erase one learner from leadpath and its embedded LRS; void what external LRSs hold."""
    from lti_tool.rights.erase import erase_from_lrs, erase_learner

    with _app() as (settings, db):
        base_url = settings.base_url
        with db.sessions() as session:
            record = _record(session, learner_id, issuer, sub, email)
        if not yes:
            click.confirm(
                f"This erases a learner with {len(record.identity_ids)} account(s) for good. "
                "Continue?",
                abort=True,
            )
        # The embedded LRS is erased before and after the tables, so a statement the
        # forwarder was storing meanwhile is caught too.
        statements = erase_from_lrs(db.engine, base_url, record, reason)
        with db.transaction() as session:
            counts = erase_learner(session, base_url, record, requested_by, reason)
        statements += erase_from_lrs(db.engine, base_url, record, reason)
    counts["lrs_statements"] = statements
    if as_json:
        click.echo(json.dumps(counts, sort_keys=True))
        return
    click.echo(
        f"Erased the learner: {counts['identities']} account(s), {counts['attempts']} "
        f"attempt(s), {statements} LRS statement(s); {counts['voiding_statements_queued']} "
        "voiding statement(s) queued for external LRSs; audit record kept."
    )


def register(cli: click.Group) -> None:
    """Add the learner commands."""
    cli.add_command(learner)
