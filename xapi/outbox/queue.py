"""The statement queue on the durable-queue core: route statements, lease and settle deliveries.

A delivery row is one statement for one destination LRS; the destination is the core's scope,
the statement's sequence number its order and the learner its key. Every function here runs in
a short transaction of its own; no HTTP happens while one is open. Order per learner: a batch
takes, per learner, only a prefix of that learner's pending statements to the destination (see
`xapi.queue.lease`); a statement not yet routed holds back its learner's later ones too.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session

from xapi.outbox.models import (
    DEAD,
    DELIVERED,
    PENDING,
    DeadLetter,
    Delivery,
    Destination,
    OutboxStatement,
)
from xapi.queue import TEXT_LIMIT, Lease, Leasing, QueueTable, answer_text, settle, utcnow
from xapi.queue.lease import KeysIn, connection_of
from xapi.queue.settle import Settling

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


class LeasedStatement(NamedTuple):
    """A delivery row leased for sending, with the statement's JSON text (sent as stored)."""

    delivery_id: int
    statement_seq: int
    learner_key: str
    statement_id: str
    body: str
    attempts: int


_delivery = Delivery.__table__
_statement = OutboxStatement.__table__
_d, _s = _delivery.c, _statement.c
DELIVERIES = QueueTable(
    table=_delivery,
    id=_d.id,
    order=_d.statement_seq,
    key=_d.learner_key,
    status=_d.status,
    token=_d.claimed_by,
    until=_d.claimed_until,
    due=_d.next_attempt_at,
    attempts=_d.attempts,
    error=_d.last_error,
    scope=_d.destination_id,
    pending=PENDING,
    done=DELIVERED,
    dead=DEAD,
)
ROUTED_COLUMNS = [
    "destination_id",
    "statement_seq",
    "learner_key",
    "status",
    "attempts",
    "created_at",
]

Db = Session | Connection  # the forwarder's loop works on a connection it keeps open


class KeptConnection:
    """The forwarder loop's connection, kept between passes and opened again when dropped.

    A connection kept between passes costs far less per transaction than a new session (no pool
    checkout, no pre-ping); a pass that fails drops it.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection: Connection | None = None

    def get(self) -> Connection:
        """Return the connection, opening it when needed."""
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect()
            if self._connection.dialect.name == "postgresql":
                # psycopg prepares a statement run five times on one connection; a generic plan
                # made while the queue was small stays slow when it grows (the claim ran up to
                # 50 times longer). Plan each execution instead.
                self._connection.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
                self._connection.commit()
        return self._connection

    def drop(self) -> None:
        """Close the connection (after a failed pass, or at the end)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                if connection.dialect.name == "postgresql":
                    connection.rollback()
                    connection.exec_driver_sql("RESET plan_cache_mode")
                    connection.commit()
                connection.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                log.debug("Closing the forwarder's connection failed", exc_info=True)


def _is_postgresql(db: Db) -> bool:
    return connection_of(db).dialect.name == "postgresql"


def has_unrouted(db: Db) -> bool:
    """Return True when some statement still waits to be routed."""
    return connection_of(db).execute(_ANY_UNROUTED).first() is not None


def route_new_statements(db: Db, destinations: list[Destination], limit: int = 1000) -> int:
    """Create delivery rows for up to `limit` unrouted statements to every matching destination.

    One `INSERT … SELECT` per destination (its filters in the WHERE clause) and one UPDATE;
    statement bodies never leave the database. On SQLite (one writer at a time) the statements
    are the unrouted ones up to the `limit`-th; on PostgreSQL they are taken with SKIP LOCKED,
    so two forwarders never route the same one. With no destination at all, statements stay
    unrouted (queued) until one exists.
    """
    if not destinations:
        return 0
    session = connection_of(db)
    first = select(_s.seq).where(_s.routed.is_(False)).order_by(_s.seq).limit(limit)
    if _is_postgresql(session):
        seqs = list(session.scalars(first.with_for_update(skip_locked=True)))
        count, chosen = len(seqs), _s.seq.in_(seqs)
    else:
        window = first.subquery()
        count, last = session.execute(select(func.count(), func.max(window.c.seq))).one()
        if not count:
            return 0
        chosen = and_(_s.routed.is_(False), _s.seq <= last)
    if not count:
        return 0
    now = literal(utcnow(), _d.created_at.type)
    for destination in destinations:
        rows = select(
            literal(destination.id, _d.destination_id.type),
            _s.seq,
            _s.learner_key,
            literal(PENDING, _d.status.type),
            literal(0, _d.attempts.type),
            now,
        ).where(chosen)
        if destination.platforms:
            rows = rows.where(_s.platform_issuer.in_(destination.platforms))
        if destination.courses:
            rows = rows.where(_s.course_id.in_(destination.courses))
        session.execute(insert(_delivery).from_select(ROUTED_COLUMNS, rows))
    session.execute(update(_statement).where(chosen).values(routed=True))
    return count


