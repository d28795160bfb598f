"""gunicorn's part in multiprocess metrics: name a fresh directory before forking workers.

Imports nothing of prometheus_client at module level: the master must name the directory
before the library is first imported, since the library chooses its storage when imported.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lti_tool.settings import Settings, SettingsError, load_settings

ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_dir(settings: Settings) -> Path:
    """Return the directory gunicorn's workers keep their metric files in."""
    return settings.data_dir / "metrics"


def starting(_server=None) -> None:
    """Before gunicorn forks: empty the metrics directory and name it for the workers.

    Does nothing when LEADPATH_METRICS is off, or when a setting is wrong (the app stops on
    it with one line of its own).
    """
    try:
        settings = load_settings()
    except SettingsError:
        return
    if not settings.metrics:
        return
    directory = metrics_dir(settings)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[ENV] = str(directory)


def worker_exited(_server, worker) -> None:
    """After a worker exits: drop its live gauges (its counters still count)."""
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
