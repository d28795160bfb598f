"""Forgetting delivered statements: the outbox holds a statement only until every LRS has it.

A statement is *prunable* once it is routed, every one of its deliveries is delivered, the
last of them before the cutoff, and the embedded LRS holds it as stored by the forwarder —
the copy leadpath reads when a link re-issues a learner's statements
(`lti_tool.learner_history`). A statement with a dead or pending delivery, or routed nowhere,
or not in the embedded LRS (turned off, or removed as a destination), stays. The newest
statement always stays too: SQLite numbers a new row one past the highest left, so keeping it
means a sequence number is never handed out twice.

Statements are walked oldest first in windows of the caller's size (`find`), each window's
deliveries read through the `(destination, statement)` index, and deleted with their
deliveries (`delete`); both run inside the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from xapi.lrs.models import Statement as LrsStatement
from xapi.outbox.embedded import FORWARDER_KEY
from xapi.outbox.models import DELIVERED, DeadLetter, Delivery, Destination, OutboxStatement
from xapi.queue import aware

_s = OutboxStatement.__table__.c
_d = Delivery.__table__.c
_lrs = LrsStatement.__table__.c


def find(
    conn: Connection, cutoff: datetime, limit: int, after: int | None
) -> tuple[list[int], int | None]:
    """Return the prunable statements among the next `limit` after `after`, and where to go on.

    The walk ends (None) at the first statement queued after the cutoff.
    """
    newest = conn.scalar(select(func.max(_s.seq)))
    window = conn.execute(
        select(_s.seq, _s.statement_id, _s.created_at)
        .where(_s.routed.is_(True), _s.seq > (after or 0), _s.seq < (newest or 0))
        .order_by(_s.seq)
        .limit(limit)
    ).all()
    old = [row for row in window if aware(row.created_at) < cutoff]
    go_on = window[-1].seq if window and len(old) == len(window) == limit else None
    if not old:
        return [], go_on
    destinations = list(conn.scalars(select(Destination.id)))
    delivered: dict[int, list[datetime | None]] = {row.seq: [] for row in old}
    for seq, status, delivered_at in conn.execute(
        select(_d.statement_seq, _d.status, _d.delivered_at).where(
            _d.destination_id.in_(destinations), _d.statement_seq.in_(list(delivered))
        )
    ):
        delivered[seq].append(aware(delivered_at) if status == DELIVERED else None)
    done = {
        row.statement_id: row.seq
        for row in old
        if (times := delivered[row.seq]) and all(t is not None and t < cutoff for t in times)
    }
    if not done:
        return [], go_on
    held = conn.scalars(
        select(_lrs.id).where(_lrs.id.in_(list(done)), _lrs.credential == FORWARDER_KEY)
    )
    return sorted(done[statement_id] for statement_id in held), go_on


def delete_statements(conn: Connection, seqs: list[int]) -> tuple[int, Counter]:
    """Delete statements and their deliveries.

    Returns how many statements went, and how many deliveries per destination id.
    """
    if not seqs:
        return 0, Counter()
    destinations = list(conn.scalars(select(Destination.id)))
    per_destination = Counter(
        conn.execute(
            delete(Delivery.__table__)
            .where(_d.destination_id.in_(destinations), _d.statement_seq.in_(seqs))
            .returning(_d.destination_id)
        ).scalars()
    )
    conn.execute(delete(DeadLetter.__table__).where(DeadLetter.statement_seq.in_(seqs)))
    gone = conn.execute(
        delete(OutboxStatement.__table__).where(_s.seq.in_(seqs)).returning(_s.seq)
    ).all()
    return len(gone), per_destination
