"""Writing statements: validation, conflict checks, voiding, lookup keys, attachments, activities.

The storage layer works on a SQLAlchemy `Engine` and knows no web framework.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from xapi.lrs import attachments as att
from xapi.lrs import formats, keys, shape
from xapi.lrs.errors import BadRequest, Conflict
from xapi.lrs.models import Activity, Attachment, Statement, StatementKey
from xapi.lrs.validate import VOIDED, normalize, validate_statements

_S = Statement.__table__
_K = StatementKey.__table__
_ACTIVITY_CACHES: dict[str, dict[str, str]] = {}
_SQLITE_WRITE = threading.Lock()
_LAST_CHECKPOINT: dict[str, float] = {}
CHECKPOINT_SECONDS = 5.0


def dumps(value: Any) -> str:
    """Serialise JSON compactly."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
        statement.setdefault("id", str(uuid.uuid4()))
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
    for attempt in range(3):
        try:
            with _writer(engine), engine.begin() as conn:
                learned = _write(conn, statements, credential, parts, define)
            if engine.dialect.name == "sqlite":
                _checkpoint(engine)
            cache = _ACTIVITY_CACHES.setdefault(str(engine.url), {})
            if len(cache) > 50_000:
                cache.clear()
            cache.update(learned)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return [s["id"] for s in statements]


def _writer(engine: Engine):
    """Serialise this process's SQLite writers, which would otherwise poll for the file lock."""
    return _SQLITE_WRITE if engine.dialect.name == "sqlite" else _NO_LOCK


def _checkpoint(engine: Engine) -> None:
    """Fold the WAL back into the SQLite file every few seconds and truncate it.

    SQLite's automatic checkpoints cannot restart the WAL while writers never pause, so under a
    steady stream of statements it would grow without bound.
    """
    key = str(engine.url)
    now = time.monotonic()
    if now - _LAST_CHECKPOINT.get(key, now - CHECKPOINT_SECONDS - 1) < CHECKPOINT_SECONDS:
        return
    _LAST_CHECKPOINT[key] = now
    with _SQLITE_WRITE, engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


_NO_LOCK = _NoLock()


def _write(
    conn, statements: list[dict], credential: str | None, parts: dict, define: bool
) -> dict[str, str]:
    ids = [s["id"].lower() for s in statements]
    held = dict(conn.execute(select(_S.c.id, _S.c.payload).where(_S.c.id.in_(ids))).all())
    fresh = []
    for i, statement in enumerate(statements):
        old = held.get(statement["id"].lower())
        if old is None:
            fresh.append(statement)
        elif not shape.equivalent(statement, json.loads(old)):
            raise Conflict(
                f"statement[{i}].id: {statement['id']} is already stored with other content.",
                field=f"statement[{i}].id",
            )
    if not fresh:
        return {}
    refs = {
        s["object"]["id"].lower() for s in fresh if s["object"].get("objectType") == "StatementRef"
    }
    targets = {}
    if refs:
        rows = conn.execute(
            select(_S.c.id, _S.c.is_voiding, _S.c.key_hashes).where(_S.c.id.in_(refs))
        ).all()
        targets = {row.id: row for row in rows}
    voids = []
    rows, key_sets = [], []
    for statement in fresh:
        hashes = keys.statement_keys(statement)
        obj = statement["object"]
        is_voiding = statement["verb"]["id"] == VOIDED
        if obj.get("objectType") == "StatementRef":
            target = targets.get(obj["id"].lower())
            if is_voiding and target is not None and target.is_voiding:
                raise BadRequest(
                    f"statement {statement['id']}: a voiding statement cannot void "
                    "another voiding statement.",
                    field="object.id",
                )
            if is_voiding:
                voids.append(obj["id"].lower())
            if target is not None:
                for h, is_direct in keys.decode_keys(target.key_hashes).items():
                    hashes[h] = hashes.get(h, False) or is_direct
        rows.append(
            {
                "id": statement["id"].lower(),
                "stored_us": formats.to_micros(formats.parse_timestamp(statement["stored"])),
                "voided": False,
                "is_voiding": is_voiding,
                "credential": credential,
                "key_hashes": keys.encode_keys(hashes),
                "payload": dumps(statement),
            }
        )
        key_sets.append(hashes)
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = ("id", "stored_us", "voided", "is_voiding", "credential", "key_hashes", "payload")
    conn.exec_driver_sql(
        f"INSERT INTO lrs_statement ({', '.join(columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})",
        [tuple(row[c] for c in columns) for row in rows],
    )
    fresh_ids = [row["id"] for row in rows]
    seq_of = dict(conn.execute(select(_S.c.id, _S.c.seq).where(_S.c.id.in_(fresh_ids))).all())
    key_rows = sorted(
        (h, row["stored_us"], seq_of[row["id"]], is_direct)
        for row, hashes in zip(rows, key_sets, strict=True)
        for h, is_direct in hashes.items()
    )
    conn.exec_driver_sql(
        "INSERT INTO lrs_statement_key (h, stored_us, seq, direct) "
        f"VALUES ({marker}, {marker}, {marker}, {marker})",
        key_rows,
    )
    if voids:
        conn.execute(
            update(_S).where(_S.c.id.in_(voids), _S.c.is_voiding.is_(False)).values(voided=True)
        )
    _store_attachments(conn, parts)
    return _store_activities(conn, fresh, define)


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


def _store_activities(conn, statements: list[dict], define: bool) -> dict[str, str]:
    """Record new activities and (when `define`) changed definitions; return what to cache."""
    t = Activity.__table__
    cache = _ACTIVITY_CACHES.get(str(conn.engine.url), {})
    found = {k: (dumps(v) if v else None) for k, v in _activities(statements).items()}
    changed = {
        k: v for k, v in found.items() if k not in cache or (v is not None and cache[k] != v)
    }
    if not changed:
        return {}
    held = dict(conn.execute(select(t.c.id, t.c.definition).where(t.c.id.in_(changed))).all())
    learned = {}
    for activity_id, definition in changed.items():
        if activity_id not in held:
            conn.execute(insert(t).values(id=activity_id, definition=definition))
        elif define and definition is not None and held[activity_id] != definition:
            merged = dumps({**json.loads(held[activity_id] or "{}"), **json.loads(definition)})
            if merged != held[activity_id]:
                conn.execute(update(t).where(t.c.id == activity_id).values(definition=merged))
        if define or activity_id not in held:
            learned[activity_id] = definition or held.get(activity_id) or ""
    return learned
