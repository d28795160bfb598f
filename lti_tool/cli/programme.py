"""`leadpath programme …`: training programmes, their scope and their leads."""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from lti_tool.cli.common import json_option, open_database, plural
from lti_tool.programmes import service
from lti_tool.programmes.models import Programme


def register(cli: click.Group) -> None:
    """Add the programme commands."""

    @cli.group()
    def programme() -> None:
        """Define training programmes (a foundation school, a specialty programme)."""

    def _change(action, *args, **kwargs):
        try:
            with open_database() as (_, db), db.transaction() as session:
                return action(session, *args, **kwargs)
        except service.ProgrammeError as exc:
            raise click.UsageError(str(exc)) from None

    @programme.command("add")
    @click.argument("name")
    @click.option("--title", help="The programme's title, e.g. 'North Foundation School'.")
    def add(name, title) -> None:
        """Define a programme called NAME (lower-case letters, digits and hyphens)."""
        _change(service.add, name, title)
        click.echo(f"Added the programme {name}; next: leadpath programme scope add")

    @programme.command("list")
    @json_option
    def list_(as_json) -> None:
        """List the programmes with their scope and leads."""
        with open_database() as (_, db), db.sessions() as session:
            rows = [
                {
                    "name": p.slug,
                    "title": p.title,
                    "scope": [
                        {"issuer": s.issuer, "deployment": s.deployment_id, "course": s.context_id}
                        for s in p.scopes
                    ],
                    "leads": [
                        {"issuer": g.issuer, "sub": g.sub, "via": g.granted_via} for g in p.leads
                    ],
                }
                for p in session.scalars(select(Programme).order_by(Programme.slug))
            ]
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            click.echo(f"{row['name']}: {row['title']}")
            for s in row["scope"]:
                narrower = "".join(
                    f", {k} {s[k]}" for k in ("deployment", "course") if s[k] is not None
                )
                click.echo(f"  scope: {s['issuer']}{narrower}")
            for g in row["leads"]:
                click.echo(f"  lead: {g['sub']} at {g['issuer']} ({g['via']})")
        click.echo(plural(len(rows), "programme"))

    @programme.command("remove")
    @click.argument("name")
    def remove(name) -> None:
        """Remove a programme with its scope and leads (trainees' records stay)."""
        _change(service.remove, name)
        click.echo(f"Removed the programme {name}")

    @programme.group()
    def scope() -> None:
        """The platforms, deployments and courses a programme covers."""

    @scope.command("add")
    @click.option("--programme", "name", required=True, help="The programme's name.")
    @click.option("--issuer", required=True, help="A registered platform's issuer.")
    @click.option("--deployment", help="Only this deployment id of the platform.")
    @click.option("--course", help="Only this course (the LTI context id at the platform).")
    def scope_add(name, issuer, deployment, course) -> None:
        """Add a platform, or one deployment or course of it, to a programme."""
        _change(service.add_scope, name, issuer, deployment, course)
        where = issuer + (f", deployment {deployment}" if deployment else "")
        where += f", course {course}" if course else ""
        click.echo(f"The programme {name} now covers {where}")

    @programme.command("grant")
    @click.option("--programme", "name", required=True, help="The programme's name.")
    @click.option("--issuer", required=True, help="The lead's platform (in the programme's scope).")
    @click.option("--sub", required=True, help="The lead's user id at that platform.")
    def grant(name, issuer, sub) -> None:
        """Let a person (a platform user) see the programme's view when they open leadpath."""
        _change(service.grant, name, issuer, sub, via=service.CLI)
        click.echo(f"{sub} at {issuer} now leads {name}")
