"""Lookup keys of a statement: what the query parameters match, hashed to 64-bit integers.

Kinds: `A` agent as actor/object, `a` related agent, `V` activity as object, `v` related activity,
`B` verb, `R` registration, `N` learner (account name of the actor), `G` grouping activity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=65536)
def key_hash(kind: str, value: str) -> int:
    """Return the signed 64-bit hash of one lookup key."""
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def agent_ifi(agent: dict) -> str | None:
    """Return the canonical text of an Agent's or Group's identifier (type included), or None."""
    kind = agent.get("objectType", "Agent")
    if "mbox" in agent:
        return f"{kind}|mbox|{agent['mbox']}"
    if "mbox_sha1sum" in agent:
        return f"{kind}|sha1|{agent['mbox_sha1sum'].lower()}"
    if "openid" in agent:
        return f"{kind}|openid|{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"{kind}|account|{account.get('homePage')}|{account.get('name')}"
    return None


def _agents(actor: Any) -> Iterator[dict]:
    """Yield an Agent/Group and the members of a Group."""
    if not isinstance(actor, dict):
        return
    if actor.get("objectType", "Agent") in {"Agent", "Group"}:
        yield actor
        yield from (m for m in actor.get("member", []) if isinstance(m, dict))


def _context_activities(context: dict) -> Iterator[tuple[str, str]]:
    for kind, items in (context.get("contextActivities") or {}).items():
        for item in items if isinstance(items, list) else [items]:
            yield kind, item["id"]


def statement_keys(statement: dict) -> set[int]:
    """Return the lookup key hashes of a statement."""
    raw: set[tuple[str, str]] = set()
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    for agent in (*_agents(statement["actor"]), *(_agents(obj) if kind != "Activity" else ())):
        if ifi := agent_ifi(agent):
            raw.add(("A", ifi))
    if account := statement["actor"].get("account"):
        raw.add(("N", str(account.get("name"))))
    if kind == "Activity":
        raw.add(("V", obj["id"]))
    raw.add(("B", statement["verb"]["id"]))
    context = statement.get("context") or {}
    if "registration" in context:
        raw.add(("R", context["registration"].lower()))
    for ca_kind, activity_id in _context_activities(context):
        raw.add(("v", activity_id))
        if ca_kind == "grouping":
            raw.add(("G", activity_id))
    related = [statement.get("authority"), context.get("instructor"), context.get("team")]
    if kind == "SubStatement":
        sub_context = obj.get("context") or {}
        related += [
            obj["actor"],
            obj["object"],
            sub_context.get("instructor"),
            sub_context.get("team"),
        ]
        if obj["object"].get("objectType", "Activity") == "Activity":
            raw.add(("v", obj["object"]["id"]))
        raw.update(("v", a) for _, a in _context_activities(sub_context))
    for holder in related:
        for agent in _agents(holder):
            if ifi := agent_ifi(agent):
                raw.add(("a", ifi))
    raw.update(("a", value) for k, value in list(raw) if k == "A")
    raw.update(("v", value) for k, value in list(raw) if k == "V")
    return {key_hash(k, v) for k, v in raw}
