"""The database side of forwarding: route statements, lease batches, record what the LRS said.

Every function here runs in a short transaction of its own; no HTTP happens while one is open.
Order per learner: a batch takes, per learner, only a prefix of that learner's pending
statements to the destination — a row is never leased while an earlier pending row of the same
learner is leased by someone else or waiting for its retry time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    Connection,
    String,
    and_,
    any_,
    bindparam,
    column,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

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


class LeasedStatement(NamedTuple):
    """A delivery row leased for sending, with the statement's JSON text (sent as stored)."""

    delivery_id: int
    statement_seq: int
    statement_id: str
    learner_key: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Lease:
    """A batch leased for sending: its rows in sequence order and the token holding them.

    The token and the sequence range let the whole batch be settled or given back with one
    UPDATE that names no row ids.
    """

    destination_id: int
    token: str
    statements: list[LeasedStatement]

    @property
    def first_seq(self) -> int:
        """Return the sequence number of the batch's first statement."""
        return self.statements[0].statement_seq

    @property
    def last_seq(self) -> int:
        """Return the sequence number of the batch's last statement."""
        return self.statements[-1].statement_seq


_delivery = Delivery.__table__
_statement = OutboxStatement.__table__
ROUTED_COLUMNS = [
    "destination_id",
    "statement_seq",
    "learner_key",
    "status",
    "attempts",
    "created_at",
]


Db = Session | Connection  # the forwarder's loop works on a connection it keeps open


def _connection(db: Db) -> Connection:
    return db if isinstance(db, Connection) else db.connection()


def _is_postgresql(db: Db) -> bool:
    return _connection(db).dialect.name == "postgresql"


def has_unrouted(db: Db) -> bool:
    """Return True when some statement still waits to be routed."""
    return _connection(db).execute(_ANY_UNROUTED).first() is not None


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
    session = _connection(db)
    s = _statement.c
    first = select(s.seq).where(s.routed.is_(False)).order_by(s.seq).limit(limit)
    if _is_postgresql(session):
        seqs = list(session.scalars(first.with_for_update(skip_locked=True)))
        count, chosen = len(seqs), s.seq.in_(seqs)
    else:
        window = first.subquery()
        count, last = session.execute(select(func.count(), func.max(window.c.seq))).one()
        if not count:
            return 0
        chosen = and_(s.routed.is_(False), s.seq <= last)
    if not count:
        return 0
    now = literal(utcnow(), _delivery.c.created_at.type)
    for destination in destinations:
        rows = select(
            literal(destination.id, _delivery.c.destination_id.type),
            s.seq,
            s.learner_key,
            literal(PENDING, _delivery.c.status.type),
            literal(0, _delivery.c.attempts.type),
            now,
        ).where(chosen)
        if destination.platforms:
            rows = rows.where(s.platform_issuer.in_(destination.platforms))
        if destination.courses:
            rows = rows.where(s.course_id.in_(destination.courses))
        session.execute(insert(_delivery).from_select(ROUTED_COLUMNS, rows))
    session.execute(update(_statement).where(chosen).values(routed=True))
    return count


def _lease_statements(postgresql: bool):
    """Build the claim (UPDATE … RETURNING with the bodies) and the order check, once."""
    d, s = _delivery.c, _statement.c
    now = bindparam("now", type_=d.claimed_until.type)
    free = or_(d.claimed_until.is_(None), d.claimed_until < now)
    due = or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now)
    candidates = (
        select(d.id)
        .where(d.destination_id == bindparam("dest"), d.status == PENDING, due, free)
        .order_by(d.statement_seq)
        .limit(bindparam("batch_size"))
    )
    text_of = select(s.statement_id, s.body).where(s.seq == d.statement_seq)
    if postgresql:
        # A materialized CTE takes the candidates' row locks once, whatever the plan.
        picked = (
            candidates.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        )
        candidates = select(picked.c.id)
    claim = (
        update(_delivery)
        .where(d.id.in_(candidates), d.status == PENDING, free)
        .values(claimed_by=bindparam("token"), claimed_until=bindparam("until"))
        .returning(
            d.id,
            d.statement_seq,
            text_of.with_only_columns(s.statement_id).scalar_subquery(),
            d.learner_key,
            text_of.with_only_columns(s.body).scalar_subquery(),
            d.attempts,
        )
    )
    # The order check: per learner of the batch, the first earlier pending row that is not
    # part of it. Only the batch's learners are looked at (as one JSON or array parameter), so
    # rows of other batches in flight stay in the database.
    if postgresql:
        learners = d.learner_key == any_(bindparam("learners", type_=ARRAY(String)))
        unrouted_learners = s.learner_key == any_(bindparam("learners", type_=ARRAY(String)))
    else:
        listed = select(column("value")).select_from(func.json_each(bindparam("learners")))
        learners, unrouted_learners = d.learner_key.in_(listed), s.learner_key.in_(listed)
    others = (
        select(d.learner_key, func.min(d.statement_seq))
        .where(
            d.destination_id == bindparam("dest"),
            d.status == PENDING,
            d.statement_seq <= bindparam("last"),
            or_(d.claimed_by.is_(None), d.claimed_by != bindparam("token")),
            learners,
        )
        .group_by(d.learner_key)
    )
    # A statement not yet routed (another forwarder may be routing it right now) also holds
    # back its learner's later statements: it will get a delivery row with an earlier seq.
    unrouted = (
        select(s.learner_key, func.min(s.seq))
        .where(s.routed.is_(False), s.seq <= bindparam("last"), unrouted_learners)
        .group_by(s.learner_key)
    )
    return claim, others.union_all(unrouted)


