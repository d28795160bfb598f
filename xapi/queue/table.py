"""Which column of a queue table means what, and the conditions every queue asks of them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BindParameter, Column, ColumnElement, Table, and_, bindparam, or_

TEXT_LIMIT = 4000  # receivers' answers and errors are kept up to this many characters


def answer_text(status: int | None, text: str) -> str:
    """Return a receiver's answer as one line for `last_error`: `HTTP 503: …`, or the error."""
    line = f"HTTP {status}: {text}" if status else text
    return line[:TEXT_LIMIT]


@dataclass(frozen=True)
class QueueTable:
    """A queue table: one row per item to hand to a receiver, in `order` within each `key`.

    `scope`, when set, splits the table into separate queues (one per destination LRS): every
    lease and settlement names one scope. A row is *pending* until settled *done* or *dead*;
    while pending it is *held* by the lease `token` until `until`, and *due* once `due` is
    empty or past. Rows of one `key` reach the receiver in `order`.
    """

    table: Table
    id: Column
    order: Column
    key: Column
    status: Column
    token: Column
    until: Column
    due: Column
    attempts: Column
    error: Column
    done: str
    scope: Column | None = None
    pending: str = "pending"
    dead: str = "dead"

    def now(self) -> BindParameter:
        """Return the `:now` parameter, typed as the lease column."""
        return bindparam("q_now", type_=self.until.type)

    def free(self, now: ColumnElement) -> ColumnElement:
        """Return the condition of rows no lease holds at `now` (never leased, or run out)."""
        return or_(self.until.is_(None), self.until < now)

    def ready(self, now: ColumnElement) -> ColumnElement:
        """Return the condition of rows whose retry time has come at `now`."""
        return or_(self.due.is_(None), self.due <= now)

    def in_scope(self) -> list[ColumnElement]:
        """Return the `scope = :scope` condition, or none for a table that is one queue."""
        return [] if self.scope is None else [self.scope == bindparam("q_scope")]

    def held_range(self) -> ColumnElement:
        """Return the rows a lease still holds: its token, pending, `order` in first..last."""
        return and_(
            *self.in_scope(),
            self.status == self.pending,
            self.order.between(bindparam("q_first"), bindparam("q_last")),
            self.token == bindparam("q_token"),
        )

    def cleared(self) -> dict:
        """Return the values that end a lease."""
        return {self.token.name: None, self.until.name: None}
