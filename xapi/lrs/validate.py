"""Validation of whole statements against the MUST/SHALL rules of xAPI 1.0.3 and 2.0.

A statement sent in xAPI 2.0 (`allow_2`) may also carry a 2.0.x `version`, `contextAgents` and
`contextGroups` (in its context and a SubStatement's), and RFC 3339 timestamps.

`validate_statements` checks a batch and raises `Invalid` naming the statement index and the field;
nothing is stored unless every statement of the batch passes.
"""

from __future__ import annotations

from typing import Any

from xapi.lrs import formats
from xapi.lrs import validate_parts as p
from xapi.lrs.errors import Invalid

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
_SUBSTATEMENT_KEYS = {
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
}
_CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}
_CONTEXT_2_KEYS = {"contextAgents", "contextGroups"}
_CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}


def validate_statements(statements: list[Any], *, allow_2: bool = False) -> None:
    """Check every statement of a batch; the error names `statement[i]` and the field."""
    for i, statement in enumerate(statements):
        path = f"statement[{i}]" if len(statements) > 1 else "statement"
        validate_statement(statement, path, allow_2=allow_2)


def validate_statement(value: Any, path: str = "statement", *, allow_2: bool = False) -> None:
    """Check one statement; `allow_2` also accepts a 2.0.x version (for xAPI 2.0 requests)."""
    p.obj(value, path, _STATEMENT_KEYS, ("actor", "verb", "object"))
    if "id" in value:
        p.uuid(value["id"], f"{path}.id")
    _body(value, path, sub=False, allow_2=allow_2)
    if "stored" in value:
        p.timestamp(value["stored"], f"{path}.stored", rfc3339=allow_2)
    if "authority" in value:
        _authority(value["authority"], f"{path}.authority")
    version = value.get("version")
    if version is not None and not (
        formats.is_version(version) and (allow_2 or str(version).startswith("1.0"))
    ):
        raise Invalid(f"{path}.version", 'must be an xAPI version starting with "1.0".')
    if value["verb"]["id"] == VOIDED:
        target = value["object"]
        if not isinstance(target, dict) or target.get("objectType") != "StatementRef":
            raise Invalid(f"{path}.object", "must be a StatementRef in a voiding statement.")


def _body(value: dict, path: str, *, sub: bool, allow_2: bool) -> None:
    p.actor(value["actor"], f"{path}.actor")
    _verb(value["verb"], f"{path}.verb")
    _object(value["object"], f"{path}.object", sub=sub, allow_2=allow_2)
    if "result" in value:
        _result(value["result"], f"{path}.result")
    if "context" in value:
        _context(value["context"], f"{path}.context", value["object"], allow_2=allow_2)
    if "timestamp" in value:
        p.timestamp(value["timestamp"], f"{path}.timestamp", rfc3339=allow_2)
    if "attachments" in value:
        _attachments(value["attachments"], f"{path}.attachments")


def _verb(value: Any, path: str) -> None:
    p.obj(value, path, {"id", "display"}, ("id",))
    p.iri(value["id"], f"{path}.id")
    if "display" in value:
        p.language_map(value["display"], f"{path}.display")


def _object(value: Any, path: str, *, sub: bool, allow_2: bool) -> None:
    if not isinstance(value, dict):
        raise Invalid(path, "must be a JSON object.")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        p.activity(value, path)
    elif kind == "Agent":
        p.agent(value, path)
    elif kind == "Group":
        p.group(value, path)
    elif kind == "StatementRef":
        p.statement_ref(value, path)
    elif kind == "SubStatement":
        if sub:
            raise Invalid(f"{path}.objectType", "a SubStatement must not contain a SubStatement.")
        p.obj(value, path, _SUBSTATEMENT_KEYS, ("objectType", "actor", "verb", "object"))
        _body(value, path, sub=True, allow_2=allow_2)
    else:
        raise Invalid(
            f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement."
        )


def _authority(value: Any, path: str) -> None:
    p.actor(value, path)
    if value.get("objectType") == "Group":
        members = value.get("member", [])
        if len(members) != 2 or any(k in value for k in p.IFIS):
            raise Invalid(
                f"{path}.member", "an authority Group must be anonymous with exactly two Agents."
            )


