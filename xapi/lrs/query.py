"""Reading statements: single lookups and filtered keyset-paged queries, newest first."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    and_,
    exists,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from xapi.lrs import indexing, jsonio, lookup_keys
from xapi.lrs.models import Activity, Attachment, Statement, StatementKey

_S = Statement.__table__
_K = StatementKey.__table__
MAX_LIMIT = 500
_ENTRIES = ARRAY(BigInteger)


@dataclass
class StatementQuery:
    """The filters of a statements query; every one is optional."""

    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since_us: int | None = None
    until_us: int | None = None
    limit: int = 0
    ascending: bool = False
    mine: str | None = None
    learner: str | None = None
    course: str | None = None
    after: tuple[int, int] | None = None
    include_voided: bool = False

    def key_hashes(self) -> list[tuple[int, bool]]:
        """Return (key hash, must be direct) pairs every result must hold, most selective first."""
        wanted = []
        if self.registration:
            wanted.append((lookup_keys.key_hash("R", self.registration.lower()), True))
        if self.agent is not None:
            ifi = lookup_keys.agent_ifi(self.agent) or ""
            wanted.append((lookup_keys.key_hash("a", ifi), not self.related_agents))
        if self.activity:
            wanted.append((lookup_keys.key_hash("v", self.activity), not self.related_activities))
        if self.learner:
            wanted.append((lookup_keys.key_hash("N", self.learner), True))
        if self.course:
            wanted.append((lookup_keys.key_hash("G", self.course), True))
        if self.verb:
            wanted.append((lookup_keys.key_hash("B", self.verb), True))
        return wanted


@dataclass
class Page:
    """One page of results and the cursor of the next page, if any."""

    rows: list[tuple[int, int, str]] = field(default_factory=list)
    next_after: tuple[int, int] | None = None

    def statements(self) -> list[dict]:
        """Return the statements of the page."""
        return [jsonio.loads(payload) for _, _, payload in self.rows]


def _reader(source: Engine | Connection):
    """Return a context giving the connection to read with, every waiting lookup key indexed.

    An engine gives a new connection. A caller's connection is used as it is, inside the
    caller's transaction: on SQLite the waiting keys are indexed in that transaction (another
    writer would wait for the caller's own write lock), so it must be one that may write.
    """
    if isinstance(source, Connection):
        if source.dialect.name == "sqlite":
            indexing.index_pending(source)
        return nullcontext(source)
    indexing.ensure_indexed(source)
    return source.connect()


def matching(q: StatementQuery, *columns, dialect: str):
    """Return (select of `columns` over the statements matching q's filters, stored, seq).

    The filters every reader shares: lookup keys, voided, credential, stored range. Paging,
    order and limit are the caller's. `dialect` is the database's: SQLite reads its key table,
    PostgreSQL the statements' GIN-indexed `lookup` arrays.
    """
    wanted = q.key_hashes()
    if wanted and dialect == "postgresql":
        stored, seq = _S.c.stored_us, _S.c.seq
        if q.registration or q.learner or (q.agent is not None and not q.related_agents):
            # One person's or one registration's statements are few: read them through the
            # GIN index and sort them. `+ 0` keeps the planner from walking the stored-time
            # index newest first instead, as it does for any key when the table has no
            # statistics yet (a fresh or restored store), reading nearly every row.
            stored = _S.c.stored_us + literal_column("0")
        stmt = select(*columns).where(*lookup_filters(wanted))
    elif wanted:
        first = aliased(_K, name="k0")
        stored, seq = first.c.stored_us, first.c.seq
        stmt = (
            select(*columns)
            .select_from(first.join(_S, _S.c.seq == first.c.seq))
            .where(first.c.h == wanted[0][0])
        )
        if wanted[0][1]:
            stmt = stmt.where(first.c.direct.is_(True))
        for n, (h, direct) in enumerate(wanted[1:], start=1):
            other = aliased(_K, name=f"k{n}")
            probe = [other.c.h == h, other.c.stored_us == stored, other.c.seq == seq]
            if direct:
                probe.append(other.c.direct.is_(True))
            stmt = stmt.where(exists().where(*probe))
    else:
        stored, seq = _S.c.stored_us, _S.c.seq
        stmt = select(*columns)
    if not q.include_voided:
        stmt = stmt.where(_S.c.voided.is_(False))
    if q.mine:
        stmt = stmt.where(_S.c.credential == q.mine)
    if q.since_us is not None:
        stmt = stmt.where(stored > q.since_us)
    if q.until_us is not None:
        stmt = stmt.where(stored <= q.until_us)
    return stmt, stored, seq


def lookup_filters(wanted: list[tuple[int, bool]]) -> list:
    """Return PostgreSQL conditions on `lookup` for (key hash, must be direct) pairs.

    A direct key is held as `~h` (see `lookup_keys.lookup_entries`); a related one as either.
    """
    filters = []
    direct = [~h for h, must_be_direct in wanted if must_be_direct]
    if direct:
        filters.append(_S.c.lookup.op("@>")(literal(direct, _ENTRIES)))
    filters += [
        _S.c.lookup.op("&&")(literal([h, ~h], _ENTRIES))
        for h, must_be_direct in wanted
        if not must_be_direct
    ]
    return filters


def query_statements(source: Engine | Connection, q: StatementQuery) -> Page:
    """Return one page of statements matching the query (unvoided unless asked).

    `source` is the store's engine, or a connection to read inside its transaction.
    """
    limit = MAX_LIMIT if q.limit <= 0 else min(q.limit, MAX_LIMIT)
    columns = (_S.c.seq, _S.c.stored_us, _S.c.payload)
    stmt, stored, seq = matching(q, *columns, dialect=source.dialect.name)
    if q.after is not None:
        a_stored, a_seq = q.after
        if q.ascending:
            stmt = stmt.where(
                stored >= a_stored, or_(stored > a_stored, and_(stored == a_stored, seq > a_seq))
            )
        else:
            stmt = stmt.where(
                stored <= a_stored, or_(stored < a_stored, and_(stored == a_stored, seq < a_seq))
            )
    order = (stored.asc(), seq.asc()) if q.ascending else (stored.desc(), seq.desc())
    stmt = stmt.order_by(*order).limit(limit + 1)
    with _reader(source) as conn:
        rows = [tuple(row) for row in conn.execute(stmt)]
    page = Page(rows=[(r[0], r[1], r[2]) for r in rows[:limit]])
    if len(rows) > limit:
        page.next_after = (page.rows[-1][1], page.rows[-1][0])
    return page


def get_statement(engine: Engine, statement_id: str) -> tuple[dict, bool] | None:
    """Return (statement, voided) for an id, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_S.c.payload, _S.c.voided).where(_S.c.id == statement_id.lower())
        ).first()
    return (json.loads(row.payload), row.voided) if row else None


