"""`leadpath serve`: run leadpath under gunicorn."""

import os

import click

from lti_tool import schema, signing_keys
from lti_tool.cli.common import open_database, settings_from_env


def registration_urls(base_url: str) -> dict[str, str]:
    """Return the URLs a platform administrator enters when registering leadpath."""
    return {
        "Tool URL / target link URI": f"{base_url}/lti/launch",
        "Initiate login URL": f"{base_url}/lti/login",
        "Redirection URI(s)": f"{base_url}/lti/launch",
        "Public keyset URL (JWKS)": f"{base_url}/lti/jwks",
    }


def register(cli: click.Group) -> None:
    """Add the serve command."""

    @cli.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
    @click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
    @click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
    @click.option(
        "--migrate/--no-migrate",
        default=True,
        show_default=True,
        help="Apply database migrations before starting.",
    )
    def serve(host: str, port: int, workers: int, migrate: bool) -> None:
        """Serve leadpath (creates missing keys, migrates, prints the registration URLs)."""
        from lti_tool.server import run

        # The single-machine default forwards the outbox from a thread in each worker.
        os.environ.setdefault("LEADPATH_FORWARDER_THREAD", "true")
        settings = settings_from_env()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if signing_keys.ensure_tool_key(settings.keys_dir):
            click.echo(f"Created the tool's key pair in {settings.keys_dir}")
        if settings.demo:
            signing_keys.ensure_private_key(settings.keys_dir / "demo-platform.pem")
        if settings.demo and not settings.smtp_url:
            from lti_tool.demo.mail import start_sink

            os.environ["LEADPATH_SMTP_URL"] = start_sink(settings.data_dir)
            click.echo(f"Invitation emails stay on this machine: {settings.base_url}/demo/mail")
        if migrate:
            click.echo(schema.upgrade(settings.database_url).describe())
        click.echo(f"leadpath is serving {settings.base_url} on {host}:{port}")
        click.echo("Register leadpath in your LMS with:")
        for label, url in registration_urls(settings.base_url).items():
            click.echo(f"  {label:30} {url}")
        click.echo(
            "  For dynamic registration, run `leadpath platform invite` and paste the one-time"
            " URL it prints."
        )
        if settings.demo:
            click.echo(f"Demo platform (launch leadpath without an LMS): {settings.base_url}/demo")
            admin = _demo_admin(settings)
            click.echo(
                f"LRS browser: {settings.base_url}/admin/lrs — sign in as {admin.username}"
                f" with the password {admin.password} (demo only; also shown on /demo)"
            )
        run(
            host=host,
            port=port,
            workers=workers,
            data_dir=settings.data_dir,
            max_requests=settings.worker_max_requests,
        )


def _demo_admin(settings):
    """The demo's LRS administrator (made on first use) for the sign-in `make run` prints."""
    from lti_tool.demo.accounts import ensure_demo_admin

    with open_database() as (_, database):
        return ensure_demo_admin(settings.data_dir, database.engine)
