"""`leadpath db …`: database migrations."""

import click

from lti_tool import schema
from lti_tool.cli.common import settings_from_env


def register(cli: click.Group) -> None:
    """Add the db commands."""

    @cli.group()
    def db() -> None:
        """Manage the database schema."""

    @db.command("upgrade")
    def upgrade() -> None:
        """Create the database, or migrate it to the newest schema; say which."""
        settings = settings_from_env()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        click.echo(schema.upgrade(settings.database_url).describe())
