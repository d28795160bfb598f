"""Leasing: claim due rows with a token that no other sender can take until the lease runs out.

The claim is one `UPDATE … WHERE id IN (SELECT … ORDER BY order LIMIT n) RETURNING`; on
PostgreSQL the inner SELECT takes its rows with `FOR UPDATE SKIP LOCKED` in a materialized CTE
(its row locks taken once, whatever the plan), so two senders never hold the same row. Order
per key is kept one of two ways:

- *prefix* (statements): a lease takes, per key, only rows before the key's first pending row
  it does not hold (leased by someone else, waiting for its retry time, or named by `also`);
  claimed rows after such a row are given back at once. A batch can carry several rows of a key.
- *heads* (grades): only a key's first pending row can be claimed at all.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    Select,
    String,
    any_,
    bindparam,
    column,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xapi.queue.clock import utcnow
from xapi.queue.table import QueueTable

Db = Session | Connection
KeysIn = Callable[[ColumnElement], ColumnElement]


def connection_of(db: Db) -> Connection:
    """Return the connection to run Core statements on (a session's own, or `db` itself)."""
    return db if isinstance(db, Connection) else db.connection()


class LeaseTokens:
    """Lease tokens of one sender: `host:pid:instance:random`, a new one per lease."""

    def __init__(self) -> None:
        self.instance = uuid.uuid4().hex[:8]
        self.worker_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{self.instance}"

    def new(self) -> str:
        """Return a token no other lease has (at most 64 characters)."""
        return f"{self.worker_id}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Lease:
    """Rows leased together, in `order`, and the token holding them.

    Each row starts with (id, order, key). The token and the order range let the whole lease be
    settled or given back with one UPDATE that names no row ids.
    """

    scope: Any
    token: str
    rows: list

    @property
    def first(self) -> Any:
        """Return the `order` of the lease's first row."""
        return self.rows[0][1]

    @property
    def last(self) -> Any:
        """Return the `order` of the lease's last row."""
        return self.rows[-1][1]

    def held(self) -> dict:
        """Return the parameters of `QueueTable.held_range` for this lease."""
        return {
            "q_scope": self.scope,
            "q_first": self.first,
            "q_last": self.last,
            "q_token": self.token,
        }


def keys_in(postgresql: bool) -> KeysIn:
    """Return a builder of `column IN (:keys)`: a text array on PostgreSQL, JSON on SQLite.

    One parameter whatever the number of keys, so the statement is compiled once.
    """
    if postgresql:
        return lambda key: key == any_(bindparam("q_keys", type_=ARRAY(String)))
    listed = select(column("value")).select_from(func.json_each(bindparam("q_keys")))
    return lambda key: key.in_(listed)


class Leasing:
    """The statements that lease rows of one queue table on one dialect, built once.

    `returning` adds columns to the claimed rows' (id, order, key); `make` turns each row
    into what the sender works with (a named tuple's `_make`, say). `also(keys_in)` may name
    more rows that hold keys back, as a SELECT of (key, first order): the outbox's statements
    not yet routed.
    """

    def __init__(
        self,
        q: QueueTable,
        *,
        postgresql: bool,
        returning: tuple = (),
        make: Callable[[Any], Any] = tuple,
        heads_only: bool = False,
        also: Callable[[KeysIn], Select] | None = None,
    ):
        self.q = q
        self.postgresql = postgresql
        self.make = make
        now = q.now()
        free = q.free(now)
        conditions = [*q.in_scope(), q.status == q.pending, q.ready(now), free]
        if heads_only:
            earlier = q.table.alias("earlier").c
            conditions.append(
                ~exists().where(
                    earlier[q.key.name] == q.key,
                    earlier[q.status.name] == q.pending,
                    earlier[q.order.name] < q.order,
                )
            )
        candidates = (
            select(q.id).where(*conditions).order_by(q.order).limit(bindparam("q_batch_size"))
        )
        if postgresql:
            picked = (
                candidates.with_for_update(skip_locked=True)
                .cte("picked")
                .prefix_with("MATERIALIZED")
            )
            candidates = select(picked.c.id)
        self.claim = (
            update(q.table)
            .where(q.id.in_(candidates), q.status == q.pending, free)
            .values({q.token.name: bindparam("q_token"), q.until.name: bindparam("q_until")})
            .returning(q.id, q.order, q.key, *returning)
        )
        self.check = None if heads_only else self._order_check(also)
        self.release = (
            update(q.table)
            .where(q.id.in_(bindparam("q_ids", expanding=True)), q.token == bindparam("q_token"))
            .values(**q.cleared())
        )

    def _order_check(self, also: Callable[[KeysIn], Select] | None) -> Select:
        """Per key of a lease, the first pending row up to its last that the lease lacks.

        Only the lease's own keys are looked at (one parameter), so rows of other leases in
        flight stay in the database.
        """
        q, within = self.q, keys_in(self.postgresql)
        others = (
            select(q.key, func.min(q.order))
            .where(
                *q.in_scope(),
                q.status == q.pending,
                q.order <= bindparam("q_last"),
                or_(q.token.is_(None), q.token != bindparam("q_token")),
                within(q.key),
            )
            .group_by(q.key)
        )
        return others if also is None else others.union_all(also(within))

    def lease(
        self,
        db: Db,
        *,
        token: str,
        batch_size: int,
        lease_seconds: float,
        scope: Any = None,
        now: datetime | None = None,
    ) -> Lease | None:
        """Lease up to `batch_size` due rows (of `scope`) under `token`; None when none is due.

        `token` must be unique to this lease.
        """
        now = now or utcnow()
        connection = connection_of(db)
        params = {"q_batch_size": batch_size, "q_now": now, "q_token": token}
        params["q_until"] = now + timedelta(seconds=lease_seconds)
        if self.q.scope is not None:
            params["q_scope"] = scope
        claimed = connection.execute(self.claim, params).all()
        if not claimed:
            return None
        claimed.sort(key=itemgetter(1))
        if self.check is not None:
            claimed = self._in_order(connection, claimed, scope, token)
            if not claimed:
                return None
        return Lease(scope, token, [self.make(row) for row in claimed])

    def _in_order(self, connection: Connection, claimed: list, scope: Any, token: str) -> list:
        """Give back claimed rows that an earlier row of their key, not leased here, precedes."""
        keys = list({row[2] for row in claimed})
        params = {"q_last": claimed[-1][1], "q_token": token}
        params["q_keys"] = keys if self.postgresql else json.dumps(keys)
        if self.q.scope is not None:
            params["q_scope"] = scope
        first_not_mine: dict[Any, Any] = {}
        for key, order in connection.execute(self.check, params):
            if key not in first_not_mine or order < first_not_mine[key]:
                first_not_mine[key] = order
        if not first_not_mine:
            return claimed
        kept = [
            row
            for row in claimed
            if row[2] not in first_not_mine or row[1] < first_not_mine[row[2]]
        ]
        if len(kept) < len(claimed):
            kept_ids = {row[0] for row in kept}
            blocked = [row[0] for row in claimed if row[0] not in kept_ids]
            connection.execute(self.release, {"q_ids": blocked, "q_token": token})
        return kept
