"""`leadpath platform …`: the platform registry."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from lti_tool.cli.common import open_database
from lti_tool.lti import registry


def register(cli: click.Group) -> None:
    """Add the platform commands."""

    @cli.group()
    def platform() -> None:
        """Register the LMS platforms that launch leadpath."""

    @platform.command("add")
    @click.option("--issuer", required=True, help="The platform's issuer (iss), a URL.")
    @click.option("--client-id", required=True, help="The client id the platform gave leadpath.")
    @click.option("--auth-url", help="The platform's OIDC authentication request URL.")
    @click.option("--token-url", help="The platform's OAuth 2 access token URL.")
    @click.option("--jwks-url", help="The platform's public keyset URL.")
    @click.option(
        "--deployment-id",
        "deployment_ids",
        multiple=True,
        help="A deployment id (repeat for several).",
    )
    @click.option("--name", help="A label for this platform, e.g. the university's name.")
    @click.option(
        "--link-by-registration-number/--no-link-by-registration-number",
        "link_by_registration",
        default=None,
        help="Link a learner's identities on launch by the professional_registration custom "
        "parameter (only between platforms that both opted in).",
    )
    def add(
        issuer, client_id, auth_url, token_url, jwks_url, deployment_ids, name, link_by_registration
    ) -> None:
        """Register a platform, or add deployment ids or new URLs to its registration."""
        try:
            with open_database() as (_, db), db.transaction() as session:
                found, created = registry.add_platform(
                    session,
                    issuer=issuer,
                    client_id=client_id,
                    deployment_ids=list(deployment_ids),
                    auth_login_url=auth_url,
                    auth_token_url=token_url,
                    key_set_url=jwks_url,
                    name=name,
                )
                deployments = ", ".join(d.deployment_id for d in found.deployments) or "none"
                if link_by_registration is not None:
                    from lti_tool.identity.linking import set_registration_linking

                    set_registration_linking(session, found, link_by_registration)
        except registry.RegistryError as exc:
            raise click.UsageError(str(exc)) from None
        verb = "Registered" if created else "Updated"
        click.echo(f"{verb} {issuer} (client id {client_id}); deployments: {deployments}")
        if link_by_registration is not None:
            state = "on" if link_by_registration else "off"
            click.echo(f"Linking by professional registration number: {state}.")

    @platform.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def list_(as_json: bool) -> None:
        """List the registered platforms."""
        with open_database() as (_, db), db.sessions() as session:
            platforms = registry.list_platforms(session)
        if as_json:
            click.echo(json.dumps([asdict(p) for p in platforms], indent=2))
            return
        if not platforms:
            click.echo("No platforms registered. Add one with `leadpath platform add`.")
        for p in platforms:
            click.echo(f"{p.issuer}  client id {p.client_id}" + (f"  ({p.name})" if p.name else ""))
            click.echo(
                f"  login {p.auth_login_url}\n  token {p.auth_token_url}\n"
                f"  keys  {p.key_set_url or 'stored keyset'}\n"
                f"  deployments {', '.join(p.deployment_ids) or 'none'}"
            )

    @platform.command("remove")
    @click.option("--issuer", required=True, help="The platform's issuer (iss).")
    @click.option("--client-id", required=True, help="The client id of the registration.")
    def remove(issuer: str, client_id: str) -> None:
        """Remove a registration and its deployments."""
        with open_database() as (_, db), db.transaction() as session:
            removed = registry.remove_platform(session, issuer, client_id)
        if not removed:
            raise click.ClickException(f"No registration for {issuer} with client id {client_id}.")
        click.echo(f"Removed {issuer} (client id {client_id}).")
