"""Lookup keys of a statement: what the query parameters match, hashed to 64-bit integers.

Kinds: `a` agent, `v` activity, `B` verb, `R` registration, `N` learner (account name of the
actor), `G` grouping (course) activity. Each key is *direct* or not: an agent key is direct when
the agent (or a member of the group) is the actor or object, an activity key when the activity is
the object; the other uses (authority, instructor, team, xAPI 2.0's contextAgents and
contextGroups, context activities, SubStatement) make the key match only the `related_agents` /
`related_activities` forms of a query.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
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


def _context_actors(context: dict) -> Iterator[Any]:
    """Yield the context's instructor, team and the agents and groups of contextAgents/Groups."""
    yield context.get("instructor")
    yield context.get("team")
    for item in context.get("contextAgents") or ():
        yield item.get("agent")
    for item in context.get("contextGroups") or ():
        yield item.get("group")


def _context_activities(context: dict) -> Iterator[tuple[str, str]]:
    for kind, items in (context.get("contextActivities") or {}).items():
        for item in items if isinstance(items, list) else [items]:
            yield kind, item["id"]


def statement_keys(statement: dict) -> dict[int, bool]:
    """Return the lookup key hashes of a statement, each with whether it is direct."""
    direct: list[tuple[str, str]] = []
    related: list[tuple[str, str]] = []
    actor, obj = statement["actor"], statement["object"]
    kind = obj.get("objectType", "Activity")
    for agent in _agents(actor):
        if ifi := agent_ifi(agent):
            direct.append(("a", ifi))
    if account := actor.get("account"):
        direct.append(("N", str(account.get("name"))))
    if kind == "Activity":
        direct.append(("v", obj["id"]))
    else:
        for agent in _agents(obj):
            if ifi := agent_ifi(agent):
                direct.append(("a", ifi))
    direct.append(("B", statement["verb"]["id"]))
    context = statement.get("context")
    holders = [statement.get("authority")]
    if context:
        if "registration" in context:
            direct.append(("R", context["registration"].lower()))
        for ca_kind, activity_id in _context_activities(context):
            related.append(("v", activity_id))
            if ca_kind == "grouping":
                direct.append(("G", activity_id))
        holders.extend(_context_actors(context))
    if kind == "SubStatement":
        sub_context = obj.get("context") or {}
        holders += [obj["actor"], obj["object"], *_context_actors(sub_context)]
        if obj["object"].get("objectType", "Activity") == "Activity":
            related.append(("v", obj["object"]["id"]))
        related.extend(("v", a) for _, a in _context_activities(sub_context))
    for holder in holders:
        if holder:
            for agent in _agents(holder):
                if ifi := agent_ifi(agent):
                    related.append(("a", ifi))
    found = {key_hash(k, v): False for k, v in related}
    for k, v in direct:
        found[key_hash(k, v)] = True
    return found


def encode_keys(found: dict[int, bool]) -> str:
    """Return the stored form of a statement's keys: a JSON array of direct and related hashes.

    `[[direct, ...], [related, ...]]`, so that SQLite can index them with `json_each`.
    """
    direct, related = [], []
    for h, is_direct in found.items():
        (direct if is_direct else related).append(h)
    return f"[{direct!r},{related!r}]"  # a list of ints prints as JSON


def decode_keys(text: str) -> dict[int, bool]:
    """Return the keys of `encode_keys` text, or of the earlier `h` / `hd` comma list."""
    if text.startswith("["):
        direct, related = json.loads(text)
        found = dict.fromkeys(related, False)
        found.update(dict.fromkeys(direct, True))
        return found
    return {int(item.rstrip("d")): item.endswith("d") for item in text.split(",") if item}


def lookup_entries(found: dict[int, bool]) -> list[int]:
    """Return the entries of PostgreSQL's `lookup` array: `~h` for a direct key, else `h`.

    A direct-only filter then looks for `~h`, a related one for either (`h` or `~h`).
    """
    return [~h if is_direct else h for h, is_direct in found.items()]


def lookup_literal(found: dict[int, bool]) -> str:
    """Return `lookup_entries` as a PostgreSQL array literal (sent within a binary text[])."""
    return "{" + ",".join(map(str, lookup_entries(found))) + "}"
