"""The Person object of the Agents resource: what stored statements tell about one person.

Worked out at query time from the lookup-key index, with bounded reads:

- names: the `name` of the agent as actor or object (or member of such a Group) in the newest
  `NAME_SCAN` statements about each of the person's identifiers, voided ones included, newest
  first; a name sent with the request comes first.
- identifiers: the asked one, then those a `PersonResolver` says belong to the same person, and
  theirs in turn, up to `MAX_IDENTIFIERS`. Which identifiers are one person is the deployment's
  rule, not xAPI's: the app that serves the LRS injects a resolver (`http.init_app(...,
  persons=...)`); the default, `NoLinks`, treats every identifier as a person of its own.

A resolver reads statements only through the `StatementReads` it is handed, which keeps to what
the requesting key may read (all statements, or only those stored with the key).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Protocol

from sqlalchemy import Engine

from xapi.lrs import indexing, lookup_keys
from xapi.lrs.models import Statement
from xapi.lrs.query import StatementQuery, matching, query_statements

_S = Statement.__table__
NAME_SCAN = 200
MAX_IDENTIFIERS = 10
IFI_FIELDS = ("mbox", "mbox_sha1sum", "openid", "account")


class StatementReads:
    """Bounded, cached reads of one Agents request; `mine` limits them to one key's statements."""

    def __init__(self, engine: Engine, mine: str | None = None):
        self.engine, self.mine = engine, mine
        self._about: dict[str, list[dict]] = {}
        self._found: dict[tuple[str, str | None, int], list[dict]] = {}
        indexing.ensure_indexed(engine)

    def about(self, agent: dict) -> list[dict]:
        """Return the newest NAME_SCAN statements with the agent as actor or object.

        Voided statements are included, newest first.
        """
        ifi = lookup_keys.agent_ifi(agent) or ""
        if ifi not in self._about:
            q = StatementQuery(agent=agent, mine=self.mine, include_voided=True)
            stmt, stored, seq = matching(q, _S.c.payload, dialect=self.engine.dialect.name)
            stmt = stmt.order_by(stored.desc(), seq.desc()).limit(NAME_SCAN)
            with self.engine.connect() as conn:
                self._about[ifi] = [json.loads(p) for p in conn.execute(stmt).scalars()]
        return self._about[ifi]

    def find(self, verb: str, *, agent: dict | None = None, limit: int) -> list[dict]:
        """Return the newest `limit` statements (not voided) with a verb, about `agent` if given.

        "About" is xAPI's agent filter: the agent as actor or object.
        """
        key = (verb, lookup_keys.agent_ifi(agent) if agent else None, limit)
        if key not in self._found:
            query = StatementQuery(agent=agent, verb=verb, limit=limit, mine=self.mine)
            self._found[key] = query_statements(self.engine, query).statements()
        return self._found[key]


class PersonResolver(Protocol):
    """Which identified agents are one person: the deployment's rule, injected by the app."""

    def same_person(self, agent: dict, reads: StatementReads) -> Iterable[dict]:
        """Yield other identifiers of the person `agent` identifies, each an Agent object.

        `agent` holds one identifier (`mbox`, `mbox_sha1sum`, `openid` or `account`); so does
        each Agent yielded. Order matters: the Person lists identifiers as they are found.
        """


class NoLinks:
    """The default resolver: every identifier is a person of its own."""

    def same_person(self, agent: dict, reads: StatementReads) -> Iterable[dict]:
        """Yield nothing."""
        return ()


def _agents(holder: object) -> Iterator[dict]:
    """Yield an Agent or Group and a Group's members."""
    if isinstance(holder, dict) and holder.get("objectType", "Agent") in {"Agent", "Group"}:
        yield holder
        yield from (m for m in holder.get("member", []) if isinstance(m, dict))


def _names(statements: list[dict], ifi: str) -> Iterator[str]:
    """Yield the names the identified agent is given as actor or object, newest first."""
    for statement in statements:
        for holder in (statement["actor"], statement["object"]):
            for agent in _agents(holder):
                if lookup_keys.agent_ifi(agent) == ifi and isinstance(agent.get("name"), str):
                    yield agent["name"]


def _identifier(agent: object) -> dict | None:
    """Return the identifier of an Agent as {field: value}, or None when it has none."""
    if not isinstance(agent, dict) or lookup_keys.agent_ifi(agent) is None:
        return None
    return next({f: agent[f]} for f in IFI_FIELDS if f in agent)


def person(
    engine: Engine,
    agent: dict,
    *,
    statements: bool = True,
    mine: str | None = None,
    resolver: PersonResolver | None = None,
) -> dict:
    """Return the Person object for an identified agent.

    Without `statements` only the request's agent is described (and no resolver is asked);
    with `mine` only statements stored with that credential are read.
    """
    asked = {k: agent[k] for k in ("objectType", *IFI_FIELDS) if k in agent}
    identifiers, names = [asked], [agent["name"]] if isinstance(agent.get("name"), str) else []
    if statements:
        reads = StatementReads(engine, mine)
        resolver = resolver or NoLinks()
        seen = {lookup_keys.agent_ifi(asked)}
        for ident in identifiers:  # grows while links are followed
            names.extend(_names(reads.about(ident), lookup_keys.agent_ifi(ident)))
            for other in resolver.same_person(ident, reads):
                found = _identifier(other)
                ifi = lookup_keys.agent_ifi(found) if found else None
                if ifi and ifi not in seen and len(identifiers) < MAX_IDENTIFIERS:
                    seen.add(ifi)
                    identifiers.append(found)
    out: dict = {"objectType": "Person"}
    if names:
        out["name"] = list(dict.fromkeys(names))
    for field in IFI_FIELDS:
        values = [ident[field] for ident in identifiers if field in ident]
        if values:
            out[field] = values
    return out