def _result(value: Any, path: str) -> None:
    p.obj(value, path, {"score", "success", "completion", "response", "duration", "extensions"})
    if "score" in value:
        _score(value["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in value:
            p.boolean(value[key], f"{path}.{key}")
    if "response" in value:
        p.string(value["response"], f"{path}.response")
    if "duration" in value and not formats.is_duration(value["duration"]):
        raise Invalid(f"{path}.duration", "must be an ISO 8601 duration such as PT1H30M.")
    if "extensions" in value:
        p.extensions(value["extensions"], f"{path}.extensions")


def _score(value: Any, path: str) -> None:
    p.obj(value, path, {"scaled", "raw", "min", "max"})
    for key in value:
        p.number(value[key], f"{path}.{key}")
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        raise Invalid(f"{path}.scaled", "must be between -1 and 1.")
    low, high, raw = value.get("min"), value.get("max"), value.get("raw")
    if low is not None and high is not None and high <= low:
        raise Invalid(f"{path}.max", "must be greater than min.")
    if raw is not None and low is not None and raw < low:
        raise Invalid(f"{path}.raw", "must not be less than min.")
    if raw is not None and high is not None and raw > high:
        raise Invalid(f"{path}.raw", "must not be greater than max.")


def _context(value: Any, path: str, target: Any, *, allow_2: bool) -> None:
    if isinstance(value, dict) and not _CONTEXT_2_KEYS.isdisjoint(value):
        if not allow_2:
            key = sorted(_CONTEXT_2_KEYS.intersection(value))[0]
            raise Invalid(
                f"{path}.{key}",
                "is an xAPI 2.0 property: send the statement with X-Experience-API-Version: 2.0.0.",
            )
        if "contextAgents" in value:
            p.context_agents(value["contextAgents"], f"{path}.contextAgents")
        if "contextGroups" in value:
            p.context_groups(value["contextGroups"], f"{path}.contextGroups")
        value = {k: v for k, v in value.items() if k not in _CONTEXT_2_KEYS}
    p.obj(value, path, _CONTEXT_KEYS)
    if "registration" in value:
        p.uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        p.actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        team = value["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            raise Invalid(f"{path}.team", "must be a Group.")
        p.group(team, f"{path}.team")
    if "contextActivities" in value:
        _context_activities(value["contextActivities"], f"{path}.contextActivities")
    is_activity = isinstance(target, dict) and target.get("objectType", "Activity") == "Activity"
    for key in ("revision", "platform"):
        if key in value:
            p.string(value[key], f"{path}.{key}")
            if not is_activity:
                raise Invalid(f"{path}.{key}", "may only be used when the object is an Activity.")
    if "language" in value and not formats.is_language_tag(value["language"]):
        raise Invalid(f"{path}.language", "must be an RFC 5646 language tag such as en-GB.")
    if "statement" in value:
        statement = value["statement"]
        if not isinstance(statement, dict) or statement.get("objectType") != "StatementRef":
            raise Invalid(f"{path}.statement", "must be a StatementRef.")
        p.statement_ref(statement, f"{path}.statement")
    if "extensions" in value:
        p.extensions(value["extensions"], f"{path}.extensions")


def _context_activities(value: Any, path: str) -> None:
    p.obj(value, path, _CONTEXT_ACTIVITY_KEYS)
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        for i, activity in enumerate(items):
            p.activity(
                activity, f"{path}.{key}[{i}]" if isinstance(item, list) else f"{path}.{key}"
            )


def _attachments(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise Invalid(path, "must be an array of attachment objects.")
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        p.obj(
            item,
            where,
            {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
            ("usageType", "display", "contentType", "length", "sha2"),
        )
        p.iri(item["usageType"], f"{where}.usageType")
        p.language_map(item["display"], f"{where}.display")
        if "description" in item:
            p.language_map(item["description"], f"{where}.description")
        if not formats.is_media_type(item["contentType"]):
            raise Invalid(
                f"{where}.contentType", "must be an Internet media type such as text/plain."
            )
        length = item["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise Invalid(f"{where}.length", "must be a whole number of octets.")
        if not formats.is_sha2(item["sha2"]):
            raise Invalid(f"{where}.sha2", "must be a hex SHA-2 digest of the attachment.")
        if "fileUrl" in item:
            p.iri(item["fileUrl"], f"{where}.fileUrl")
        if item["usageType"] == SIGNATURE_USAGE and item["contentType"] != (
            "application/octet-stream"
        ):
            raise Invalid(
                f"{where}.contentType", "must be application/octet-stream for a signature."
            )


def normalize(statement: dict) -> dict:
    """Turn single contextActivities objects into arrays, here and in a SubStatement."""
    for holder in (statement, statement.get("object")):
        if not isinstance(holder, dict):
            continue
        activities = holder.get("context", {}).get("contextActivities")
        if isinstance(activities, dict):
            for key, item in list(activities.items()):
                if isinstance(item, dict):
                    activities[key] = [item]
    return statement
