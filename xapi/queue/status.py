"""What a queue holds, for operators: rows per state and group, and the oldest pending age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, func, select

from xapi.queue.clock import aware
from xapi.queue.lease import Db
from xapi.queue.table import QueueTable


def _group(row: Sequence[Any], width: int) -> Any:
    return row[0] if width == 1 else tuple(row[:width])


def counts(db: Db, q: QueueTable, by: Sequence[Column]) -> dict[Any, dict[str, int]]:
    """Return {group: {state: rows}}; a group is the value of `by` (a tuple for several)."""
    found: dict[Any, dict[str, int]] = {}
    query = select(*by, q.status, func.count()).group_by(*by, q.status)
    for row in db.execute(query):
        found.setdefault(_group(row, len(by)), {})[row[-2]] = row[-1]
    return found


def oldest_pending(
    db: Db,
    q: QueueTable,
    by: Sequence[Column],
    since: Column,
    now: datetime,
    join: tuple[Any, ColumnElement] | None = None,
) -> dict[Any, float]:
    """Return {group: seconds since `since` of its oldest pending row} for groups that wait.

    `join` brings in the table of `since` when it is not the queue's own (target, on-clause).
    """
    query = select(*by, func.min(since)).select_from(q.table)
    if join is not None:
        query = query.join(*join)
    query = query.where(q.status == q.pending).group_by(*by)
    return {
        _group(row, len(by)): (now - aware(row[-1])).total_seconds()
        for row in db.execute(query)
        if row[-1] is not None
    }
