"""`leadpath lrs credentials …`: keys of the embedded LRS, with their scopes."""

from __future__ import annotations

import json

import click

from lti_tool.cli.common import open_database


@click.group("credentials")
def credentials() -> None:
    """Manage keys of the embedded LRS."""


SCOPE_MEANINGS = {
    "statements/write": "store statements",
    "statements/read": "read every statement",
    "statements/read/mine": "read the statements stored with this key",
    "state": "read and write the State documents this key wrote",
    "state/shared": "read and write the State documents shared by keys with this scope",
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
