"""`leadpath forwarder`: statements to every LRS, and scores to gradebooks, as a process."""

from __future__ import annotations

import click

from lti_tool import workers
from lti_tool.cli.common import open_database


def register(cli: click.Group) -> None:
    """Add the forwarder command."""

    @cli.command("forwarder")
    def forwarder() -> None:
        """Forward queued statements to every LRS, and scores to gradebooks, until SIGTERM."""
        with open_database() as (settings, database):
            workers.run_forwarder(settings, database, say=lambda line: click.echo(line, err=True))
