"""`leadpath framework …`: import framework files, list stored versions, set phase expectations."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from sqlalchemy import select

from framework.errors import FrameworkFileError
from framework.files import parse_text, read_file
from framework.phases import load_phases
from lti_tool.assess.framework_versions import (
    FrameworkImportError,
    current_version,
    framework_of,
    import_framework,
    store_bundled_once,
)
from lti_tool.assess.models import FrameworkVersion, InstitutionSetting
from lti_tool.cli.common import open_database
from lti_tool.models import utcnow


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def validate_overrides(document: Any, source: str, domain_ids: set[str], max_stage: int) -> dict:
    """Check `{phase: {domain: stage or null}}`; raise FrameworkFileError naming the place."""
    if not isinstance(document, dict) or not document:
        raise FrameworkFileError(source, "", "should map career phase ids to expectations")
    phases = load_phases()
    for phase_id, expected in document.items():
        if phase_id not in phases:
            known = ", ".join(phases)
            raise FrameworkFileError(
                source, phase_id, f"is not a career phase (known phases: {known})"
            )
        if not isinstance(expected, dict):
            raise FrameworkFileError(source, phase_id, "should map domain ids to stages")
        for domain_id, stage in expected.items():
            where = f"{phase_id}.{domain_id}"
            if domain_id not in domain_ids:
                raise FrameworkFileError(source, where, f"{domain_id!r} is not a domain id")
            valid = stage is None or (
                isinstance(stage, int) and not isinstance(stage, bool) and 1 <= stage <= max_stage
            )
            if not valid:
                raise FrameworkFileError(
                    source, where, f"{stage!r} is not a stage (use 1 to {max_stage}, or null)"
                )
    return document


def register(cli: click.Group) -> None:
    """Add the framework commands."""

    @cli.group()
    def framework() -> None:
        """Leadership framework definitions and career-phase expectations."""

    @framework.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    def import_(file: str) -> None:
        """Validate FILE (JSON or YAML) and store it as a new framework or a new version."""
        with open_database() as (_, db):
            try:
                text, name = read_file(file)
                with db.transaction() as session:
                    row, created = import_framework(session, text, name)
                    summary = f"{row.framework_id} version {row.version} ({row.title})"
            except (FrameworkFileError, FrameworkImportError) as exc:
                _fail(str(exc))
        if created:
            click.echo(f"Stored {summary}; new attempts use it from now on.")
        else:
            click.echo(f"{summary} is already stored with this content; nothing changed.")

    @framework.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def list_(as_json: bool) -> None:
        """List stored frameworks and their versions (newest last)."""
        with open_database() as (_, db):
            store_bundled_once(db)
            with db.transaction() as session:
                rows = session.scalars(
                    select(FrameworkVersion).order_by(
                        FrameworkVersion.framework_id,
                        FrameworkVersion.created_at,
                        FrameworkVersion.id,
                    )
                ).all()
                current = {
                    r.framework_id: current_version(session, r.framework_id).id for r in rows
                }
        listed = [
            {
                "id": r.framework_id,
                "version": r.version,
                "title": r.title,
                "source": r.source,
                "content_hash": r.content_hash,
                "created_at": r.created_at.isoformat(),
                "current": current[r.framework_id] == r.id,
            }
            for r in rows
        ]
        if as_json:
            click.echo(json.dumps(listed, indent=2))
            return
        for item in listed:
            mark = "*" if item["current"] else " "
            short_hash = item["content_hash"].split(":")[-1][:12]
            click.echo(
                f"{mark} {item['id']:<20} {item['version']:<12} {item['source']:<9} "
                f"{short_hash}  {item['created_at'][:19]}  {item['title']}"
            )
        click.echo("* = the version new attempts use")

    @framework.group()
    def phases() -> None:
        """An institution's own stage expectations per career phase."""

    @phases.command("set")
    @click.option("--issuer", required=True, help="The institution's platform issuer (iss).")
    @click.option(
        "--file",
        "path",
        required=True,
        type=click.Path(dir_okay=False),
        help='JSON or YAML: {"foundation": {"managing-services": 2}, …}; null = no expectation.',
    )
    def phases_set(issuer: str, path: str) -> None:
        """Store an institution's expected stage per career phase and domain."""
        with open_database() as (_, db):
            try:
                text, name = read_file(path)
                document = parse_text(text, name)
                store_bundled_once(db)
                with db.transaction() as session:
                    framework_id = load_phases()["undergraduate"].framework_id
                    fw = framework_of(current_version(session, framework_id))
                    domains = {d.id for d in fw.domains}
                    overrides = validate_overrides(document, name, domains, fw.max_stage)
                    setting = session.get(InstitutionSetting, issuer)
                    if setting is None:
                        setting = InstitutionSetting(issuer=issuer)
                        session.add(setting)
                    setting.phase_overrides = overrides
                    setting.updated_at = utcnow()
            except FrameworkFileError as exc:
                _fail(str(exc))
        count = sum(len(v) for v in overrides.values())
        click.echo(f"Stored {count} expectation(s) for {issuer}.")

    @phases.command("show")
    @click.option("--issuer", required=True, help="The institution's platform issuer (iss).")
    def phases_show(issuer: str) -> None:
        """Print an institution's stored expectations as JSON."""
        with open_database() as (_, db), db.sessions() as session:
            setting = session.get(InstitutionSetting, issuer)
            overrides = setting.phase_overrides if setting else None
        click.echo(json.dumps(overrides or {}, indent=2))
