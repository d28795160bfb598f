"""Writing statements: validation, conflict checks, voiding, lookup keys, attachments, activities.

The storage layer works on a SQLAlchemy `Engine` and knows no web framework.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from xapi.lrs import attachments as att
from xapi.lrs import formats, indexing, jsonio, lookup_keys, shape
from xapi.lrs.errors import BadRequest, Conflict
from xapi.lrs.models import Activity, Attachment, Statement
from xapi.lrs.validate import VOIDED, normalize, validate_statements

_S = Statement.__table__
_ACTIVITY_CACHES: dict[str, dict[str, dict | None]] = {}


def dumps(value: Any) -> str:
    """Serialise JSON compactly."""
    return jsonio.dumps(value)


def prepare(
    statements: list[Any], authority: dict, *, keep: bool = False, allow_2: bool = False
) -> list[dict]:
    """Validate a batch and set id, stored, authority, version and timestamp on each statement.

    With `keep` (reloading an export) a statement's own stored and authority are kept.
    """
    validate_statements(statements, allow_2=allow_2)
    stored = formats.format_micros(formats.now_micros())
    seen: set[str] = set()
    for i, statement in enumerate(statements):
        normalize(statement)
        if "id" not in statement:
            statement["id"] = str(uuid.uuid4())
        lowered = statement["id"].lower()
        if lowered in seen:
            raise BadRequest(
                f"statement[{i}].id: the batch holds this id twice.", field=f"statement[{i}].id"
            )
        seen.add(lowered)
        if not (keep and "stored" in statement):
            statement["stored"] = stored
        if not (keep and "authority" in statement):
            statement["authority"] = authority
        statement.setdefault("version", "1.0.0")
        statement.setdefault("timestamp", stored)
    return statements


def store_statements(
    engine: Engine,
    statements: list[Any],
    *,
    authority: dict,
    credential: str | None = None,
    attachments: dict[str, tuple[str, bytes]] | None = None,
    keep_stored: bool = False,
    require_parts: bool = True,
    xapi_version: str = "1.0.3",
    define: bool = True,
) -> list[str]:
    """Validate and store a batch in one transaction; return the ids in order.

    Raises BadRequest (nothing stored) or Conflict when an id is held with other content.
    Statements equal to the ones held are accepted again without change. `keep_stored` keeps
    the statements' own stored and authority and, with `require_parts` off, accepts attachments
    whose content is not sent (both for reloading an export). Without `define` (a key lacking
    the define scope) new activities are recorded but known definitions are left unchanged.
    """
    prepare(statements, authority, keep=keep_stored, allow_2=xapi_version.startswith("2."))
    parts = {k.lower(): v for k, v in (attachments or {}).items()}
    att.check_attachments(statements, parts, require_parts=require_parts)
    rows = _rows(statements)
    activities = _activities(statements)
    for attempt in range(3):
        try:
            with indexing.transaction(engine) as conn:
                learned = _write(conn, statements, rows, credential, parts, activities, define)
            if engine.dialect.name == "sqlite":
                indexing.checkpoint(engine)
            cache = _ACTIVITY_CACHES.setdefault(str(engine.url), {})
            if len(cache) > 50_000:
                cache.clear()
            cache.update(learned)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return [s["id"] for s in statements]


class _Row(NamedTuple):
    """What is written for one statement, worked out before the write lock is taken."""

    id: str
    stored_us: int
    is_voiding: bool
    keys: dict[int, bool]
    payload: str
    ref: str | None


def _rows(statements: list[dict]) -> list[_Row]:
    rows = []
    micros: dict[str, int] = {}
    for statement in statements:
        stored = statement["stored"]
        if stored not in micros:
            micros[stored] = formats.to_micros(formats.parse_timestamp(stored))
        obj = statement["object"]
        is_ref = obj.get("objectType") == "StatementRef"
        rows.append(
            _Row(
                statement["id"].lower(),
                micros[stored],
                statement["verb"]["id"] == VOIDED,
                lookup_keys.statement_keys(statement),
                dumps(statement),
                obj["id"].lower() if is_ref else None,
            )
        )
    return rows


def _write(
    conn,
    statements: list[dict],
    rows: list[_Row],
    credential: str | None,
    parts: dict,
    activities: dict[str, dict | None],
    define: bool,
) -> dict[str, dict | None]:
    markers = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(rows))
    held = dict(
        conn.exec_driver_sql(
            f"SELECT id, payload FROM lrs_statement WHERE id IN ({markers})",
            tuple(r.id for r in rows),
        ).all()
    )
    fresh: list[_Row] = []
    for i, (statement, row) in enumerate(zip(statements, rows, strict=True)):
        old = held.get(row.id)
        if old is None:
            fresh.append(row)
        elif not shape.equivalent(statement, json.loads(old)):
            raise Conflict(
                f"statement[{i}].id: {statement['id']} is already stored with other content.",
                field=f"statement[{i}].id",
            )
    if not fresh:
        return {}
    refs = {row.ref for row in fresh if row.ref}
    targets = {}
    if refs:
        found = conn.execute(
            select(_S.c.id, _S.c.is_voiding, _S.c.key_hashes).where(_S.c.id.in_(refs))
        ).all()
        targets = {target.id: target for target in found}
    voids = []
    for row in fresh:
        target = targets.get(row.ref) if row.ref else None
        if row.is_voiding and row.ref:
            if target is not None and target.is_voiding:
                raise BadRequest(
                    f"statement {row.id}: a voiding statement cannot void "
                    "another voiding statement.",
                    field="object.id",
                )
            voids.append(row.ref)
        if target is not None:
            for h, is_direct in lookup_keys.decode_keys(target.key_hashes).items():
                row.keys[h] = row.keys.get(h, False) or is_direct
    seqs = _insert_statements(conn, fresh, credential)
    if conn.dialect.name == "sqlite":
        indexing.index_if_due(conn, seqs[-1])
    else:
        indexing.insert_keys(
            conn, ((seq, row.stored_us, row.keys) for row, seq in zip(fresh, seqs, strict=True))
        )
    if voids:
        conn.execute(
            update(_S).where(_S.c.id.in_(voids), _S.c.is_voiding.is_(False)).values(voided=True)
        )
    _store_attachments(conn, parts)
    return _store_activities(conn, activities, define)


def _insert_statements(conn, rows: list[_Row], credential: str | None) -> list[int]:
    """Insert the statement rows; return their sequence numbers in order."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values = [
        (
            r.id,
            r.stored_us,
            False,
            r.is_voiding,
            credential,
            lookup_keys.encode_keys(r.keys),
            r.payload,
        )
        for r in rows
    ]
    sql = (
        "INSERT INTO lrs_statement "
        "(id, stored_us, voided, is_voiding, credential, key_hashes, payload) "
        f"VALUES ({', '.join([marker] * 7)})"
    )
    conn.exec_driver_sql(sql, values)
    if conn.dialect.name == "sqlite":
        # Inside the write transaction the rows took consecutive rowids ending at the last one.
        last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
        return list(range(last - len(rows) + 1, last + 1))
    seq_of = dict(
        conn.execute(select(_S.c.id, _S.c.seq).where(_S.c.id.in_([r.id for r in rows]))).all()
    )
    return [seq_of[r.id] for r in rows]


