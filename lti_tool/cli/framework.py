"""`leadpath framework …`: import files, list versions, list and set career-phase expectations.

`framework phases` lists every career phase with the stage it expects in every framework.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from sqlalchemy import select

from framework.errors import FrameworkFileError
from framework.files import parse_text, read_file
from framework.model import LEVELS, Framework
from framework.phases import expected_profile, load_phases
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


def _expected_text(framework: Framework, stage: int | None) -> int | str | None:
    """A stage as people read it: its number, or a level's name (``proficient``, ``f1``)."""
    if stage is None or stage == 0 or framework.rating_kind != LEVELS:
        return stage
    return framework.stage(stage).key


def phase_listing(frameworks: list[Framework], overrides: dict | None) -> list[dict]:
    """Every career phase with its aliases and the stage it expects per domain of each framework."""
    table = load_phases()
    aliases: dict[str, list[str]] = {}
    for alias, target in table.aliases.items():
        aliases.setdefault(target, []).append(alias)
    listed = []
    for phase in table.values():
        expected = {}
        for fw in frameworks:
            profile = expected_profile(phase.id, overrides, table, framework=fw)
            expected[fw.id] = {d: _expected_text(fw, v) for d, v in profile.items()}
        listed.append(
            {
                "id": phase.id,
                "title": phase.title,
                "professions": [table.professions.get(p, p) for p in phase.professions]
                or ["any profession"],
                "aliases": sorted(aliases.get(phase.id, [])),
                "expected": expected,
            }
        )
    return listed


def _print_phases(listed: list[dict], frameworks: list[Framework]) -> None:
    for item in listed:
        also = f" (also {', '.join(item['aliases'])})" if item["aliases"] else ""
        click.echo(f"{item['id']}{also}: {item['title']} · {', '.join(item['professions'])}")
        for fw in frameworks:
            wanted = item["expected"][fw.id]
            parts = [f"{d} {v}" for d, v in wanted.items() if v is not None]
            click.echo(f"  {fw.id:<14} {'; '.join(parts) or 'no expectation'}")
    click.echo(f"{len(listed)} career phases in {len(frameworks)} frameworks.")


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

    @framework.group(invoke_without_command=True)
    @click.pass_context
    def phases(ctx: click.Context) -> None:
        """Career phases: the stage each expects per framework; an institution's own stages.

        Without a subcommand, lists every phase as `phases list` does.
        """
        if ctx.invoked_subcommand is None:
            ctx.invoke(phases_list)

    @phases.command("list")
    @click.option(
        "--framework",
        "framework_id",
        default=None,
        help="Only this framework's expectations (a stored framework id, e.g. hlm-2013).",
    )
    @click.option(
        "--issuer", default=None, help="Apply this institution's own expectations (its iss)."
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def phases_list(framework_id: str | None, issuer: str | None, as_json: bool) -> None:
        """List every career phase, its aliases and the stage it expects in each framework."""
        with open_database() as (_, db):
            store_bundled_once(db)
            with db.sessions() as session:
                ids = sorted(set(session.scalars(select(FrameworkVersion.framework_id))))
                if framework_id is not None and framework_id not in ids:
                    _fail(f"{framework_id!r} is not a stored framework (stored: {', '.join(ids)})")
                chosen = [framework_id] if framework_id else ids
                frameworks = [framework_of(current_version(session, i)) for i in chosen]
                setting = session.get(InstitutionSetting, issuer) if issuer else None
                overrides = setting.phase_overrides if setting else None
        listed = phase_listing(frameworks, overrides)
        if as_json:
            click.echo(json.dumps({"phases": listed}, indent=2))
            return
        _print_phases(listed, frameworks)

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
