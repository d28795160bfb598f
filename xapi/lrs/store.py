"""Writing statements: validation, conflict checks, voiding, lookup keys, attachments, activities.

The storage layer works on a SQLAlchemy `Engine` and knows no web framework.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from xapi import jsonio
from xapi.lrs import attachments as att
from xapi.lrs import formats, keys, shape
from xapi.lrs.errors import BadRequest, Conflict
from xapi.lrs.models import Activity, Attachment, Statement, StatementKey
from xapi.lrs.validate import VOIDED, normalize, validate_statements

_S = Statement.__table__
_K = StatementKey.__table__
_ACTIVITY_CACHES: dict[str, dict[str, dict | None]] = {}
_LAST_CHECKPOINT: dict[str, float] = {}
CHECKPOINT_SECONDS = 5.0


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
    rows = _rows(statements)
    activities = _activities(statements)
    for attempt in range(3):
        try:
            with writer(engine), engine.begin() as conn:
                learned = _write(conn, statements, rows, credential, parts, activities, define)
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
                keys.statement_keys(statement),
                dumps(statement),
                obj["id"].lower() if is_ref else None,
            )
        )
    return rows


class _FileLock:
    """Serialise the writers of one SQLite file across threads and processes.

    SQLite's own busy handler polls for its write lock with sleeps of a millisecond or more, which
    wastes most of the time two busy workers have; waiting on a kernel lock wakes at once.
    """

    def __init__(self, path: str | None):
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def __enter__(self) -> None:
        self.thread_lock.acquire()
        if self.path is None:
            return
        try:
            if self.fd is None or self.pid != os.getpid():
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self.pid = os.getpid()
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise

    def __exit__(self, *exc) -> None:
        try:
            if self.path is not None and self.fd is not None:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()


_FILE_LOCKS: dict[str, _FileLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def writer(engine: Engine):
    """Return the lock that serialises this engine's statement writers (none on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return _NO_LOCK
    key = str(engine.url)
    lock = _FILE_LOCKS.get(key)
    if lock is None:
        with _FILE_LOCKS_GUARD:
            database = engine.url.database
            on_disk = database and database != ":memory:" and not database.startswith("file:")
            lock = _FILE_LOCKS.setdefault(key, _FileLock(f"{database}.lock" if on_disk else None))
    return lock


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
    with writer(engine), engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


_NO_LOCK = _NoLock()


def _write(
    conn,
    statements: list[dict],
    rows: list[_Row],
    credential: str | None,
    parts: dict,
    activities: dict[str, dict | None],
    define: bool,
) -> dict[str, dict | None]:
    held = dict(
        conn.execute(select(_S.c.id, _S.c.payload).where(_S.c.id.in_([r.id for r in rows]))).all()
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
            for h, is_direct in keys.decode_keys(target.key_hashes).items():
                row.keys[h] = row.keys.get(h, False) or is_direct
    seqs = _insert_statements(conn, fresh, credential)
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    key_rows = sorted(
        (h, row.stored_us, seq, is_direct)
        for row, seq in zip(fresh, seqs, strict=True)
        for h, is_direct in row.keys.items()
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
    return _store_activities(conn, activities, define)


def _insert_statements(conn, rows: list[_Row], credential: str | None) -> list[int]:
    """Insert the statement rows; return their sequence numbers in order."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values = [
        (r.id, r.stored_us, False, r.is_voiding, credential, keys.encode_keys(r.keys), r.payload)
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
