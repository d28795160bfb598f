"""Export, import and data-protection erasure of stored statements.

A JSON-lines export holds one statement per line, oldest first. The content of an attachment
(table `lrs_attachment`) goes on a line of its own, `{"attachment": {"sha2": …, "contentType": …,
"content": <base64>}}`, written once, just before the first exported statement that references
it; exports made before attachment lines existed simply have none.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, delete, func, insert, or_, select

from xapi.lrs import indexing, lookup_keys
from xapi.lrs.concurrency import insert_new, retrying
from xapi.lrs.documents import agent_digest
from xapi.lrs.errors import BadRequest, Conflict, XapiError
from xapi.lrs.models import Attachment, Document, Erasure, Statement, StatementKey
from xapi.lrs.store import store_statements

_S = Statement.__table__
_K = StatementKey.__table__
_A = Attachment.__table__
_SHA2 = re.compile(r"^(?:[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$")
_SHA2_ALGORITHMS = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
PENDING_BYTES = 32 * 1024 * 1024
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


def is_attachment_line(line: dict) -> bool:
    """Tell an attachment line of an export from a statement line."""
    return isinstance(line, dict) and set(line) == {"attachment"}


def parse_attachment_line(line: dict) -> tuple[str, str, bytes]:
    """Return (sha2, content type, content) of an attachment line; raise BadRequest if bad."""
    item = line["attachment"]
    if not isinstance(item, dict):
        raise BadRequest(
            "attachment: must be an object with sha2, contentType and content.", field="attachment"
        )
    sha2 = item.get("sha2")
    if not isinstance(sha2, str) or not _SHA2.match(sha2.lower()):
        raise BadRequest("attachment.sha2: must be a hex SHA-2 digest.", field="attachment.sha2")
    sha2 = sha2.lower()
    content_type = item.get("contentType")
    if not isinstance(content_type, str) or not content_type:
        raise BadRequest(
            f"attachment {sha2}: contentType must be a media type.", field="attachment.contentType"
        )
    try:
        content = base64.b64decode(item.get("content"), validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise BadRequest(
            f"attachment {sha2}: content must be base64.", field="attachment.content"
        ) from None
    if hashlib.new(_SHA2_ALGORITHMS[len(sha2)], content).hexdigest() != sha2:
        raise BadRequest(
            f"attachment {sha2}: the content does not match its sha2.", field="attachment.sha2"
        )
    return sha2, content_type, content


def _store_attachments(engine: Engine, pending: dict[str, tuple[str, bytes]]) -> int:
    """Store the attachments not held yet (content is addressed by digest); return how many."""
    if not pending:
        return 0
    rows = [
        {"sha2": sha2, "content_type": content_type, "content": content}
        for sha2, (content_type, content) in pending.items()
    ]

    def work() -> int:
        with indexing.transaction(engine) as conn:
            return len(insert_new(conn, _A, rows, ["sha2"]))

    return retrying("storing imported attachments", work)


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


@dataclass(frozen=True)
class Refusal:
    """A statement an import did not store: where it was read, its id, and why."""

    where: int
    statement_id: str | None
    reason: str


@dataclass
class ImportCounts:
    """What an import did: statements stored, already held with this content, refused."""

    stored: int = 0
    held: int = 0
    attachments: int = 0
    refused: list[Refusal] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Return how many statements were read and settled."""
        return self.stored + self.held + len(self.refused)

    def refusal_reasons(self) -> dict[str, int]:
        """Return how many statements were refused for each kind of reason, most first."""
        kinds = Counter(
            "id held with other content" if r.reason == HELD_OTHERWISE else "invalid"
            for r in self.refused
        )
        return dict(kinds.most_common())


HELD_OTHERWISE = "the id is already stored with other content"
_BATCH_INDEX = re.compile(r"^statement\[\d+\]")  # a place in a batch, not in the file


def _held_ids(engine: Engine, statements: list[dict]) -> set[str]:
    """Return the ids of the statements the store holds already (lower case)."""
    ids = [
        s["id"].lower() for s in statements if isinstance(s, dict) and isinstance(s.get("id"), str)
    ]
    if not ids:
        return set()
    with engine.connect() as conn:
        return set(conn.execute(select(_S.c.id).where(_S.c.id.in_(ids))).scalars())


def import_statements(
    engine: Engine,
    lines: Iterable[tuple[int, dict]],
    authority: dict,
    batch: int = 500,
    counts: ImportCounts | None = None,
) -> ImportCounts:
    """Reload an export's (line number, line) pairs, idempotent by id and by digest.

    Attachment content is stored before the statements read after it are; statements whose
    attachment content is not in the export (older exports) are accepted without it. A
    statement the store cannot take (invalid, or its id held with other content) is refused
    and the import goes on; `counts` (filled as batches are written, so a caller stopped by a
    bad line still knows what was stored) lists each refusal with its line and reason. Held
    statements are those stored before their batch was written.
    """
    counts = counts if counts is not None else ImportCounts()
    chunk: list[tuple[int, dict]] = []
    pending: dict[str, tuple[str, bytes]] = {}
    pending_bytes = 0

    def store(statements: list[dict]) -> None:
        held = _held_ids(engine, statements)
        store_statements(
            engine, statements, authority=authority, keep_stored=True, require_parts=False
        )
        counts.held += len(held)
        counts.stored += len(statements) - len(held)

    def refuse(where: int, statement: dict, exc: XapiError) -> None:
        reason = (
            HELD_OTHERWISE
            if isinstance(exc, Conflict)
            else _BATCH_INDEX.sub("statement", exc.message)
        )
        sid = statement.get("id") if isinstance(statement, dict) else None
        counts.refused.append(Refusal(where, sid if isinstance(sid, str) else None, reason))

    def flush() -> None:
        nonlocal pending_bytes
        counts.attachments += _store_attachments(engine, pending)
        pending.clear()
        pending_bytes = 0
        if not chunk:
            return
        try:
            store([statement for _, statement in chunk])
        except (BadRequest, Conflict):
            for where, statement in chunk:
                try:
                    store([statement])
                except (BadRequest, Conflict) as exc:
                    refuse(where, statement, exc)
        chunk.clear()

    for where, line in lines:
        if is_attachment_line(line):
            sha2, content_type, content = parse_attachment_line(line)
            pending[sha2] = (content_type, content)
            pending_bytes += len(content)
            if pending_bytes >= PENDING_BYTES:
                flush()
            continue
        chunk.append((where, line))
        if len(chunk) >= batch:
            flush()
    flush()
    return counts


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
