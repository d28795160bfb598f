"""`leadpath lrs …`: the embedded LRS's keys, export, import and erasure; `lrs destination`.

One module per sub-group: `credentials` (keys of the embedded LRS), `transfer` (export,
import, erase-agent) and `destination` (the LRSs the forwarder sends statements to).
"""

from __future__ import annotations

import click

lrs = click.Group("lrs", help="Manage learning record stores (destinations, credentials).")


def register(cli: click.Group) -> None:
    """Add the lrs command group."""
    from lti_tool.cli.lrs import credentials, destination, transfer

    for command in (
        credentials.credentials,
        transfer.export,
        transfer.import_,
        transfer.erase_agent,
        destination.destination,
    ):
        lrs.add_command(command)
    cli.add_command(lrs)
