"""Validation of the reusable parts of a statement: agents, groups, language maps, activities.

Each check raises `Invalid(path, problem)`; paths look like `statement[2].context.team.member[0]`.
"""

from __future__ import annotations

from typing import Any

from xapi.lrs import formats
from xapi.lrs.errors import Invalid

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
COMPONENT_LISTS = {
    "choices": {"choice", "sequencing"},
    "scale": {"likert"},
    "source": {"matching"},
    "target": {"matching"},
    "steps": {"performance"},
}
_DEFINITION_KEYS = {
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    *COMPONENT_LISTS,
}


def obj(value: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    """Check a JSON object with only `allowed` keys, the `required` ones present, no nulls."""
    if not isinstance(value, dict):
        raise Invalid(path, "must be a JSON object.")
    if not allowed.issuperset(value) or None in value.values():
        for key, item in value.items():
            if key not in allowed:
                raise Invalid(
                    f"{path}.{key}", "is not a property the xAPI specification allows here."
                )
            if item is None:
                raise Invalid(f"{path}.{key}", "must not be null.")
    for key in required:
        if key not in value:
            raise Invalid(f"{path}.{key}", "is required.")
    return value


def string(value: Any, path: str) -> str:
    """Check a string."""
    if not isinstance(value, str):
        raise Invalid(path, "must be a string.")
    return value


def boolean(value: Any, path: str) -> bool:
    """Check a JSON boolean."""
    if not isinstance(value, bool):
        raise Invalid(path, "must be true or false.")
    return value


def number(value: Any, path: str) -> float:
    """Check a JSON number (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(path, "must be a number.")
    return value


def iri(value: Any, path: str) -> str:
    """Check an absolute IRI."""
    if not formats.is_iri(value):
        raise Invalid(path, "must be an absolute IRI such as https://example.org/x.")
    return value


def uuid(value: Any, path: str) -> str:
    """Check a UUID."""
    if not formats.is_uuid(value):
        raise Invalid(path, "must be a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301.")
    return value


def timestamp(value: Any, path: str, *, rfc3339: bool = False) -> None:
    """Check an ISO 8601 timestamp with a time zone (with `rfc3339`, RFC 3339's forms too)."""
    if formats.parse_timestamp(value, rfc3339=rfc3339) is None:
        raise Invalid(
            path, "must be an ISO 8601 timestamp with a time zone, e.g. 2024-05-01T12:00:00.000Z."
        )


def language_map(value: Any, path: str) -> None:
    """Check a language map: RFC 5646 tags to strings."""
    if not isinstance(value, dict):
        raise Invalid(path, "must be a language map (an object of language tags to strings).")
    for tag, text in value.items():
        if not formats.is_language_tag(tag):
            raise Invalid(f"{path}.{tag}", "is not an RFC 5646 language tag.")
        if not isinstance(text, str):
            raise Invalid(f"{path}.{tag}", "must be a string.")


def extensions(value: Any, path: str) -> None:
    """Check an extensions object: keys are IRIs, values any JSON (null allowed)."""
    if not isinstance(value, dict):
        raise Invalid(path, "must be a JSON object whose keys are IRIs.")
    for key in value:
        if not formats.is_iri(key):
            raise Invalid(f"{path}.{key}", "extension keys must be IRIs.")


def _account(value: Any, path: str) -> None:
    obj(value, path, {"homePage", "name"}, ("homePage", "name"))
    iri(value["homePage"], f"{path}.homePage")
    string(value["name"], f"{path}.name")


def _ifis(value: dict, path: str, *, required: bool) -> None:
    present = [key for key in IFIS if key in value]
    if len(present) > 1:
        raise Invalid(
            path,
            f"must have exactly one inverse functional identifier, found {', '.join(present)}.",
        )
    if required and not present:
        raise Invalid(
            path,
            "must have one inverse functional identifier (mbox, mbox_sha1sum, openid or account).",
        )
    if "mbox" in value and not formats.is_mailto(value["mbox"]):
        raise Invalid(f"{path}.mbox", "must be a mailto: IRI such as mailto:a@example.org.")
    if "mbox_sha1sum" in value and not formats.is_sha1(value["mbox_sha1sum"]):
        raise Invalid(f"{path}.mbox_sha1sum", "must be a hex SHA-1 digest.")
    if "openid" in value:
        iri(value["openid"], f"{path}.openid")
    if "account" in value:
        _account(value["account"], f"{path}.account")


def agent(value: Any, path: str) -> None:
    """Check an Agent: exactly one IFI, optional name and objectType "Agent"."""
    obj(value, path, {"objectType", "name", *IFIS})
    if value.get("objectType", "Agent") != "Agent":
        raise Invalid(f"{path}.objectType", 'must be "Agent".')
    if "name" in value:
        string(value["name"], f"{path}.name")
    _ifis(value, path, required=True)


def group(value: Any, path: str) -> None:
    """Check a Group: identified (one IFI) or anonymous (members); members are Agents."""
    obj(value, path, {"objectType", "name", "member", *IFIS}, ("objectType",))
    if value["objectType"] != "Group":
        raise Invalid(f"{path}.objectType", 'must be "Group".')
    if "name" in value:
        string(value["name"], f"{path}.name")
    _ifis(value, path, required=False)
    identified = any(key in value for key in IFIS)
    if "member" not in value and not identified:
        raise Invalid(f"{path}.member", "is required for an anonymous Group.")
    members = value.get("member", [])
    if not isinstance(members, list):
        raise Invalid(f"{path}.member", "must be an array of Agents.")
    if not identified and not members:
        raise Invalid(f"{path}.member", "must list at least one Agent in an anonymous Group.")
    for i, member in enumerate(members):
        if isinstance(member, dict) and member.get("objectType") == "Group":
            raise Invalid(f"{path}.member[{i}]", "must be an Agent; Groups cannot contain Groups.")
        agent(member, f"{path}.member[{i}]")


def actor(value: Any, path: str) -> None:
    """Check an Agent or a Group, chosen by objectType."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        group(value, path)
    else:
        agent(value, path)


def _components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise Invalid(path, "must be an array of interaction components.")
    seen: set[str] = set()
    for i, component in enumerate(value):
        where = f"{path}[{i}]"
        obj(component, where, {"id", "description"}, ("id",))
        cid = string(component["id"], f"{where}.id")
        if cid in seen:
            raise Invalid(f"{where}.id", f"repeats the id {cid!r} of another component.")
        seen.add(cid)
        if "description" in component:
            language_map(component["description"], f"{where}.description")


def definition(value: Any, path: str) -> None:
    """Check an Activity Definition, interaction properties included."""
    obj(value, path, _DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in value:
            language_map(value[key], f"{path}.{key}")
    if "type" in value:
        iri(value["type"], f"{path}.type")
    if "moreInfo" in value:
        iri(value["moreInfo"], f"{path}.moreInfo")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    kind = value.get("interactionType")
    if kind is not None and (not isinstance(kind, str) or kind not in INTERACTION_TYPES):
        raise Invalid(
            f"{path}.interactionType", f"must be one of {', '.join(sorted(INTERACTION_TYPES))}."
        )
    if "correctResponsesPattern" in value:
        if kind is None:
            raise Invalid(f"{path}.correctResponsesPattern", "needs an interactionType.")
        patterns = value["correctResponsesPattern"]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise Invalid(f"{path}.correctResponsesPattern", "must be an array of strings.")
    for key, kinds in COMPONENT_LISTS.items():
        if key in value:
            if kind not in kinds:
                raise Invalid(
                    f"{path}.{key}",
                    f"is only allowed for interactionType {' or '.join(sorted(kinds))}.",
                )
            _components(value[key], f"{path}.{key}")


def activity(value: Any, path: str) -> None:
    """Check an Activity: an IRI id and an optional definition."""
    obj(value, path, {"objectType", "id", "definition"}, ("id",))
    if value.get("objectType", "Activity") != "Activity":
        raise Invalid(f"{path}.objectType", 'must be "Activity".')
    iri(value["id"], f"{path}.id")
    if "definition" in value:
        definition(value["definition"], f"{path}.definition")


def statement_ref(value: Any, path: str) -> None:
    """Check a StatementRef: objectType and a UUID id only."""
    obj(value, path, {"objectType", "id"}, ("objectType", "id"))
    uuid(value["id"], f"{path}.id")


def _relevant_types(value: dict, path: str) -> None:
    if "relevantTypes" not in value:
        return
    types = value["relevantTypes"]
    if not isinstance(types, list) or not types:
        raise Invalid(f"{path}.relevantTypes", "must be an array of at least one IRI.")
    for i, item in enumerate(types):
        iri(item, f"{path}.relevantTypes[{i}]")


def context_agents(value: Any, path: str) -> None:
    """Check xAPI 2.0 contextAgents: contextAgent objects, each an Agent with relevant types."""
    if not isinstance(value, list):
        raise Invalid(path, "must be an array of contextAgent objects.")
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        obj(item, where, {"objectType", "agent", "relevantTypes"}, ("objectType", "agent"))
        if item["objectType"] != "contextAgent":
            raise Invalid(f"{where}.objectType", 'must be "contextAgent".')
        agent(item["agent"], f"{where}.agent")
        _relevant_types(item, where)


def context_groups(value: Any, path: str) -> None:
    """Check xAPI 2.0 contextGroups: contextGroup objects, each a Group with relevant types."""
    if not isinstance(value, list):
        raise Invalid(path, "must be an array of contextGroup objects.")
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        obj(item, where, {"objectType", "group", "relevantTypes"}, ("objectType", "group"))
        if item["objectType"] != "contextGroup":
            raise Invalid(f"{where}.objectType", 'must be "contextGroup".')
        group(item["group"], f"{where}.group")
        _relevant_types(item, where)
