"""`leadpath keys …`: the tool's signing keys."""

import click

from lti_tool import signing_keys
from lti_tool.cli.common import settings_from_env


def register(cli: click.Group) -> None:
    """Add the keys commands."""

    @cli.group()
    def keys() -> None:
        """Manage the tool's RSA signing keys."""

    @keys.command("ensure")
    def ensure() -> None:
        """Create the tool's key pair if it is missing."""
        created = signing_keys.ensure_tool_key(settings_from_env().keys_dir)
        click.echo("Created a new key pair." if created else "Key pair already present.")

    @keys.command("rotate")
    def rotate() -> None:
        """Make a new signing key; the previous one stays in the JWKS for verification."""
        path = signing_keys.rotate_tool_key(settings_from_env().keys_dir)
        click.echo(f"New signing key {path.name}; restart leadpath to use it.")
