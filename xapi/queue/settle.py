"""Settling leased rows: done, retried, postponed, dead or given back — always by lease token.

A row is only settled while its lease's token still holds it: when a lease ran out and another
sender took the row, the late answer changes nothing (the row is sent again, and receivers take
a repeat as the same item). Every settlement clears the lease.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, update

from xapi.queue.lease import Db, Lease, connection_of
from xapi.queue.table import TEXT_LIMIT, QueueTable


class Settling:
    """The statements that settle a whole lease at once, built once per queue table.

    `done_values` are set with the done state (for example `delivered_at=q.now()`, the moment
    given to `done_lease`).
    """

    def __init__(self, q: QueueTable, **done_values: Any):
        self.q = q
        self._release_lease = update(q.table).where(q.held_range()).values(**q.cleared())
        self._done_lease = (
            update(q.table)
            .where(q.held_range())
            .values({q.status.name: q.done, q.error.name: None, **q.cleared(), **done_values})
        )

    def release_lease(self, db: Db, lease: Lease) -> None:
        """Give back every row the lease still holds, untouched."""
        connection_of(db).execute(self._release_lease, lease.held())

    def done_lease(self, db: Db, lease: Lease, now: datetime) -> None:
        """Record that the receiver holds every row the lease still holds.

        Rows of the lease settled otherwise first (dead, retried, given back) no longer carry
        its token, so they are left alone.
        """
        connection_of(db).execute(self._done_lease, {**lease.held(), "q_now": now})


def _held(q: QueueTable, ids: list, token: str) -> ColumnElement:
    """Return the condition of the rows among `ids` that the lease `token` still holds."""
    by_id = q.id == ids[0] if len(ids) == 1 else q.id.in_(ids)
    return and_(by_id, q.token == token)


def release(db: Db, q: QueueTable, ids: Iterable[Any], token: str) -> None:
    """Give leased rows back untouched (their receiver is paused or was held back)."""
    ids = list(ids)
    if ids:
        connection_of(db).execute(update(q.table).where(_held(q, ids, token)).values(**q.cleared()))


def done(db: Db, q: QueueTable, row_id: Any, token: str, **values: Any) -> bool:
    """Record that the receiver accepted one row; False when the lease no longer holds it."""
    settled = update(q.table).where(_held(q, [row_id], token))
    settled = settled.values({q.status.name: q.done, q.error.name: None, **q.cleared(), **values})
    return connection_of(db).execute(settled).rowcount > 0


def retry(
    db: Db, q: QueueTable, ids: Iterable[Any], token: str, error: str, when: datetime
) -> None:
    """Count a failed attempt; the rows become due again at `when`, with the error kept."""
    ids = list(ids)
    if ids:
        connection_of(db).execute(
            update(q.table)
            .where(_held(q, ids, token))
            .values(
                {
                    q.attempts.name: q.attempts + 1,
                    q.due.name: when,
                    q.error.name: error[:TEXT_LIMIT],
                    **q.cleared(),
                }
            )
        )


def postpone(db: Db, q: QueueTable, ids: Iterable[Any], token: str, when: datetime) -> None:
    """Give rows back unsent and not counted, due again at `when` (their receiver is held)."""
    ids = list(ids)
    if ids:
        connection_of(db).execute(
            update(q.table).where(_held(q, ids, token)).values({q.due.name: when, **q.cleared()})
        )


def dead(db: Db, q: QueueTable, row_id: Any, token: str, error: str, **values: Any) -> bool:
    """Move a row the receiver refused for good to the dead state, with its answer.

    Returns False (and changes nothing) when the lease no longer holds the row.
    """
    refused = update(q.table).where(_held(q, [row_id], token))
    refused = refused.values(
        {
            q.status.name: q.dead,
            q.attempts.name: q.attempts + 1,
            q.error.name: error[:TEXT_LIMIT],
            **q.cleared(),
            **values,
        }
    )
    return connection_of(db).execute(refused).rowcount > 0


def requeue_dead(
    db: Db, q: QueueTable, now: datetime, where: Iterable[ColumnElement] = (), **values: Any
) -> int:
    """Make dead rows pending again, due now, their attempts counted afresh; return how many."""
    requeued = update(q.table).where(q.status == q.dead, *where)
    requeued = requeued.values(
        {q.status.name: q.pending, q.attempts.name: 0, q.due.name: now, **q.cleared(), **values}
    )
    return connection_of(db).execute(requeued).rowcount


def make_due(db: Db, q: QueueTable, now: datetime, where: Iterable[ColumnElement] = ()) -> int:
    """Make pending rows waiting for a retry time due now; return how many were waiting."""
    due_now = update(q.table).where(q.status == q.pending, q.due > now, *where)
    return connection_of(db).execute(due_now.values({q.due.name: now})).rowcount
