"""Gunicorn as a library, so `leadpath serve` needs no separate config file.

`leadpath serve` and `config/gunicorn.conf.py` give gunicorn the same hooks: `on_starting`
prepares the directory the workers' metrics share, `post_fork` applies leadpath's per-process
settings in each worker as it starts, `child_exit` forgets an exited worker's metrics.

Gunicorn 25.1 and later open a control socket for `gunicornc`, by default one path per user
($XDG_RUNTIME_DIR or ~/.gunicorn), so a second instance took over the first one's socket and
stopping either removed it. leadpath keeps it in the instance's data directory instead
(`control_settings`), one per instance, readable by its owner only.
"""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.config import Config

CONTROL_SOCKET = "gunicorn.ctl"
# A Unix socket path is limited to 107 bytes on Linux (sun_path); beyond that, none is opened.
MAX_SOCKET_PATH = 107


def control_settings(data_dir: Path) -> dict:
    """Return gunicorn settings putting its control socket in `data_dir` (or turning it off).

    Turned off when the path would be too long for a Unix socket; empty for a gunicorn
    without control sockets (before 25.1).
    """
    if "control_socket" not in Config().settings:
        return {}
    path = Path(data_dir).resolve() / CONTROL_SOCKET
    if len(str(path).encode()) > MAX_SOCKET_PATH:
        return {"control_socket_disable": True}
    return {"control_socket": str(path), "control_socket_mode": 0o600}


def recycling_settings(max_requests: int) -> dict:
    """Return gunicorn settings that replace a worker after about `max_requests` requests.

    A serving worker's Python objects stay level under steady use (tracemalloc: 83 MB, ±1 MB
    over 12 minutes of the soak), yet its resident memory still creeps up by about 0.6 MB a
    minute without levelling off: freed small objects leave pymalloc arenas and malloc pages
    partly used, which no trim can give back. A worker that has served its share exits after
    its last answer and a fresh one takes its place, so memory stays bounded however long the
    instance runs. The jitter (a tenth) keeps workers from being replaced all at once.
    `max_requests` 0 keeps every worker for the instance's life.
    """
    return {"max_requests": max_requests, "max_requests_jitter": max_requests // 10}


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


def run(host: str, port: int, workers: int, data_dir: Path, max_requests: int) -> None:
    """Serve on host:port with `workers` processes (threads for the LMS iframe's parallel loads)."""
    LeadpathServer(
        {
            **control_settings(data_dir),
            **recycling_settings(max_requests),
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "accesslog": "-",
            "logger_class": "lti_tool.redaction.AccessLogger",
            "timeout": 60,
            "graceful_timeout": 20,
            "post_fork": post_fork,
            "on_starting": on_starting,
            "child_exit": child_exit,
        }
    ).run()
