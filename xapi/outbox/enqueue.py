"""Queue statements in the caller's transaction: they exist exactly when its state change does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.orm import Session

from xapi.outbox.models import OutboxStatement, utcnow

# A Core insert on the table: the ORM bulk path costs more than the insert itself here.
_INSERT = insert(OutboxStatement.__table__)


def enqueue(
    session: Session,
    statements: Iterable[dict],
    *,
    learner_key: str,
    platform_issuer: str | None = None,
    course_id: str | None = None,
) -> list[str]:
    """Add statements to the outbox inside `session`'s transaction; return their ids.

    Nothing is committed here: the rows are written (and later forwarded) only if the caller's
    transaction commits. A statement without an `id` is given a new UUID.
    """
    now = utcnow()
    rows = []
    for statement in statements:
        if not statement.get("id"):
            statement = {**statement, "id": str(uuid.uuid4())}
        rows.append(
            {
                "statement_id": statement["id"],
                "body": json.dumps(statement, separators=(",", ":"), ensure_ascii=False),
                "learner_key": learner_key,
                "platform_issuer": platform_issuer,
                "course_id": course_id,
                "routed": False,
                "created_at": now,
            }
        )
    if rows:
        session.execute(_INSERT, rows)
    return [row["statement_id"] for row in rows]