def _store_attachments(conn, parts: dict[str, tuple[str, bytes]]) -> None:
    if not parts:
        return
    t = Attachment.__table__
    have = set(conn.execute(select(t.c.sha2).where(t.c.sha2.in_(list(parts)))).scalars())
    rows = [
        {"sha2": k, "content_type": ct, "content": body}
        for k, (ct, body) in parts.items()
        if k not in have
    ]
    if rows:
        conn.execute(insert(t), rows)


def _activities(statements: Iterable[dict]) -> dict[str, dict | None]:
    found: dict[str, dict | None] = {}
    for statement in statements:
        for holder in (statement, statement["object"]):
            obj = holder.get("object")
            candidates = (
                [obj]
                if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity"
                else []
            )
            for items in ((holder.get("context") or {}).get("contextActivities") or {}).values():
                candidates += items
            for activity in candidates:
                if activity.get("definition") or activity["id"] not in found:
                    found[activity["id"]] = activity.get("definition")
    return found


def _store_activities(conn, found: dict[str, dict | None], define: bool) -> dict[str, dict | None]:
    """Record new activities and (when `define`) changed definitions; return what to cache.

    The cache maps an activity id to the definition last seen to leave the stored one as it is,
    so a repeated definition costs no query.
    """
    t = Activity.__table__
    cache = _ACTIVITY_CACHES.get(str(conn.engine.url), {})
    changed = {
        k: v for k, v in found.items() if k not in cache or (v is not None and cache[k] != v)
    }
    if not changed:
        return {}
    held = dict(conn.execute(select(t.c.id, t.c.definition).where(t.c.id.in_(changed))).all())
    learned: dict[str, dict | None] = {}
    for activity_id, definition in changed.items():
        text = dumps(definition) if definition else None
        if activity_id not in held:
            conn.execute(insert(t).values(id=activity_id, definition=text))
        elif define and text is not None and held[activity_id] != text:
            merged = dumps({**json.loads(held[activity_id] or "{}"), **definition})
            if merged != held[activity_id]:
                conn.execute(update(t).where(t.c.id == activity_id).values(definition=merged))
        if define or activity_id not in held:
            learned[activity_id] = definition
    return learned
