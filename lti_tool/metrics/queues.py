"""The queues as the database has them, read at scrape time: statements and grades.

Counters of finished work (`…_total`) add what retention has removed to what the tables still
hold, so they only grow; what is pending or dead now is a gauge. The scrape's queries run with
a 5 s statement timeout on PostgreSQL.
"""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from lti_tool.grades.models import DEAD, PENDING, SENT, GradeScore
from lti_tool.grades.queue import SCORES
from lti_tool.retention.models import (
    GRADES_SENT,
    OUTBOX_DELIVERED,
    OUTBOX_STATEMENTS,
    pruned,
)
from xapi.outbox import outbox_status
from xapi.outbox.models import Destination, OutboxStatement
from xapi.queue import status, utcnow


class QueueCollector(Collector):
    """Yield the statement and grade queues' metrics from the database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self):
        """Read the queues in one short read-only transaction."""
        with Session(self.engine) as session:
            if self.engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL statement_timeout = 5000"))
            yield from self._statements(session)
            yield from self._grades(session)

    def _statements(self, session: Session):
        conn = session.connection()
        report = outbox_status(session)
        ids = dict(session.execute(select(Destination.name, Destination.id)).all())
        removed = pruned(conn, OUTBOX_DELIVERED)
        held = session.scalar(select(func.count()).select_from(OutboxStatement))
        queued = CounterMetricFamily(
            "leadpath_outbox_queued",
            "Statements ever queued for the LRSs (the outbox's rows, and those pruned).",
        )
        queued.add_metric([], held + pruned(conn, OUTBOX_STATEMENTS).get("", 0))
        yield queued
        unrouted = GaugeMetricFamily(
            "leadpath_outbox_unrouted", "Statements queued but not yet given their destinations."
        )
        unrouted.add_metric([], report["unrouted"])
        yield unrouted
        label = ["destination"]
        pending = GaugeMetricFamily(
            "leadpath_outbox_pending",
            "Statements waiting to be sent, by destination.",
            labels=label,
        )
        delivered = CounterMetricFamily(
            "leadpath_outbox_delivered",
            "Statements an LRS has stored, by destination.",
            labels=label,
        )
        dead = GaugeMetricFamily(
            "leadpath_outbox_dead",
            "Statements an LRS refused (dead letters held now), by destination.",
            labels=label,
        )
        oldest = GaugeMetricFamily(
            "leadpath_outbox_oldest_pending_seconds",
            "Age of the oldest statement waiting for a destination.",
            labels=label,
        )
        paused = GaugeMetricFamily(
            "leadpath_outbox_paused",
            "1 while a destination is paused (it refused the forwarder's credentials).",
            labels=label,
        )
        for d in report["destinations"]:
            if not (d["active"] or d["pending"]):
                continue
            name = [d["name"]]
            pending.add_metric(name, d["pending"])
            delivered.add_metric(name, d["delivered"] + removed.get(str(ids[d["name"]]), 0))
            dead.add_metric(name, d["dead"])
            oldest.add_metric(name, d["oldest_pending_seconds"] or 0.0)
            paused.add_metric(name, 1.0 if d["paused"] else 0.0)
        yield from (pending, delivered, dead, oldest, paused)

    def _grades(self, session: Session):
        by = [GradeScore.issuer]
        counts = status.counts(session, SCORES, by)
        waited = status.oldest_pending(session, SCORES, by, GradeScore.created_at, utcnow())
        sent_before = pruned(session.connection(), GRADES_SENT)
        label = ["platform"]
        pending = GaugeMetricFamily(
            "leadpath_grades_pending", "Scores waiting to be sent, by platform.", labels=label
        )
        sent = CounterMetricFamily(
            "leadpath_grades_sent", "Scores a platform has accepted, by platform.", labels=label
        )
        dead = GaugeMetricFamily(
            "leadpath_grades_dead",
            "Scores a platform refused (held now), by platform.",
            labels=label,
        )
        oldest = GaugeMetricFamily(
            "leadpath_grades_oldest_pending_seconds",
            "Age of the oldest score waiting for a platform.",
            labels=label,
        )
        for issuer in sorted(set(counts) | set(sent_before)):
            found = counts.get(issuer, {})
            pending.add_metric([issuer], found.get(PENDING, 0))
            sent.add_metric([issuer], found.get(SENT, 0) + sent_before.get(issuer, 0))
            dead.add_metric([issuer], found.get(DEAD, 0))
            oldest.add_metric([issuer], waited.get(issuer, 0.0))
        yield from (pending, sent, dead, oldest)