def canonical_definitions(engine: Engine, activity_ids: set[str]) -> dict[str, dict]:
    """Return the canonical definitions of some activities."""
    if not activity_ids:
        return {}
    t = Activity.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.id, t.c.definition).where(t.c.id.in_(activity_ids)))
        return {r.id: json.loads(r.definition) for r in rows if r.definition}


def get_activity(engine: Engine, activity_id: str) -> dict | None:
    """Return the Activity object the LRS holds for an id, or None."""
    t = Activity.__table__
    with engine.connect() as conn:
        row = conn.execute(select(t.c.definition).where(t.c.id == activity_id)).first()
    if row is None:
        return None
    out = {"objectType": "Activity", "id": activity_id}
    if row.definition:
        out["definition"] = json.loads(row.definition)
    return out


def get_attachments(engine: Engine, statements: list[dict]) -> list[tuple[str, str, bytes]]:
    """Return (sha2, content type, content) of the attachments the statements reference.

    Parts come in the order the statements first reference them, whatever order the store
    keeps them in.
    """
    wanted = list(
        dict.fromkeys(a["sha2"].lower() for s in statements for a in s.get("attachments", []))
    )
    if not wanted:
        return []
    t = Attachment.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.sha2, t.c.content_type, t.c.content).where(t.c.sha2.in_(wanted))
        )
        held = {r.sha2: (r.sha2, r.content_type, bytes(r.content)) for r in rows}
    return [held[sha2] for sha2 in wanted if sha2 in held]
