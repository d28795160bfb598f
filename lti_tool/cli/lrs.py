"""`leadpath lrs …`: the learning record stores leadpath sends statements to."""

import click

lrs = click.Group("lrs", help="Manage learning record stores (destinations, credentials).")


def register(cli: click.Group) -> None:
    """Add the lrs command group."""
    cli.add_command(lrs)
