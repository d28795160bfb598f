"""The database side of forwarding: route statements, lease batches, record what the LRS said.

Every function here runs in a short transaction of its own; no HTTP happens while one is open.
Order per learner: a batch takes, per learner, only a prefix of that learner's pending
statements to the destination — a row is never leased while an earlier pending row of the same
learner is leased by someone else or waiting for its retry time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from xapi.outbox.destinations import matches
from xapi.outbox.models import (
    DEAD,
    DELIVERED,
    PENDING,
    DeadLetter,
    Delivery,
    Destination,
    OutboxStatement,
    utcnow,
)

ERROR_TEXT_LIMIT = 4000


@dataclass(frozen=True)
class LeasedStatement:
    """A delivery row leased for sending, with the statement's JSON text."""

    delivery_id: int
    statement_seq: int
    statement_id: str
    learner_key: str
    body: str
    attempts: int


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def route_new_statements(
    session: Session, destinations: list[Destination], limit: int = 1000
) -> int:
    """Create delivery rows for unrouted statements to every matching destination.

    With no destination at all, statements stay unrouted (queued) until one exists.
    """
    if not destinations:
        return 0
    query = (
        select(OutboxStatement)
        .where(OutboxStatement.routed.is_(False))
        .order_by(OutboxStatement.seq)
        .limit(limit)
    )
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    statements = list(session.scalars(query))
    rows = [
        {"destination_id": dest.id, "statement_seq": st.seq, "learner_key": st.learner_key}
        for st in statements
        for dest in destinations
        if matches(dest, st.platform_issuer, st.course_id)
    ]
    if rows:
        now = utcnow()
        session.execute(
            insert(Delivery), [{**row, "status": PENDING, "created_at": now} for row in rows]
        )
    if statements:
        session.execute(
            update(OutboxStatement)
            .where(OutboxStatement.seq.in_([st.seq for st in statements]))
            .values(routed=True)
        )
    return len(statements)


def lease_batch(
    session: Session,
    destination_id: int,
    token: str,
    *,
    batch_size: int,
    lease_seconds: float,
    now: datetime | None = None,
) -> list[LeasedStatement]:
    """Lease up to `batch_size` due statements for one destination, keeping order per learner.

    `token` must be unique to this lease: rows are claimed by compare-and-set (and on
    PostgreSQL first locked with SKIP LOCKED), so two forwarders never hold the same row.
    """
    now = now or utcnow()
    free = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)
    due = or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)
    query = (
        select(Delivery.id)
        .where(Delivery.destination_id == destination_id, Delivery.status == PENDING, due, free)
        .order_by(Delivery.statement_seq)
        .limit(batch_size)
    )
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.scalars(query))
    if not candidates:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(candidates), Delivery.status == PENDING, free)
        .values(claimed_by=token, claimed_until=now + timedelta(seconds=lease_seconds))
    )
    mine = session.execute(
        select(Delivery.id, Delivery.statement_seq, Delivery.learner_key).where(
            Delivery.id.in_(candidates), Delivery.claimed_by == token
        )
    ).all()
    blocked = _rows_behind_others(session, destination_id, token, mine)
    if blocked:
        _release(session, blocked)
    kept = [row.id for row in mine if row.id not in blocked]
    if not kept:
        return []
    result = session.execute(
        select(
            Delivery.id,
            Delivery.statement_seq,
            OutboxStatement.statement_id,
            Delivery.learner_key,
            OutboxStatement.body,
            Delivery.attempts,
        )
        .join(OutboxStatement, OutboxStatement.seq == Delivery.statement_seq)
        .where(Delivery.id.in_(kept))
        .order_by(Delivery.statement_seq)
    )
    return [LeasedStatement(*row) for row in result]


def _rows_behind_others(session: Session, destination_id: int, token: str, mine) -> set[int]:
    """Return my leased rows that have an earlier pending row of their learner not leased by me."""
    learners = {row.learner_key for row in mine}
    first_not_mine = dict(
        session.execute(
            select(Delivery.learner_key, func.min(Delivery.statement_seq))
            .where(
                Delivery.destination_id == destination_id,
                Delivery.status == PENDING,
                Delivery.learner_key.in_(learners),
                or_(Delivery.claimed_by.is_(None), Delivery.claimed_by != token),
            )
            .group_by(Delivery.learner_key)
        ).all()
    )
    return {
        row.id
        for row in mine
        if row.learner_key in first_not_mine and row.statement_seq > first_not_mine[row.learner_key]
    }


def _release(session: Session, ids) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)))
        .values(claimed_by=None, claimed_until=None)
    )


def release(session: Session, ids: list[int]) -> None:
    """Give leased rows back untouched (e.g. when the destination was paused)."""
    if ids:
        _release(session, ids)


def mark_delivered(session: Session, ids: list[int], now: datetime | None = None) -> None:
    """Record that the destination holds these statements."""
    if ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                status=DELIVERED,
                delivered_at=now or utcnow(),
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
        )


def mark_retry(session: Session, ids: list[int], error: str, next_attempt_at: datetime) -> None:
    """Record a failed attempt; the rows become due again at `next_attempt_at`."""
    if ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                attempts=Delivery.attempts + 1,
                next_attempt_at=next_attempt_at,
                last_error=error[:ERROR_TEXT_LIMIT],
                claimed_by=None,
                claimed_until=None,
            )
        )


def mark_dead(
    session: Session,
    destination_id: int,
    statement: LeasedStatement,
    status_code: int | None,
    response: str,
) -> None:
    """Move a refused statement to the dead-letter table with the LRS's answer."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == statement.delivery_id)
        .values(
            status=DEAD,
            attempts=Delivery.attempts + 1,
            last_error=f"HTTP {status_code}: {response}"[:ERROR_TEXT_LIMIT],
            claimed_by=None,
            claimed_until=None,
        )
    )
    session.execute(
        insert(DeadLetter).values(
            destination_id=destination_id,
            statement_seq=statement.statement_seq,
            statement_id=statement.statement_id,
            status_code=status_code,
            response=response[:ERROR_TEXT_LIMIT],
            created_at=utcnow(),
        )
    )


def requeue_dead(session: Session, destination_id: int | None = None) -> int:
    """Make dead letters pending again (and forget their dead-letter entries); return how many."""
    condition = Delivery.status == DEAD
    letters = DeadLetter.id.is_not(None)
    if destination_id is not None:
        condition = and_(condition, Delivery.destination_id == destination_id)
        letters = DeadLetter.destination_id == destination_id
    count = session.execute(
        update(Delivery)
        .where(condition)
        .values(status=PENDING, next_attempt_at=None, claimed_by=None, claimed_until=None)
    ).rowcount
    session.execute(DeadLetter.__table__.delete().where(letters))
    return count
