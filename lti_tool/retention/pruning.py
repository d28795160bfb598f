"""Running the retention rules: bounded batches, one pruner at a time, in the background too.

Each batch is its own short transaction of at most `batch` rows, so pruning never holds the
store for long: on SQLite other writers get their turn between batches, on PostgreSQL the rows
of one batch are all it locks. On PostgreSQL a session advisory lock keeps several instances
from pruning at once (a run that finds it taken is skipped). A run stops after `budget`
seconds; what is left waits for the next run.
"""

from __future__ import annotations

import logging
import random
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime

from sqlalchemy import Engine, text

from lti_tool.retention.models import add_pruned
from lti_tool.retention.rules import RULES, Rule
from lti_tool.settings import Settings
from xapi.queue import Worker, utcnow

log = logging.getLogger("leadpath.retention")
BATCH = 500
RUN_SECONDS = 120.0
PRUNE_LOCK = int.from_bytes(b"lp-prune", "big")


class Busy(Exception):
    """Another process is pruning this database."""


@contextmanager
def _only_pruner(engine: Engine):
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PRUNE_LOCK}).scalar():
            raise Busy
        lock.commit()
        try:
            yield
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PRUNE_LOCK})
            lock.commit()


def _run(
    engine: Engine, rule: Rule, cutoff: datetime, batch: int, deadline: float
) -> tuple[int, bool]:
    """Remove what one rule finds, a batch per transaction; return (rows, finished)."""
    removed, after = 0, None
    while True:
        with engine.begin() as conn:
            found, after = rule.find(conn, cutoff, batch, after)
            if found:
                changed, tally = rule.apply(conn, found)
                add_pruned(conn, tally)
                removed += changed
        if after is None:
            return removed, True
        if time.monotonic() > deadline:
            return removed, False


def _counted(engine: Engine, rule: Rule, cutoff: datetime, batch: int) -> int:
    with engine.connect() as conn:
        if rule.count is not None:
            return rule.count(conn, cutoff)
        total, after = 0, None
        while True:
            found, after = rule.find(conn, cutoff, batch, after)
            total += len(found)
            if after is None:
                return total


def prune(
    engine: Engine,
    settings: Settings,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    batch: int = BATCH,
    budget: float = RUN_SECONDS,
) -> list[dict]:
    """Remove (or with `dry_run` count) what every rule finds; return a report per rule.

    Each entry: table, what, kept (the period, e.g. "30 days"), before (the cutoff, ISO 8601),
    rows (removed, or that would be), finished (False when the time budget ran out first).
    Raises Busy when another process is pruning the same PostgreSQL database.
    """
    now = now or utcnow()
    deadline = time.monotonic() + budget
    report = []
    with nullcontext() if dry_run else _only_pruner(engine):
        for rule in RULES:
            cutoff = now - rule.period(settings)
            if dry_run:
                rows, finished = _counted(engine, rule, cutoff, batch), True
            else:
                rows, finished = _run(engine, rule, cutoff, batch, deadline)
            report.append(
                {
                    "table": rule.table,
                    "what": rule.what,
                    "kept": f"{getattr(settings, rule.setting)} {rule.unit}",
                    "before": cutoff.isoformat(timespec="seconds"),
                    "rows": rows,
                    "finished": finished,
                }
            )
    return report


class Pruner(Worker):
    """Prune every LEADPATH_PRUNE_INTERVAL_MINUTES in a daemon thread (first within a minute)."""

    thread_name = "leadpath-pruner"

    def __init__(self, engine: Engine, settings: Settings, first_delay: float | None = None):
        super().__init__()
        self.engine, self.settings = engine, settings
        self.interval = settings.prune_interval_minutes * 60.0
        # Processes started together (gunicorn's workers, several instances) spread their runs.
        self.first_delay = random.uniform(5.0, 60.0) if first_delay is None else first_delay

    def run(self) -> None:
        """Prune now and then until stopped; a failed run is logged and tried again later."""
        delay = self.first_delay
        while not self._stop.wait(delay):
            delay = self.interval
            try:
                report = prune(self.engine, self.settings)
            except Busy:
                continue
            except Exception:  # noqa: BLE001 - the next run tries again
                log.exception("Pruning failed; it runs again in %.0f minutes", delay / 60)
                continue
            removed = {r["table"]: r["rows"] for r in report if r["rows"]}
            if removed:
                log.info("Pruned %s", ", ".join(f"{n} {t}" for t, n in removed.items()))
