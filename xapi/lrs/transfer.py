"""Export and data-protection erasure of stored statements (`reload` imports an export).

A JSON-lines export holds one statement per line, oldest first. The content of an attachment
(table `lrs_attachment`) goes on a line of its own, `{"attachment": {"sha2": …, "contentType": …,
"content": <base64>}}`, written once, just before the first exported statement that references
it; exports made before attachment lines existed simply have none.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, delete, func, insert, or_, select

from xapi.lrs import indexing, lookup_keys
from xapi.lrs.documents import agent_digest
from xapi.lrs.errors import XapiError
from xapi.lrs.models import Attachment, Document, Erasure, Statement, StatementKey
from xapi.lrs.query import lookup_filters

_S = Statement.__table__
_K = StatementKey.__table__
_A = Attachment.__table__
CSV_HEADER = [
    "id",
    "stored",
    "timestamp",
    "actor_name",
    "actor",
    "verb",
    "object_type",
    "object",
    "registration",
    "course",
    "success",
    "completion",
    "score_scaled",
    "duration",
    "voided",
]


def count_statements(engine: Engine, since_us: int | None = None) -> int:
    """Return how many statements (voided included) were stored after `since`."""
    stmt = select(func.count()).select_from(_S)
    if since_us is not None:
        stmt = stmt.where(_S.c.stored_us > since_us)
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def export_rows(
    engine: Engine, since_us: int | None = None, batch: int = 1000
) -> Iterator[tuple[dict, bool]]:
    """Yield (statement, voided) oldest first, reading in keyset batches."""
    after = (since_us if since_us is not None else -1, 2**62)
    while True:
        stmt = (
            select(_S.c.seq, _S.c.stored_us, _S.c.payload, _S.c.voided)
            .where(
                or_(
                    _S.c.stored_us > after[0], and_(_S.c.stored_us == after[0], _S.c.seq > after[1])
                )
            )
            .order_by(_S.c.stored_us, _S.c.seq)
            .limit(batch)
        )
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
        for row in rows:
            yield json.loads(row.payload), row.voided
        if len(rows) < batch:
            return
        after = (rows[-1].stored_us, rows[-1].seq)


def export_lines(engine: Engine, since_us: int | None = None) -> Iterator[tuple[dict, bool]]:
    """Yield (line, is_statement) of a JSON-lines export, oldest first.

    Each attachment whose content the LRS holds comes once, as an attachment line, before the
    first statement referencing it; only the digests already written are kept in memory.
    """
    written: set[str] = set()
    for statement, _ in export_rows(engine, since_us):
        wanted = [
            sha2
            for sha2 in dict.fromkeys(a["sha2"].lower() for a in statement.get("attachments", []))
            if sha2 not in written
        ]
        if wanted:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(_A.c.sha2, _A.c.content_type, _A.c.content).where(_A.c.sha2.in_(wanted))
                ).all()
            for row in sorted(rows, key=lambda r: wanted.index(r.sha2)):
                yield attachment_line(row.sha2, row.content_type, bytes(row.content)), False
            written.update(wanted)
        yield statement, True


def attachment_line(sha2: str, content_type: str, content: bytes) -> dict:
    """Return the export line carrying one attachment's content."""
    return {
        "attachment": {
            "sha2": sha2,
            "contentType": content_type,
            "content": base64.b64encode(content).decode("ascii"),
        }
    }


def _actor_text(actor: dict) -> str:
    if "account" in actor:
        return f"{actor['account'].get('homePage')}|{actor['account'].get('name')}"
    return actor.get("mbox") or actor.get("mbox_sha1sum") or actor.get("openid") or ""


def csv_row(statement: dict, voided: bool = False) -> list:
    """Return one CSV row (columns of CSV_HEADER) of a statement."""
    context = statement.get("context") or {}
    grouping = (context.get("contextActivities") or {}).get("grouping") or [{}]
    result = statement.get("result") or {}
    obj = statement["object"]
    return [
        statement["id"],
        statement.get("stored", ""),
        statement.get("timestamp", ""),
        statement["actor"].get("name", ""),
        _actor_text(statement["actor"]),
        statement["verb"]["id"],
        obj.get("objectType", "Activity"),
        obj.get("id") or _actor_text(obj),
        context.get("registration", ""),
        grouping[0].get("id", ""),
        result.get("success", ""),
        result.get("completion", ""),
        (result.get("score") or {}).get("scaled", ""),
        result.get("duration", ""),
        voided,
    ]


def erase_agent(engine: Engine, agent: dict, requested_by: str, reason: str) -> tuple[int, int]:
    """Delete every statement and document about an agent; record the erasure; return counts."""
    ifi = lookup_keys.agent_ifi(agent)
    if ifi is None:
        raise XapiError("agent: give an identified Agent (mbox, mbox_sha1sum, openid, account).")
    h = lookup_keys.key_hash("a", ifi)
    doc_t = Document.__table__
    sqlite = engine.dialect.name == "sqlite"
    with indexing.transaction(engine) as conn:
        if sqlite:
            indexing.index_pending(conn)
        if sqlite:
            rows = conn.execute(
                select(_S.c.seq, _S.c.stored_us, _S.c.key_hashes)
                .join(_K, _K.c.seq == _S.c.seq)
                .where(_K.c.h == h)
            ).all()
            for row in rows:
                for key in lookup_keys.decode_keys(row.key_hashes):
                    conn.execute(
                        delete(_K).where(
                            _K.c.h == key, _K.c.stored_us == row.stored_us, _K.c.seq == row.seq
                        )
                    )
        else:  # the keys are in the statement rows themselves
            rows = conn.execute(select(_S.c.seq).where(*lookup_filters([(h, False)]))).all()
        if rows:
            conn.execute(delete(_S).where(_S.c.seq.in_([r.seq for r in rows])))
            if sqlite:
                indexing.mark_all_indexed(conn)
        documents = conn.execute(delete(doc_t).where(doc_t.c.agent_key == agent_digest(agent)))
        conn.execute(
            insert(Erasure.__table__).values(
                at=datetime.now(UTC),
                agent_digest=hashlib.sha256(ifi.encode()).hexdigest(),
                statements=len(rows),
                documents=documents.rowcount,
                requested_by=requested_by,
                reason=reason,
            )
        )
    return len(rows), documents.rowcount
