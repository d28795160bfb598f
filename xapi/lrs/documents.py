"""State, Activity Profile and Agent Profile documents with ETag concurrency control.

A write reads the document it changes under a lock (`FOR UPDATE` on PostgreSQL; SQLite's one
writer), so concurrent merges into one document all land; a document two requests create at
once is inserted by one (`INSERT … ON CONFLICT DO NOTHING`) and updated, or refused by its
preconditions, for the other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update

from xapi.lrs import formats, indexing, jsonio
from xapi.lrs.concurrency import insert_new, retrying
from xapi.lrs.errors import BadRequest, Conflict, PreconditionFailed, Unavailable
from xapi.lrs.lookup_keys import agent_ifi
from xapi.lrs.models import Document

_T = Document.__table__


@dataclass(frozen=True)
class Scope:
    """Where a document lives: its resource kind, activity and/or agent, and registration.

    `owner` partitions State documents by the credential that wrote them: each key has its
    own, and "" is the namespace shared by keys with the `state/shared` scope (where State
    documents written before ownership existed live).
    """

    kind: str
    activity_id: str = ""
    agent: dict | None = None
    registration: str = ""
    owner: str = ""

    @property
    def agent_key(self) -> str | None:
        """Return the hashed agent identifier, or None."""
        return agent_digest(self.agent) if self.agent else None

    @property
    def digest(self) -> str:
        """Return the hash naming the (kind, activity, agent) scope."""
        text = f"{self.kind}|{self.activity_id}|{agent_ifi(self.agent) if self.agent else ''}"
        if self.owner:
            text += f"|{self.owner}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Doc:
    """A stored document."""

    content_type: str
    content: bytes
    etag: str
    updated_us: int


def agent_digest(agent: dict) -> str:
    """Return the SHA-256 hex of an agent's identifier."""
    return hashlib.sha256((agent_ifi(agent) or "").encode()).hexdigest()


def etag_of(content: bytes) -> str:
    """Return the quoted SHA-1 ETag of content."""
    return f'"{hashlib.sha1(content).hexdigest()}"'


def _where(scope: Scope, doc_id: str | None = None):
    clauses = [_T.c.scope == scope.digest]
    if scope.registration or doc_id is not None:
        clauses.append(_T.c.registration == scope.registration.lower())
    if doc_id is not None:
        clauses.append(_T.c.doc_id == doc_id)
    return clauses


def get_document(engine: Engine, scope: Scope, doc_id: str) -> Doc | None:
    """Return one document, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_T.c.content_type, _T.c.content, _T.c.etag, _T.c.updated_us).where(
                *_where(scope, doc_id)
            )
        ).first()
    return Doc(row.content_type, bytes(row.content), row.etag, row.updated_us) if row else None


def list_documents(
    engine: Engine, scope: Scope, since_us: int | None = None
) -> tuple[list[str], int | None]:
    """Return the ids of a scope's documents (updated after `since_us`) and the latest update."""
    stmt = select(_T.c.doc_id, _T.c.updated_us).where(*_where(scope)).order_by(_T.c.doc_id)
    if since_us is not None:
        stmt = stmt.where(_T.c.updated_us > since_us)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return list(dict.fromkeys(r.doc_id for r in rows)), max(
        (r.updated_us for r in rows), default=None
    )


def list_ids(engine: Engine, scope: Scope, since_us: int | None = None) -> list[str]:
    """Return the ids of the documents in a scope, optionally only those updated after since."""
    return list_documents(engine, scope, since_us)[0]


def check_preconditions(
    held: Doc | None, if_match: str | None, if_none_match: str | None, *, require: bool
) -> None:
    """Apply If-Match / If-None-Match (412) and, when `require`, insist on one of them.

    Without either header a PUT that would overwrite a document is a 409 Conflict, and one
    that would create a document a 400: xAPI 1.0.3 Communication 3.1 (and 2.0's 5.1.4) has
    the client send one of them on every PUT to the Agent and Activity Profile resources.
    """
    if if_match is not None:
        tags = {t.strip() for t in if_match.split(",")}
        if held is None or ("*" not in tags and held.etag not in tags):
            raise PreconditionFailed("If-Match: the document's current ETag does not match.")
    if if_none_match is not None:
        tags = {t.strip() for t in if_none_match.split(",")}
        if held is not None and ("*" in tags or held.etag in tags):
            raise PreconditionFailed("If-None-Match: the document already exists.")
    if require and if_match is None and if_none_match is None:
        if held is not None:
            raise Conflict(
                "The document exists: check its current content, then send If-Match with its "
                "ETag to replace it."
            )
        raise BadRequest(
            "If-None-Match: a PUT to a profile needs If-None-Match: * to create the document "
            "(or If-Match with the ETag of the document it replaces)."
        )


