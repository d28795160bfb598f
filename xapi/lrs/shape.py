"""Statement shapes: equivalence per the comparison rules, and the ids and canonical formats."""

from __future__ import annotations

from typing import Any

from xapi.lrs import formats
from xapi.lrs.lookup_keys import agent_ifi

_IGNORED = ("id", "stored", "authority", "version", "timestamp")


def _normal(value: Any, key: str | None = None) -> Any:
    """Return a comparable form: lower-case language tags and UUIDs, instants, durations.

    A duration counts to the hundredth of a second: xAPI 1.0.3 Data 4.6 and 2.0 4.2.7 leave
    finer precision out of every comparison (a signed statement's among them).
    """
    if isinstance(value, dict):
        if key in {"display", "name", "description"} and all(
            isinstance(v, str) for v in value.values()
        ):
            return {k.lower(): v for k, v in value.items()}
        return {k: _normal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str) and (
        key in {"registration"} or (key == "id" and formats.is_uuid(value))
    ):
        return value.lower()
    if isinstance(value, str) and key == "timestamp":
        moment = formats.parse_timestamp(value)
        return formats.to_micros(moment) if moment else value
    if isinstance(value, str) and key == "duration":
        return formats.duration_hundredths(value)
    return value


def comparable(statement: dict, *, with_timestamp: bool = True) -> Any:
    """Return the statement without the properties the LRS may set, normalised for comparison."""
    ignored = _IGNORED if not with_timestamp else _IGNORED[:-1]
    return _normal({k: v for k, v in statement.items() if k not in ignored})


def equivalent(incoming: dict, held: dict) -> bool:
    """Return True when an incoming statement matches a held one per the comparison rules."""
    assigned = held.get("timestamp") == held.get("stored")
    with_ts = "timestamp" in incoming and not assigned
    return comparable(incoming, with_timestamp=with_ts) == comparable(held, with_timestamp=with_ts)


def _agent_ids(agent: dict) -> dict:
    out = {"objectType": agent.get("objectType", "Agent")}
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            out[key] = agent[key]
    if out["objectType"] == "Group" and agent_ifi(agent) is None:
        out["member"] = [_agent_ids(m) for m in agent.get("member", [])]
    return out


def _object_ids(obj: dict) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": obj["id"]}
    if kind in {"Agent", "Group"}:
        return _agent_ids(obj)
    if kind == "SubStatement":
        return _ids_body(obj)
    return obj


def _ids_body(statement: dict) -> dict:
    out = dict(statement)
    out["actor"] = _agent_ids(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _object_ids(statement["object"])
    context = statement.get("context")
    if context:
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _agent_ids(context[key])
        for key, member in (("contextAgents", "agent"), ("contextGroups", "group")):
            if key in context:
                context[key] = [{**item, member: _agent_ids(item[member])} for item in context[key]]
        if "contextActivities" in context:
            context["contextActivities"] = {
                k: [{"id": a["id"]} for a in v] for k, v in context["contextActivities"].items()
            }
        out["context"] = context
    if "authority" in statement:
        out["authority"] = _agent_ids(statement["authority"])
    return out


def to_ids(statement: dict) -> dict:
    """Return the `format=ids` form: agents, activities and verbs reduced to their identifiers.

    An Activity keeps only its id (its objectType is optional and not an identifier).
    """
    return _ids_body(statement)


def pick_language(value: dict, accepted: list[str]) -> dict:
    """Return a language map reduced to the best entry for the Accept-Language preferences."""
    if not value:
        return value
    lowered = {k.lower(): k for k in value}
    for wanted in accepted:
        wanted = wanted.lower()
        if wanted in lowered:
            return {lowered[wanted]: value[lowered[wanted]]}
        for low, original in lowered.items():
            if low.split("-")[0] == wanted.split("-")[0]:
                return {original: value[original]}
    first = next(iter(value))
    return {first: value[first]}


def _canonical_activity(activity: dict, canon: dict[str, dict], accepted: list[str]) -> dict:
    definition = canon.get(activity["id"], activity.get("definition"))
    out = {"objectType": "Activity", "id": activity["id"]}
    if definition:
        definition = dict(definition)
        for key in ("name", "description"):
            if isinstance(definition.get(key), dict):
                definition[key] = pick_language(definition[key], accepted)
        out["definition"] = definition
    return out


def to_canonical(statement: dict, canon: dict[str, dict], accepted: list[str]) -> dict:
    """Return the `format=canonical` form: canonical definitions, one language per map.

    A SubStatement object is given the same treatment (its verb and activities).
    """
    out = dict(statement)
    verb = dict(statement["verb"])
    if isinstance(verb.get("display"), dict):
        verb["display"] = pick_language(verb["display"], accepted)
    out["verb"] = verb
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        out["object"] = _canonical_activity(obj, canon, accepted)
    elif kind == "SubStatement":
        out["object"] = to_canonical(obj, canon, accepted)
    context = statement.get("context")
    if context and "contextActivities" in context:
        context = dict(context)
        context["contextActivities"] = {
            k: [_canonical_activity(a, canon, accepted) for a in v]
            for k, v in context["contextActivities"].items()
        }
        out["context"] = context
    return out


def activity_ids(statement: dict) -> set[str]:
    """Return the ids of every Activity a statement names (object and context activities)."""
    found = set()
    for holder in (statement, statement.get("object", {})):
        obj = holder.get("object")
        if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
            found.add(obj["id"])
        for items in ((holder.get("context") or {}).get("contextActivities") or {}).values():
            found.update(a["id"] for a in items)
    return found
