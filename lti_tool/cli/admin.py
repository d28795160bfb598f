"""`leadpath admin …`: the LRS administrators who may use the statement browser."""

from __future__ import annotations

import click

from lti_tool.cli.common import open_database

admin = click.Group("admin", help="Manage LRS administrators of the statement browser.")


@admin.command("create-user")
@click.argument("username")
@click.password_option(help="The password (prompted when not given).")
def create_user(username: str, password: str) -> None:
    """Create or reset an LRS administrator who may use /admin/lrs."""
    from xapi.lrs import admins

    if len(password) < 12:
        raise click.BadParameter("use at least 12 characters", param_hint="password")
    with open_database() as (_, database):
        admins.set_admin(database.engine, username, password)
        click.echo(f"Administrator {username} can sign in at /admin/login.")


def register(cli: click.Group) -> None:
    """Add the admin command group."""
    cli.add_command(admin)