def _unrouted(within: KeysIn):
    """Return the learners' first statements not yet routed, which hold their later ones back.

    Another forwarder may be routing such a statement right now: it will get a delivery row
    with an earlier seq than the rows leased.
    """
    return (
        select(_s.learner_key, func.min(_s.seq))
        .where(_s.routed.is_(False), _s.seq <= bindparam("q_last"), within(_s.learner_key))
        .group_by(_s.learner_key)
    )


def _leasing(postgresql: bool) -> Leasing:
    text_of = select(_s.statement_id, _s.body).where(_s.seq == _d.statement_seq)
    return Leasing(
        DELIVERIES,
        postgresql=postgresql,
        returning=(
            text_of.with_only_columns(_s.statement_id).scalar_subquery(),
            text_of.with_only_columns(_s.body).scalar_subquery(),
            _d.attempts,
        ),
        make=LeasedStatement._make,
        also=_unrouted,
    )


_LEASING = {False: _leasing(False), True: _leasing(True)}
_SETTLING = Settling(DELIVERIES, delivered_at=DELIVERIES.now())
_ANY_UNROUTED = select(_s.seq).where(_s.routed.is_(False)).limit(1)


def lease_batch(
    db: Db,
    destination_id: int,
    token: str,
    *,
    batch_size: int,
    lease_seconds: float,
    now: datetime | None = None,
) -> Lease | None:
    """Lease up to `batch_size` due statements for one destination, keeping order per learner.

    `token` must be unique to this lease. Returns None when nothing is due.
    """
    return _LEASING[_is_postgresql(db)].lease(
        db,
        token=token,
        batch_size=batch_size,
        lease_seconds=lease_seconds,
        scope=destination_id,
        now=now,
    )


def release(db: Db, lease: Lease, statements: list[LeasedStatement]) -> None:
    """Give some leased rows back untouched (e.g. when the destination was paused)."""
    settle.release(db, DELIVERIES, [s.delivery_id for s in statements], lease.token)


def release_lease(db: Db, lease: Lease) -> None:
    """Give back every row the lease still holds, untouched."""
    _SETTLING.release_lease(db, lease)


def mark_delivered(db: Db, lease: Lease, now: datetime | None = None) -> None:
    """Record that the destination holds every row the lease still holds.

    Rows of the batch settled otherwise (dead, retried, given back) no longer carry the
    lease's token, so they must be recorded first.
    """
    _SETTLING.done_lease(db, lease, now or utcnow())


def mark_retry(
    db: Db, lease: Lease, statements: list[LeasedStatement], error: str, when: datetime
) -> None:
    """Record a failed attempt; the rows become due again at `when`."""
    settle.retry(db, DELIVERIES, [s.delivery_id for s in statements], lease.token, error, when)


def mark_dead(
    db: Db, lease: Lease, statement: LeasedStatement, status_code: int | None, response: str
) -> None:
    """Move a refused statement to the dead letters with the LRS's answer."""
    error = answer_text(status_code, response)
    if settle.dead(db, DELIVERIES, statement.delivery_id, lease.token, error):
        connection_of(db).execute(
            insert(DeadLetter.__table__).values(
                destination_id=lease.scope,
                statement_seq=statement.statement_seq,
                statement_id=statement.statement_id,
                status_code=status_code,
                response=response[:TEXT_LIMIT],
                created_at=utcnow(),
            )
        )


def make_due(session: Session, destination_id: int | None = None) -> int:
    """Make statements waiting for their retry time due now; return how many waited."""
    where = [] if destination_id is None else [_d.destination_id == destination_id]
    return settle.make_due(session, DELIVERIES, utcnow(), where)


def requeue_dead(session: Session, destination_id: int | None = None) -> int:
    """Make dead letters pending again (and forget their dead-letter entries); return how many."""
    where, letters = [], DeadLetter.id.is_not(None)
    if destination_id is not None:
        where = [_d.destination_id == destination_id]
        letters = DeadLetter.destination_id == destination_id
    count = settle.requeue_dead(session, DELIVERIES, utcnow(), where)
    session.execute(DeadLetter.__table__.delete().where(letters))
    return count
