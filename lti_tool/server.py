"""Gunicorn as a library, so `leadpath serve` needs no separate config file.

`leadpath serve` and `config/gunicorn.conf.py` give gunicorn the same hooks: `on_starting`
prepares the directory the workers' metrics share, `post_fork` applies leadpath's per-process
settings in each worker as it starts, `child_exit` forgets an exited worker's metrics.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


def on_starting(server) -> None:
    """Before any worker starts: prepare the directory multiprocess metrics share."""
    from lti_tool.metrics import gunicorn

    gunicorn.starting(server)


def child_exit(server, worker) -> None:
    """After a worker exits: forget its live metrics (gunicorn's child_exit hook)."""
    from lti_tool.metrics import gunicorn

    gunicorn.worker_exited(server, worker)


def post_fork(server, worker) -> None:
    """Apply the per-process settings in a new worker (gunicorn's post_fork hook)."""
    from lti_tool.workers import process_started

    process_started()


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
            "post_fork": post_fork,
            "on_starting": on_starting,
            "child_exit": child_exit,
        }
    ).run()
