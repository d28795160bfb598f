"""Gunicorn as a library, so `leadpath serve` needs no separate config file."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class LeadpathServer(BaseApplication):
    """A gunicorn application serving `create_app()`."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Copy our options into gunicorn's config."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """Build the Flask app inside each worker."""
        from lti_tool import create_app

        return create_app()


def run(host: str, port: int, workers: int) -> None:
    """Serve on host:port with `workers` processes (threads for the LMS iframe's parallel loads)."""
    LeadpathServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "accesslog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
        }
    ).run()
