"""`leadpath backup`: a consistent copy of a SQLite store while leadpath runs."""

from __future__ import annotations

from pathlib import Path

import click

from lti_tool.backup import BackupError, backup_sqlite
from lti_tool.cli.common import settings_from_env


def register(cli: click.Group) -> None:
    """Add the backup command."""

    @cli.command()
    @click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace DESTINATION if it exists.")
    def backup(destination: Path, force: bool) -> None:
        """Copy the SQLite database to DESTINATION, consistently, while leadpath runs.

        For PostgreSQL this prints the pg_dump command to use instead.
        """
        settings = settings_from_env()
        try:
            made = backup_sqlite(settings.database_url, destination, overwrite=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"Backed up the database to {made.path} "
            f"({made.bytes / 1_048_576:.1f} MB in {made.seconds:.1f} s, quick check ok)."
        )
        click.echo(
            f"Keys are not in the database: keep a copy of {settings.keys_dir} "
            f"and {settings.data_dir / 'secret_key'} (or LEADPATH_SECRET_KEY) as well."
        )
