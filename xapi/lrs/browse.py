"""What a statement browser needs beyond paging: counts, per-day and per-verb figures, names.

The figures cover the statements matching a `StatementQuery`; per-day and per-verb figures are
taken over at most `FIGURES_CAP` of the newest of them (`Figures.capped` says when more
matched), so a page over a store of millions still answers quickly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Engine, String, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from xapi.lrs import indexing
from xapi.lrs.models import Activity, Statement
from xapi.lrs.query import StatementQuery, matching

_S = Statement.__table__
_A = Activity.__table__
DAY_US = 86_400_000_000
FIGURES_CAP = 200_000


@dataclass
class Figures:
    """Counts of the matching statements per stored day and per verb."""

    per_day: list[tuple[date, int]] = field(default_factory=list)
    per_verb: list[tuple[str, str, int]] = field(default_factory=list)  # id, display, count
    counted: int = 0
    capped: bool = False


def count_matching(engine: Engine, q: StatementQuery) -> int:
    """Return how many statements match the query's filters."""
    indexing.ensure_indexed(engine)
    stmt, _, _ = matching(q, _S.c.seq, dialect=engine.dialect.name)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def _verb_columns(engine: Engine):
    if engine.dialect.name == "postgresql":
        doc = cast(_S.c.payload, JSONB)["verb"]
        return doc["id"].astext, cast(doc["display"], String)
    return (
        func.json_extract(_S.c.payload, "$.verb.id"),
        func.json_extract(_S.c.payload, "$.verb.display"),
    )


def display_text(display: dict | str | None, fallback: str) -> str:
    """Return a language map's English text (en-GB, en-US, en, then any), else `fallback`."""
    if isinstance(display, str):
        try:
            display = json.loads(display)
        except ValueError:
            return fallback
    if not isinstance(display, dict) or not display:
        return fallback
    for tag in ("en-GB", "en-US", "en"):
        if display.get(tag):
            return display[tag]
    return next(iter(display.values()))


def figures(engine: Engine, q: StatementQuery, cap: int = FIGURES_CAP) -> Figures:
    """Return per-day and per-verb counts of the newest matching statements (at most `cap`)."""
    indexing.ensure_indexed(engine)
    verb_id, verb_display = _verb_columns(engine)
    columns = (_S.c.stored_us.label("stored"), verb_id.label("verb"), verb_display.label("display"))
    stmt, stored, seq = matching(q, *columns, dialect=engine.dialect.name)
    ordered = stmt.order_by(stored.desc(), seq.desc())
    newest = ordered.limit(cap).subquery()
    day = (newest.c.stored // DAY_US).label("day")
    with engine.connect() as conn:
        more = conn.execute(ordered.offset(cap).limit(1)).first() is not None
        days = conn.execute(select(day, func.count()).group_by(day).order_by(day)).all()
        verbs = conn.execute(
            select(newest.c.verb, func.max(newest.c.display), func.count())
            .group_by(newest.c.verb)
            .order_by(func.count().desc(), newest.c.verb)
        ).all()
    out = Figures(counted=sum(n for _, n in days), capped=more)
    out.per_day = [(datetime.fromtimestamp(d * 86_400, UTC).date(), n) for d, n in days]
    out.per_verb = [(v, display_text(d, v.rsplit("/", 1)[-1]), n) for v, d, n in verbs if v]
    return out


def find_activities(engine: Engine, text: str, limit: int = 20) -> list[tuple[str, str]]:
    """Return (id, name) of activities whose name or id holds every word of `text` (any case)."""
    words = text.lower().split()
    if not words:
        return []
    first = max(words, key=len)
    pattern = "%" + first.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with engine.connect() as conn:
        rows = conn.execute(
            select(_A.c.id, _A.c.definition)
            .where(
                func.lower(_A.c.definition).like(pattern, escape="\\")
                | func.lower(_A.c.id).like(pattern, escape="\\")
            )
            .order_by(_A.c.id)
            .limit(limit * 10)
        ).all()
    found = []
    for activity_id, definition in rows:
        parsed = json.loads(definition) if definition else {}
        name = display_text(parsed.get("name"), activity_id)
        haystack = f"{name} {activity_id}".lower()
        if all(word in haystack for word in words):
            found.append((activity_id, name))
    found.sort(key=lambda f: f[1].lower())
    return found[:limit]


def activity_types(engine: Engine, ids: list[str]) -> dict[str, str | None]:
    """Return the type of each activity the store has a definition for."""
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(_A.c.id, _A.c.definition).where(_A.c.id.in_(ids))).all()
    return {i: (json.loads(d) if d else {}).get("type") for i, d in rows}


def voided_among(engine: Engine, ids: list[str]) -> set[str]:
    """Return which of these statement ids are voided."""
    if not ids:
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            select(_S.c.id).where(_S.c.id.in_([i.lower() for i in ids]), _S.c.voided.is_(True))
        )
        return {r.id for r in rows}


def holds_learner(engine: Engine, account: str) -> bool:
    """Return True when some statement's actor has this account name."""
    indexing.ensure_indexed(engine)
    q = StatementQuery(learner=account, include_voided=True)
    stmt, _, _ = matching(q, _S.c.seq, dialect=engine.dialect.name)
    with engine.connect() as conn:
        return conn.execute(stmt.limit(1)).first() is not None
