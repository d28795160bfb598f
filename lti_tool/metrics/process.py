"""What each process counts: launches, refusals, LRS times and database connections in use.

The metric objects are made once per process, on first use, after gunicorn has forked and
named the multiprocess directory (see the package docstring). Request-time figures come from
the app's signals (`lti_tool.events`) and request hooks, and the embedded LRS's in-process
sink is timed by wrapping it: the LRS package itself stays free of metrics code.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
from sqlalchemy import Engine, event

from lti_tool import events
from lti_tool.metrics.gunicorn import ENV

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_made: ProcessMetrics | None = None
_lock = threading.Lock()


class ProcessMetrics:
    """The metric objects of this process."""

    def __init__(self) -> None:
        self.launches = Counter(
            "leadpath_launches",
            "LTI launches accepted, by message type.",
            ["message_type"],
            registry=None,
        )
        self.refusals = Counter(
            "leadpath_launch_refusals",
            "LTI logins and launches refused, by the check that failed.",
            ["check"],
            registry=None,
        )
        self.lrs_ingest = Histogram(
            "leadpath_lrs_ingest_seconds",
            "Time to store statements in the embedded LRS: a PUT or POST to /xapi/statements "
            "(via=http), or a batch from the forwarder in this process (via=forwarder).",
            ["via"],
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.lrs_query = Histogram(
            "leadpath_lrs_query_seconds",
            "Time to answer a GET of /xapi/statements from the embedded LRS.",
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.connections = Gauge(
            "leadpath_db_connections_in_use",
            "Database connections checked out of the pools, by pool (app, forwarder, grades).",
            ["pool"],
            multiprocess_mode="livesum",
            registry=None,
        )
        self.capacity = Gauge(
            "leadpath_db_pool_capacity",
            "Connections the pools may open (size plus overflow), by pool.",
            ["pool"],
            multiprocess_mode="livesum",
            registry=None,
        )

    def all(self) -> tuple:
        """Return every metric object."""
        return (
            self.launches,
            self.refusals,
            self.lrs_ingest,
            self.lrs_query,
            self.connections,
            self.capacity,
        )


def multiprocess() -> bool:
    """Return True when this process writes its metrics to gunicorn's shared directory."""
    return bool(os.environ.get(ENV))


def metrics() -> ProcessMetrics:
    """Return this process's metrics, making them on first use."""
    global _made
    with _lock:
        if _made is None:
            if multiprocess() and not getattr(values.ValueClass, "_multiprocess", False):
                # prometheus_client was imported before the directory was named: switch now,
                # before any metric exists.
                values.ValueClass = values.get_value_class()
            _made = ProcessMetrics()
        return _made


def local_registry() -> CollectorRegistry:
    """Return a registry of this process's metrics (a process not under gunicorn's mode)."""
    registry = CollectorRegistry(auto_describe=True)
    for metric in metrics().all():
        registry.register(metric)
    return registry


def _launched(_app, message_type: str, **_) -> None:
    metrics().launches.labels(message_type).inc()


def _refused(_app, check: str, **_) -> None:
    metrics().refusals.labels(check).inc()


def watch(app: Flask) -> None:
    """Count the app's launches and refusals and time its LRS statement requests."""
    events.launch_accepted.connect(_launched, sender=app, weak=False)
    events.launch_refused.connect(_refused, sender=app, weak=False)

    @app.before_request
    def _start_timer():
        if request.path.startswith("/xapi/statements"):
            g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            elapsed = time.perf_counter() - started
            xreq = g.get("xreq")  # the LRS's view of the request (alternate syntax included)
            method = getattr(xreq, "method", None) or request.method
            if method in ("PUT", "POST"):
                metrics().lrs_ingest.labels("http").observe(elapsed)
            elif method in ("GET", "HEAD"):
                metrics().lrs_query.observe(elapsed)
        return response


def watch_pool(engine: Engine, name: str) -> None:
    """Keep the connections-in-use and capacity gauges of an engine's pool."""
    pool = engine.pool
    # QueuePool keeps its overflow limit privately; other pools have neither figure.
    size = getattr(pool, "size", lambda: 0)() + max(getattr(pool, "_max_overflow", 0), 0)
    metrics().capacity.labels(name).inc(size)
    in_use = metrics().connections.labels(name)
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


class TimedSink:
    """A statement sink whose batches are timed as the forwarder's LRS ingest."""

    def __init__(self, sink):
        self._sink = sink

    def post_statements(self, bodies: list[str]):
        """Post a batch through the wrapped sink, timing it."""
        started = time.perf_counter()
        try:
            return self._sink.post_statements(bodies)
        finally:
            metrics().lrs_ingest.labels("forwarder").observe(time.perf_counter() - started)

    def close(self) -> None:
        """Close the wrapped sink."""
        self._sink.close()


def timed(factory: Callable[[], object]) -> Callable[[], TimedSink]:
    """Wrap a sink factory so each sink it makes is timed."""
    return lambda: TimedSink(factory())
