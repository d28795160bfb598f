"""Reloading a JSON-lines export (`transfer`) into the store: attachments, then statements.

Idempotent: a statement held with the same content counts as already held, an attachment held
by digest is not stored twice. A statement the store cannot take is refused with its line and
the reason, and the rest load.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from xapi.lrs import indexing
from xapi.lrs.concurrency import insert_new, retrying
from xapi.lrs.errors import BadRequest, Conflict, XapiError
from xapi.lrs.models import Attachment, Statement
from xapi.lrs.store import store_statements

_S = Statement.__table__
_A = Attachment.__table__
_SHA2 = re.compile(r"^(?:[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$")
_SHA2_ALGORITHMS = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
PENDING_BYTES = 32 * 1024 * 1024


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
        # An export holds statements of both versions; each keeps the version it was stored with.
        store_statements(
            engine,
            statements,
            authority=authority,
            keep_stored=True,
            require_parts=False,
            xapi_version="2.0.0",
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
    if engine.dialect.name == "postgresql" and counts.stored:
        # Fresh statistics after a bulk load, so that queries on common keys (verbs, activities)
        # walk the stored-time index rather than the GIN index (autovacuum would, a minute later).
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE lrs_statement")
    return counts
