"""Production gunicorn settings for leadpath: `gunicorn -c config/gunicorn.conf.py`.

The app is built by `lti_tool:create_app()` from LEADPATH_ environment variables; this file
reads three more (LEADPATH_BIND, LEADPATH_WORKERS, LEADPATH_FORWARDED_ALLOW_IPS, see README).
Run `leadpath db upgrade` and `leadpath keys ensure` once before starting (or use
`leadpath serve`, which does both and uses equivalent settings).
"""

import multiprocessing
import os
import sys

# Each worker applies leadpath's per-process (glibc memory) settings as it starts; an exited
# worker's metrics are forgotten (LEADPATH_METRICS).
from lti_tool.server import (  # noqa: F401 - gunicorn hooks
    child_exit,
    control_settings,
    post_fork,
    recycling_settings,
)
from lti_tool.settings import SettingsError, load_settings


def on_starting(server):
    """Stop with one line, before any worker starts, when a LEADPATH_ setting is wrong.

    Then prepare the directory the workers' metrics share (LEADPATH_METRICS).
    """
    from lti_tool.server import on_starting as prepare

    try:
        load_settings()
    except SettingsError as exc:
        sys.exit(f"Error: {exc}")
    prepare(server)


def _settings():
    try:
        return load_settings()
    except SettingsError:
        return None  # on_starting stops gunicorn with the setting's name


# gunicorn's control socket (for `gunicornc`) lives in this instance's data directory, so two
# instances on one machine never share one; a worker is replaced after about
# LEADPATH_WORKER_MAX_REQUESTS requests. See lti_tool/server.py.
if (_read := _settings()) is not None:
    globals().update(control_settings(_read.data_dir))
    globals().update(recycling_settings(_read.worker_max_requests))


wsgi_app = "lti_tool:create_app()"
bind = os.environ.get("LEADPATH_BIND", "127.0.0.1:8000")


def _workers() -> int:
    """LEADPATH_WORKERS, or two per CPU; a value that is not a whole number stops with one line."""
    raw = os.environ.get("LEADPATH_WORKERS", "").strip()
    if not raw:
        return multiprocessing.cpu_count() * 2
    if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
        sys.exit(f"Error: LEADPATH_WORKERS must be a whole number of at least 1, not {raw!r}")
    return int(raw)


workers = _workers()
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
# Launch-session tokens (ls=), rater links and registration invitations are bearer tokens:
# the access log shows them as [redacted].
logger_class = "lti_tool.redaction.AccessLogger"
# TLS ends at the proxy: set LEADPATH_PROXY_FIX=1 so leadpath trusts X-Forwarded-Proto/Host.
forwarded_allow_ips = os.environ.get("LEADPATH_FORWARDED_ALLOW_IPS", "127.0.0.1")