_LEASE = {False: _lease_statements(False), True: _lease_statements(True)}
_ANY_UNROUTED = select(_statement.c.seq).where(_statement.c.routed.is_(False)).limit(1)
_IDS = bindparam("ids", expanding=True)
_CLEARED = {"claimed_by": None, "claimed_until": None}
_RELEASE = update(_delivery).where(_delivery.c.id.in_(_IDS)).values(**_CLEARED)
_d = _delivery.c
_HELD = and_(
    _d.destination_id == bindparam("dest"),
    _d.status == PENDING,
    _d.statement_seq.between(bindparam("first"), bindparam("last")),
    _d.claimed_by == bindparam("token"),
)
_RELEASE_LEASE = update(_delivery).where(_HELD).values(**_CLEARED)
_DELIVERED = (
    update(_delivery)
    .where(_HELD)
    .values(
        status=DELIVERED,
        delivered_at=bindparam("now", type_=_d.delivered_at.type),
        last_error=None,
        **_CLEARED,
    )
)


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

    The first due, unleased rows are claimed, and their statements read, in one
    `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING` (on PostgreSQL the inner SELECT locks
    with SKIP LOCKED, so two forwarders never hold the same row). `token` must be unique to
    this lease. A claimed row is then given back when an earlier pending (or not yet routed)
    statement of its learner is not part of this lease. Returns None when nothing is due.
    """
    now = now or utcnow()
    postgresql = _is_postgresql(db)
    claim, others = _LEASE[postgresql]
    connection = _connection(db)
    claimed = connection.execute(
        claim,
        {
            "dest": destination_id,
            "batch_size": batch_size,
            "now": now,
            "token": token,
            "until": now + timedelta(seconds=lease_seconds),
        },
    ).all()
    if not claimed:
        return None
    claimed.sort(key=lambda row: row[1])
    learners = list({row[3] for row in claimed})
    first_not_mine: dict[str, int] = {}
    for learner, seq in connection.execute(
        others,
        {
            "dest": destination_id,
            "last": claimed[-1][1],
            "token": token,
            "learners": learners if postgresql else json.dumps(learners),
        },
    ):
        if seq < first_not_mine.get(learner, seq + 1):
            first_not_mine[learner] = seq
    if first_not_mine:
        kept = [row for row in claimed if row[1] < first_not_mine.get(row[3], row[1] + 1)]
        if len(kept) < len(claimed):
            blocked = {row[0] for row in claimed} - {row[0] for row in kept}
            connection.execute(_RELEASE, {"ids": list(blocked)})
        claimed = kept
    if not claimed:
        return None
    return Lease(destination_id, token, list(map(LeasedStatement._make, claimed)))


def _held_by(lease: Lease) -> dict:
    return {
        "dest": lease.destination_id,
        "first": lease.first_seq,
        "last": lease.last_seq,
        "token": lease.token,
    }


def release(db: Db, ids: list[int]) -> None:
    """Give leased rows back untouched (e.g. when the destination was paused)."""
    if ids:
        _connection(db).execute(_RELEASE, {"ids": list(ids)})


def release_lease(db: Db, lease: Lease) -> None:
    """Give back every row the lease still holds, untouched."""
    _connection(db).execute(_RELEASE_LEASE, _held_by(lease))


def mark_delivered(db: Db, lease: Lease, now: datetime | None = None) -> None:
    """Record that the destination holds every row the lease still holds.

    Rows of the batch settled otherwise (dead, retried, given back) no longer carry the
    lease's token, so they must be recorded first.
    """
    _connection(db).execute(_DELIVERED, {**_held_by(lease), "now": now or utcnow()})


def mark_retry(db: Db, ids: list[int], error: str, next_attempt_at: datetime) -> None:
    """Record a failed attempt; the rows become due again at `next_attempt_at`."""
    if ids:
        _connection(db).execute(
            update(_delivery)
            .where(_delivery.c.id.in_(ids))
            .values(
                attempts=_delivery.c.attempts + 1,
                next_attempt_at=next_attempt_at,
                last_error=error[:ERROR_TEXT_LIMIT],
                claimed_by=None,
                claimed_until=None,
            )
        )


def mark_dead(
    db: Db,
    destination_id: int,
    statement: LeasedStatement,
    status_code: int | None,
    response: str,
) -> None:
    """Move a refused statement to the dead-letter table with the LRS's answer."""
    session = _connection(db)
    session.execute(
        update(_delivery)
        .where(_delivery.c.id == statement.delivery_id)
        .values(
            status=DEAD,
            attempts=_delivery.c.attempts + 1,
            last_error=f"HTTP {status_code}: {response}"[:ERROR_TEXT_LIMIT],
            claimed_by=None,
            claimed_until=None,
        )
    )
    session.execute(
        insert(DeadLetter.__table__).values(
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
    condition = _delivery.c.status == DEAD
    letters = DeadLetter.id.is_not(None)
    if destination_id is not None:
        condition = and_(condition, _delivery.c.destination_id == destination_id)
        letters = DeadLetter.destination_id == destination_id
    count = session.execute(
        update(_delivery)
        .where(condition)
        .values(status=PENDING, next_attempt_at=None, claimed_by=None, claimed_until=None)
    ).rowcount
    session.execute(DeadLetter.__table__.delete().where(letters))
    return count
