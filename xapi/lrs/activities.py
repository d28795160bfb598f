"""Activities named by stored statements, and the canonical definition the LRS keeps of each.

A new activity is recorded with the definition it first came with; a key with the `define`
scope changes a known one by merging its definition over the held one. Definitions last seen
are cached per process, so a repeated definition costs no query. Writers take activity rows in
id order (see `concurrency`): new ones with `INSERT … ON CONFLICT DO NOTHING`, changed ones
locked (`FOR UPDATE` on PostgreSQL) before their definition is merged and written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, bindparam, select, update

from xapi.lrs import jsonio
from xapi.lrs.concurrency import insert_new
from xapi.lrs.models import Activity

_T = Activity.__table__
_CACHES: dict[str, dict[str, dict | None]] = {}
CACHE_LIMIT = 50_000


def found_in(statements: Iterable[dict]) -> dict[str, dict | None]:
    """Return the activities statements name (object, context activities, in SubStatements).

    Each id maps to the last definition given for it, or None when none is given.
    """
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


def _merged(held: str | None, definition: dict) -> str:
    return jsonio.dumps({**json.loads(held or "{}"), **definition})


def store(conn: Connection, found: dict[str, dict | None], define: bool) -> dict[str, dict | None]:
    """Record new activities and (when `define`) changed definitions; return what to remember."""
    cache = _CACHES.get(str(conn.engine.url), {})
    changed = sorted(
        k for k, v in found.items() if k not in cache or (v is not None and cache[k] != v)
    )
    if not changed:
        return {}
    held = dict(conn.execute(select(_T.c.id, _T.c.definition).where(_T.c.id.in_(changed))).all())
    texts = {k: jsonio.dumps(found[k]) if found[k] else None for k in changed}
    new = [k for k in changed if k not in held]
    inserted = insert_new(conn, _T, [{"id": k, "definition": texts[k]} for k in new], ["id"])
    known = [k for k in changed if k not in inserted]  # held, or inserted meanwhile by another
    learned = {k: found[k] for k in inserted}
    if not define:
        return learned
    learned.update((k, found[k]) for k in known)
    to_merge = [k for k in known if texts[k] is not None and held.get(k) != texts[k]]
    if to_merge:
        locked = dict(
            conn.execute(
                select(_T.c.id, _T.c.definition)
                .where(_T.c.id.in_(to_merge))
                .order_by(_T.c.id)
                .with_for_update()
            ).all()
        )
        updates = [
            {"key": k, "merged": merged}
            for k in to_merge
            if (merged := _merged(locked[k], found[k])) != locked[k]
        ]
        if updates:
            conn.execute(
                update(_T)
                .where(_T.c.id == bindparam("key"))
                .values(definition=bindparam("merged")),
                updates,
            )
    return learned


def remember(engine: Engine, learned: dict[str, dict | None]) -> None:
    """After a commit, cache the definitions just stored or left as held."""
    cache = _CACHES.setdefault(str(engine.url), {})
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    cache.update(learned)
