"""How many rows retention has removed: the part of a queue's counters its table no longer holds."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import BigInteger, Connection, String, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models import Base

OUTBOX_STATEMENTS = "outbox_statement"  # scope "": statements queued and since removed
OUTBOX_DELIVERED = "outbox_delivery"  # scope: destination id
GRADES_SENT = "grade_score:sent"  # scope: platform issuer
GRADES_DEAD = "grade_score:dead"  # scope: platform issuer


class PrunedRows(Base):
    """Rows of one kind (and group, such as a destination) removed by retention so far."""

    __tablename__ = "pruned_rows"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(512), primary_key=True)
    removed: Mapped[int] = mapped_column(BigInteger, default=0)


def add_pruned(conn: Connection, counts: Counter) -> None:
    """Add {(kind, scope): rows} to the tally, in the caller's transaction."""
    table = PrunedRows.__table__
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for (kind, scope), removed in sorted(counts.items()):
        if removed:
            statement = insert(table).values(kind=kind, scope=scope, removed=removed)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.kind, table.c.scope],
                    set_={"removed": table.c.removed + statement.excluded.removed},
                )
            )


def pruned(conn: Connection, kind: str) -> dict[str, int]:
    """Return {scope: rows removed} of one kind."""
    table = PrunedRows.__table__
    query = select(table.c.scope, table.c.removed).where(table.c.kind == kind)
    return {scope: removed for scope, removed in conn.execute(query)}
