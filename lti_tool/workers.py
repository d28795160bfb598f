"""Background work of a leadpath process: the statement forwarder, grade and mail senders.

Every thread leadpath runs besides those serving requests starts here, never in a CLI module:

- `init_app(app)` starts the forwarder and the grade sender as daemon threads of a serving
  process when LEADPATH_FORWARDER_THREAD is on (`leadpath serve` turns it on by default); they
  stop at interpreter exit after recording the batches in flight (up to 10 s each).
- `run_forwarder(…)` runs the forwarder in the calling thread and the grade sender beside it,
  until SIGTERM or SIGINT (`leadpath forwarder`).
- With LEADPATH_SMTP_URL set, the invitation mail sender (`lti_tool.assess.feedback_mail`)
  runs beside the grade sender.
- Wherever the senders run, the pruner runs beside them (`lti_tool.retention`), every
  LEADPATH_PRUNE_INTERVAL_MINUTES (0: never; `leadpath prune` then does it).
- `process_started()` applies the per-process memory settings of `lti_tool.malloc` (with their
  trimming timer) where a process starts: gunicorn's `post_fork`, `leadpath forwarder`.
"""

from __future__ import annotations

import atexit
import signal
from collections.abc import Callable

from flask import Flask

from lti_tool import malloc
from lti_tool.assess.feedback_mail import mail_sender
from lti_tool.db import Database
from lti_tool.grades.sender import GradeConfig, GradeSender
from lti_tool.retention import Pruner
from lti_tool.settings import Settings, SettingsError
from xapi.outbox import Forwarder, ForwarderConfig, OutboxConfigError
from xapi.outbox.client import StatementSink
from xapi.queue import Worker

FORWARDER_KEY = "leadpath.forwarder"
GRADES_KEY = "leadpath.grades"
PRUNER_KEY = "leadpath.pruner"
MAIL_KEY = "leadpath.mail"


def process_started() -> None:
    """Apply what each leadpath process sets once where it starts (glibc memory settings)."""
    malloc.keep_memory_flat()


def forwarder_config(settings: Settings) -> ForwarderConfig:
    """Return the forwarder's settings; a bad `LEADPATH_LRS_…` raises SettingsError."""
    try:
        return ForwarderConfig.from_settings(settings)
    except OutboxConfigError as exc:
        raise SettingsError(str(exc)) from None


def embedded_sink(sessions, home_page: str) -> Callable[[], StatementSink]:
    """Return a factory of the embedded LRS's sink: statements stored in-process."""
    from xapi.outbox.embedded import sink_for

    return lambda: sink_for(sessions, home_page)


def make_forwarder(settings: Settings, database: Database) -> Forwarder:
    """Build a forwarder over the database, the configured destinations and the embedded LRS."""
    embedded = embedded_sink(database.sessions, settings.base_url)
    if settings.metrics:
        from lti_tool.metrics import process

        embedded = process.timed(embedded)
    return Forwarder(database.sessions, forwarder_config(settings), embedded=embedded)


def make_grade_sender(settings: Settings, database: Database, keys=None) -> GradeSender:
    """Build a grade sender over the database, signing with `keys` (default: the key files).

    Raises FileNotFoundError when the tool has no key yet.
    """
    if keys is None:
        from lti_tool.signing_keys import ToolKeys

        keys = ToolKeys(settings.keys_dir, settings.key_reload_seconds)
    return GradeSender(database.sessions, lambda: keys, GradeConfig.from_settings(settings))


def init_app(app: Flask) -> None:
    """Start the forwarder and grade sender threads when LEADPATH_FORWARDER_THREAD is on.

    Each has its own engine: the threads start while `create_app` may still be attaching
    listeners to the app's. They stop at interpreter exit — a gunicorn worker leaves through
    `sys.exit`, so atexit runs — after recording the batches in flight (waiting up to 10 s).
    """
    settings = app.config["LEADPATH"]
    if not settings.forwarder_thread:
        return
    database = Database(settings.database_url)
    _start(app, FORWARDER_KEY, make_forwarder(settings, database), database)
    database = Database(settings.database_url)
    keys = app.extensions["leadpath.keys"]
    _start(app, GRADES_KEY, make_grade_sender(settings, database, keys), database)
    if settings.prune_interval_minutes:
        database = Database(settings.database_url)
        _start(app, PRUNER_KEY, Pruner(database.engine, settings), database)
    database = Database(settings.database_url)
    mail = mail_sender(settings, database.sessions)
    if mail is not None:
        _start(app, MAIL_KEY, mail, database)


def _start(app: Flask, key: str, worker: Worker, database: Database) -> None:
    if app.config["LEADPATH"].metrics:
        from lti_tool.metrics import process

        process.watch_pool(database.engine, key.rsplit(".", 1)[-1])
    app.extensions[key] = worker
    worker.start(then=database.engine.dispose)
    atexit.register(worker.stop, 10)


def run_forwarder(settings: Settings, database: Database, say: Callable[[str], None]) -> None:
    """Forward statements in this thread, and send grades beside it, until SIGTERM or SIGINT.

    `say` reports to the operator: the forwarder's id once it runs, and why grades are not
    sent when the tool has no key yet.
    """
    process_started()
    forwarder = make_forwarder(settings, database)
    try:
        grades = make_grade_sender(settings, database)
    except FileNotFoundError as exc:
        say(f"Not sending grades: {exc}")
        grades = None
    else:
        grades.start()
    pruner = Pruner(database.engine, settings) if settings.prune_interval_minutes else None
    if pruner is not None:
        pruner.start()
    mail = mail_sender(settings, database.sessions)
    if mail is not None:
        mail.start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: forwarder.stop())
    say(f"leadpath forwarder {forwarder.worker_id} running")
    try:
        forwarder.run()
    finally:
        for worker in (grades, pruner, mail):
            if worker is not None:
                worker.stop(10)
