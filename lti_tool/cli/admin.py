"""`leadpath admin …`: the LRS administrators who may use the statement browser."""

from __future__ import annotations

import click

from lti_tool.cli.common import open_database

admin = click.Group("admin", help="Manage LRS administrators of the statement browser.")

MIN_PASSWORD = 12


def _long_enough(_ctx, _param, password: str) -> str:
    """Refuse a short password; when it was typed at the prompt, click asks again."""
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(
            f"use at least {MIN_PASSWORD} characters (this one has {len(password)})"
        )
    return password


@admin.command("create-user")
@click.argument("username")
@click.password_option(
    prompt=f"Password (at least {MIN_PASSWORD} characters)",
    callback=_long_enough,
    help=f"The password, at least {MIN_PASSWORD} characters (prompted when not given).",
)
def create_user(username: str, password: str) -> None:
    """Create or reset an LRS administrator who may use /admin/lrs.

    The password needs at least 12 characters; a passphrase of several words is easiest.
    """
    from xapi.lrs import admins

    with open_database() as (_, database):
        admins.set_admin(database.engine, username, password)
    click.echo(f"Administrator {username} can sign in at /admin/login.")


def register(cli: click.Group) -> None:
    """Add the admin command group."""
    cli.add_command(admin)