def _is_json(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _json_object(content: bytes, what: str) -> dict:
    try:
        value = jsonio.loads(content)
    except jsonio.NotJson:
        value = None
    except jsonio.Refused as exc:
        raise BadRequest(f"{what} {exc}.") from None
    if not isinstance(value, dict):
        raise BadRequest(
            f"{what} is not a JSON object: a POST merges the properties of a JSON object "
            "into the document."
        )
    return value


def save_document(
    engine: Engine,
    scope: Scope,
    doc_id: str,
    content_type: str,
    content: bytes,
    *,
    merge: bool = False,
    if_match: str | None = None,
    if_none_match: str | None = None,
    require_precondition: bool = False,
) -> str:
    """Store (PUT) or merge (POST) a document; return its new ETag.

    A merge onto no document stores the posted one as it is, whatever its type, except that a
    posted `application/json` document must be a JSON object whether or not a document is
    stored (xAPI 1.0.3 Communication 2.2: 400 when it "cannot be parsed as a JSON Object").
    """
    if merge and _is_json(content_type):
        _json_object(content, "The posted document")

    def work() -> str:
        with indexing.transaction(engine) as conn:
            for _ in range(3):  # a document created meanwhile is then read; one deleted, again
                etag = _save(
                    conn,
                    scope,
                    doc_id,
                    content_type,
                    content,
                    merge,
                    if_match,
                    if_none_match,
                    require_precondition,
                )
                if etag is not None:
                    return etag
        raise Unavailable("The document kept changing: send the request again in a moment.")

    return retrying("saving a document", work)


def _locked(conn, scope: Scope, doc_id: str | None):
    """Return the row of a document, locked for this transaction, or None."""
    return conn.execute(
        select(_T.c.id, _T.c.content_type, _T.c.content, _T.c.etag, _T.c.updated_us)
        .where(*_where(scope, doc_id))
        .with_for_update()
    ).first()


def _save(conn, scope, doc_id, content_type, content, merge, if_match, if_none_match, require):
    """Write the document; return its ETag, or None when another request created it meanwhile."""
    row = _locked(conn, scope, doc_id)
    held = Doc(row.content_type, bytes(row.content), row.etag, row.updated_us) if row else None
    check_preconditions(held, if_match, if_none_match, require=require and not merge)
    if merge and held is not None:
        # A POST onto nothing is a PUT (xAPI 1.0.3 Communication 2.2): only a merge needs JSON.
        if not _is_json(content_type):
            raise BadRequest(
                "Content-Type: a POST merges JSON documents, so send application/json."
            )
        incoming = _json_object(content, "The posted document")
        if not _is_json(held.content_type):
            raise BadRequest("The stored document is not JSON, so it cannot be merged.")
        incoming = {**_json_object(held.content, "The stored document"), **incoming}
        content, content_type = json.dumps(incoming).encode(), "application/json"
    etag = etag_of(content)
    values = {
        "content_type": content_type,
        "content": content,
        "etag": etag,
        "updated_us": formats.now_micros(),
    }
    if held is None:
        new = {
            "scope": scope.digest,
            "kind": scope.kind,
            "agent_key": scope.agent_key,
            "doc_id": doc_id,
            "registration": scope.registration.lower(),
            **values,
        }
        return etag if insert_new(conn, _T, [new], ["scope", "registration", "doc_id"]) else None
    conn.execute(update(_T).where(_T.c.id == row.id).values(**values))
    return etag


def delete_documents(
    engine: Engine, scope: Scope, doc_id: str | None = None, if_match: str | None = None
) -> None:
    """Delete one document (honouring If-Match) or every document of a scope."""

    def work() -> None:
        with indexing.transaction(engine) as conn:
            if doc_id is not None and if_match is not None:
                row = _locked(conn, scope, doc_id)
                held = Doc("", b"", row.etag, 0) if row else None
                check_preconditions(held, if_match, None, require=False)
            conn.execute(delete(_T).where(*_where(scope, doc_id)))

    retrying("deleting documents", work)
