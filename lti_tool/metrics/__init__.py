"""`/metrics` in Prometheus text format: off unless LEADPATH_METRICS, behind a bearer token.

Two sources, chosen for being right however many processes serve leadpath:

- **Events** each process counts — launches, refusals by check, LRS ingest and query times,
  database connections in use (`process.py`). Under gunicorn the master empties
  `$DATA_DIR/metrics` and names it in PROMETHEUS_MULTIPROC_DIR before it forks
  (`gunicorn.py`); every worker writes its values to its own files there, and a scrape,
  whichever worker answers it, adds up all of them (prometheus_client's multiprocess mode). A
  worker that exits is forgotten by the master, except its counts.
- **Queues** read from the database at scrape time (`queues.py`): statements and grades
  pending, delivered or sent, and dead, and the oldest pending item's age. The forwarder and
  grade sender may run in any process or on another machine (`leadpath forwarder`); the
  database is the one place that knows what all of them did, so no process needs to count it,
  and the counts removed by retention are kept there too (`lti_tool.retention.models`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve /metrics and start counting, when LEADPATH_METRICS is on."""
    if not app.config["LEADPATH"].metrics:
        return
    from lti_tool.metrics import process, views

    process.watch(app)
    process.watch_pool(app.extensions["leadpath.db"].engine, "app")
    app.register_blueprint(views.bp)
