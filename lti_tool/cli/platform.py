"""`leadpath platform …`: the platform registry."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from lti_tool.cli.common import open_database
from lti_tool.lti import invitations, registry


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
        "--token-audience",
        help="The audience (aud) of leadpath's token requests when it is not the token URL "
        "(Brightspace: https://api.brightspace.com/auth/token).",
    )
    @click.option(
        "--link-by-registration-number/--no-link-by-registration-number",
        "link_by_registration",
        default=None,
        help="Link a learner's identities on launch by the professional_registration custom "
        "parameter (only between platforms that both opted in).",
    )
    def add(
        issuer,
        client_id,
        auth_url,
        token_url,
        jwks_url,
        deployment_ids,
        name,
        token_audience,
        link_by_registration,
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
                    token_audience=token_audience,
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
            pending = "  PENDING APPROVAL" if p.status == "pending" else ""
            label = f"  ({p.name})" if p.name else ""
            click.echo(f"{p.issuer}  client id {p.client_id}{label}{pending}")
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

    @platform.command("invite")
    @click.option(
        "--expires",
        default="24h",
        show_default=True,
        help="How long the invitation works: minutes, hours or days, e.g. 30m, 24h, 7d.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def invite(expires: str, as_json: bool) -> None:
        """Print a one-time URL an LMS administrator pastes to register by dynamic registration."""
        try:
            lifetime = invitations.parse_duration(expires)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--expires") from None
        with open_database() as (settings, db):
            token, expires_at = invitations.create(db.engine, lifetime)
        url = settings.url(f"/lti/register?{invitations.PARAM}={token}")
        when = expires_at.strftime("%Y-%m-%d %H:%M UTC")
        if as_json:
            click.echo(json.dumps({"url": url, "expires_at": expires_at.isoformat()}))
            return
        click.echo(url)
        click.echo(
            f"Paste it as the tool URL in the LMS (Moodle: Manage tools → Tool URL → Add LTI "
            f"Advantage) before {when}. It registers one platform, once; keep it private.",
            err=True,
        )

    @platform.command("approve")
    @click.option("--issuer", required=True, help="The platform's issuer (iss), a URL.")
    @click.option("--client-id", required=True, help="The client id the platform gave leadpath.")
    def approve(issuer: str, client_id: str) -> None:
        """Let a registration that waits for approval launch leadpath."""
        with open_database() as (_, db), db.transaction() as session:
            done = registry.approve_platform(session, issuer, client_id)
        if done is None:
            raise click.ClickException(f"No registration for {issuer} with client id {client_id}.")
        state = "approved; it can launch leadpath now" if done else "already approved"
        click.echo(f"{issuer} (client id {client_id}) is {state}.")
