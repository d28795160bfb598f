"""Lookup keys of a statement: what the query parameters match, hashed to 64-bit integers.

Kinds: `a` agent, `v` activity, `B` verb, `R` registration, `N` learner (account name of the
actor), `G` grouping (course) activity. Each key is *direct* or not: an agent key is direct when
the agent (or a member of the group) is the actor or object, an activity key when the activity is
the object; the other uses (authority, instructor, team, context activities, SubStatement) make
the key match only the `related_agents` / `related_activities` forms of a query.
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


def statement_keys(statement: dict) -> dict[int, bool]:
    """Return the lookup key hashes of a statement, each with whether it is direct."""
    direct: set[tuple[str, str]] = set()
    related: set[tuple[str, str]] = set()
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    for agent in (*_agents(statement["actor"]), *(_agents(obj) if kind != "Activity" else ())):
        if ifi := agent_ifi(agent):
            direct.add(("a", ifi))
    if account := statement["actor"].get("account"):
        direct.add(("N", str(account.get("name"))))
    if kind == "Activity":
        direct.add(("v", obj["id"]))
    direct.add(("B", statement["verb"]["id"]))
    context = statement.get("context") or {}
    if "registration" in context:
        direct.add(("R", context["registration"].lower()))
    for ca_kind, activity_id in _context_activities(context):
        related.add(("v", activity_id))
        if ca_kind == "grouping":
            direct.add(("G", activity_id))
    holders = [statement.get("authority"), context.get("instructor"), context.get("team")]
    if kind == "SubStatement":
        sub_context = obj.get("context") or {}
        holders += [
            obj["actor"],
            obj["object"],
            sub_context.get("instructor"),
            sub_context.get("team"),
        ]
        if obj["object"].get("objectType", "Activity") == "Activity":
            related.add(("v", obj["object"]["id"]))
        related.update(("v", a) for _, a in _context_activities(sub_context))
    for holder in holders:
        for agent in _agents(holder):
            if ifi := agent_ifi(agent):
                related.add(("a", ifi))
    found = {key_hash(k, v): False for k, v in related}
    found.update({key_hash(k, v): True for k, v in direct})
    return found


def encode_keys(found: dict[int, bool]) -> str:
    """Return the text form of a statement's keys (`d` marks a direct key)."""
    return ",".join(f"{h}d" if is_direct else str(h) for h, is_direct in found.items())


def decode_keys(text: str) -> dict[int, bool]:
    """Return the keys of `encode_keys` text."""
    return {int(item.rstrip("d")): item.endswith("d") for item in text.split(",") if item}
