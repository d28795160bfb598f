"""What operators see and do: queue status and alerts, dead letters, retry and resume."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xapi.outbox import queue
from xapi.outbox.destinations import get_destination, resume_destination
from xapi.outbox.models import DeadLetter, Delivery, Destination, OutboxStatement
from xapi.queue import aware, status, utcnow


def outbox_status(session: Session, now: datetime | None = None) -> dict:
    """Return per-destination counts, pause state and oldest pending age, plus alerts."""
    now = now or utcnow()
    by = [Delivery.destination_id]
    counts = status.counts(session, queue.DELIVERIES, by)
    oldest = status.oldest_pending(
        session,
        queue.DELIVERIES,
        by,
        OutboxStatement.created_at,
        now,
        join=(OutboxStatement, OutboxStatement.seq == Delivery.statement_seq),
    )
    unrouted = session.scalar(
        select(func.count()).select_from(OutboxStatement).where(OutboxStatement.routed.is_(False))
    )
    destinations = []
    for row in session.scalars(select(Destination).order_by(Destination.name)):
        by_status = counts.get(row.id, {})
        destinations.append(
            {
                "name": row.name,
                "endpoint": row.endpoint,
                "source": row.source,
                "active": row.active,
                "platforms": row.platforms or [],
                "courses": row.courses or [],
                "pending": by_status.get("pending", 0),
                "delivered": by_status.get("delivered", 0),
                "dead": by_status.get("dead", 0),
                "paused": row.paused_at is not None,
                "pause_reason": row.pause_reason,
                "xapi_version": row.xapi_version,
                "oldest_pending_seconds": oldest.get(row.id),
            }
        )
    report = {"unrouted": unrouted, "destinations": destinations}
    report["alerts"] = alerts_from(report)
    return report


def alerts_from(report: dict) -> list[str]:
    """Return the sentences an operator must act on, from an `outbox_status` report."""
    alerts = []
    active = [d for d in report["destinations"] if d["active"]]
    if not active and report["unrouted"]:
        alerts.append(f"no destination configured; {report['unrouted']} statements queued")
    for destination in active:
        if destination["paused"]:
            alerts.append(
                f"LRS {destination['name']} is paused: {destination['pause_reason']} "
                f"(fix its credentials, then run `leadpath outbox retry --destination "
                f"{destination['name']}`)"
            )
        if destination["dead"]:
            alerts.append(
                f"LRS {destination['name']} refused {destination['dead']} statements "
                "(see `leadpath outbox dead-letter`)"
            )
    return alerts


def alerts(session: Session) -> list[str]:
    """Return the outbox alerts to show on the admin page (empty when all is well)."""
    return outbox_status(session)["alerts"]


def dead_letters(session: Session, destination: str | None = None) -> list[dict]:
    """List refused statements with the LRS's answer, oldest first."""
    query = (
        select(DeadLetter, Destination.name, OutboxStatement.body)
        .join(Destination, Destination.id == DeadLetter.destination_id)
        .join(OutboxStatement, OutboxStatement.seq == DeadLetter.statement_seq)
        .order_by(DeadLetter.id)
    )
    if destination is not None:
        query = query.where(Destination.name == destination)
    return [
        {
            "destination": name,
            "statement_id": letter.statement_id,
            "status": letter.status_code,
            "response": letter.response,
            "refused_at": aware(letter.created_at).isoformat(),
            "statement": body,
        }
        for letter, name, body in session.execute(query)
    ]


def retry(session: Session, destination: str | None = None, *, dead: bool = False) -> dict:
    """Resume paused destinations, make backed-off rows due now, and re-queue dead letters.

    Returns what was done: {"resumed": [...], "due_now": n, "requeued": n}, counting
    deliveries (a statement waiting for two LRSs counts twice).
    """
    destination_id = get_destination(session, destination).id if destination else None
    resumed = resume_destination(session, destination)
    due_now = queue.make_due(session, destination_id)
    requeued = queue.requeue_dead(session, destination_id) if dead else 0
    return {"resumed": resumed, "due_now": due_now, "requeued": requeued}
