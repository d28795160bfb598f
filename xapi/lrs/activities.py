"""Activities named by stored statements, and the canonical definition the LRS keeps of each.

A new activity is recorded with the definition it first came with; a key with the `define`
scope changes a known one by merging its definition into the held one: key by key, and the
language maps (`name`, `description`) and `extensions` entry by entry, so two statements that
describe an activity in two languages leave both (xAPI 1.0.3 Communication 2.5, "all available
information"). Definitions given twice in one batch are merged the same way, in batch order.
The canonical definitions last seen are cached per process, so a definition that adds nothing
costs no query. Writers take activity rows in
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


_MAPS = frozenset(("name", "description", "extensions"))


def merge(held: dict | None, incoming: dict) -> dict:
    """Return `incoming` merged into `held`: key by key, language maps and extensions by entry.

    A language tag given again in another case replaces the held one (`en-gb` and `en-GB` name
    one language).
    """
    if not held:
        return incoming
    out = dict(held)
    for key, value in incoming.items():
        old = out.get(key)
        if key in _MAPS and isinstance(old, dict) and isinstance(value, dict):
            if key == "extensions":
                out[key] = {**old, **value}
            else:
                lowered = {tag.lower() for tag in value}
                kept = {tag: text for tag, text in old.items() if tag.lower() not in lowered}
                out[key] = {**kept, **value}
        else:
            out[key] = value
    return out


def found_in(statements: Iterable[dict]) -> dict[str, dict | None]:
    """Return the activities statements name (object, context activities, in SubStatements).

    Each id maps to the definitions given for it merged in batch order, or None when none is.
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
                definition = activity.get("definition")
                if definition:
                    found[activity["id"]] = merge(found.get(activity["id"]), definition)
                elif activity["id"] not in found:
                    found[activity["id"]] = None
    return found


def _adds_nothing(known: dict | None, definition: dict | None) -> bool:
    return definition is None or known == definition or merge(known, definition) == known


def store(conn: Connection, found: dict[str, dict | None], define: bool) -> dict[str, dict | None]:
    """Record new activities and (when `define`) changed definitions; return what to remember."""
    cache = _CACHES.get(str(conn.engine.url), {})
    changed = sorted(
        k for k, v in found.items() if k not in cache or not _adds_nothing(cache[k], v)
    )
    if not changed:
        return {}
    held = dict(conn.execute(select(_T.c.id, _T.c.definition).where(_T.c.id.in_(changed))).all())
    new = [k for k in changed if k not in held]
    rows = [{"id": k, "definition": jsonio.dumps(found[k]) if found[k] else None} for k in new]
    inserted = insert_new(conn, _T, rows, ["id"])
    known = [k for k in changed if k not in inserted]  # held, or inserted meanwhile by another
    learned = {k: found[k] for k in inserted}
    canonical = {k: json.loads(held[k]) if held.get(k) else None for k in known}
    to_merge = [k for k in known if not _adds_nothing(canonical[k], found[k])]
    if not define or not to_merge:
        learned.update((k, canonical[k]) for k in known if k not in to_merge)
        return learned
    locked = dict(
        conn.execute(
            select(_T.c.id, _T.c.definition)
            .where(_T.c.id.in_(to_merge))
            .order_by(_T.c.id)
            .with_for_update()
        ).all()
    )
    updates = []
    for k in known:
        if k not in to_merge:
            learned[k] = canonical[k]
            continue
        current = json.loads(locked[k]) if locked.get(k) else None
        learned[k] = merged = merge(current, found[k])
        if merged != current:
            updates.append({"key": k, "merged": jsonio.dumps(merged)})
    if updates:
        conn.execute(
            update(_T).where(_T.c.id == bindparam("key")).values(definition=bindparam("merged")),
            updates,
        )
    return learned


def remember(engine: Engine, learned: dict[str, dict | None]) -> None:
    """After a commit, cache the definitions just stored or left as held."""
    cache = _CACHES.setdefault(str(engine.url), {})
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    cache.update(learned)
