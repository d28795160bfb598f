"""Check statements against the profile's templates, extensions and patterns.

Implements Statement Template validation (xAPI Profiles 1.0, Part Three §2.1: determining
properties, then rules) over the JSONPath subset in :mod:`xapi.profile.jsonpath`.
Object and context StatementRef templates and attachment usage types are not evaluated:
leadpath's templates do not use them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import jsonschema

from xapi.profile.jsonpath import evaluate

_CONTEXT_TYPES = {
    "contextGroupingActivityType": "grouping",
    "contextParentActivityType": "parent",
    "contextCategoryActivityType": "category",
    "contextOtherActivityType": "other",
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return (isinstance(a, bool) == isinstance(b, bool)) and a == b


def _in(value: Any, options: Iterable[Any]) -> bool:
    return any(_same(value, option) for option in options)


def _types(activities: Any) -> list[Any]:
    if not isinstance(activities, list):
        return []
    return [a.get("definition", {}).get("type") for a in activities if isinstance(a, dict)]


def _determining(statement: dict[str, Any], template: dict[str, Any]) -> list[str]:
    problems = []
    verb = statement.get("verb", {}).get("id")
    if "verb" in template and verb != template["verb"]:
        problems.append(f"verb is {verb!r}, the template wants {template['verb']!r}")
    if "objectActivityType" in template:
        obj = statement.get("object", {})
        found = obj.get("definition", {}).get("type") if isinstance(obj, dict) else None
        if found != template["objectActivityType"]:
            problems.append(
                f"object type is {found!r}, the template wants {template['objectActivityType']!r}"
            )
    activities = statement.get("context", {}).get("contextActivities", {})
    for prop, slot in _CONTEXT_TYPES.items():
        present = _types(activities.get(slot))
        for wanted in template.get(prop, []):
            if wanted not in present:
                problems.append(f"context {slot} has no activity of type {wanted!r}")
    return problems


def _check_rule(statement: dict[str, Any], rule: dict[str, Any]) -> list[str]:
    where = rule["location"]
    values, unmatchable = evaluate(where, statement)
    if "selector" in rule:
        selected: list[Any] = []
        for value in values:
            more, missing = evaluate(rule["selector"], value)
            selected.extend(more)
            unmatchable = unmatchable or missing
        values = selected
        where = f"{where} {rule['selector']}"
    unmatchable = unmatchable or any(value is None for value in values)
    values = [value for value in values if value is not None]
    presence = rule.get("presence")
    if presence == "included" and (not values or unmatchable):
        return [f"{where} must be present"]
    if presence == "excluded":
        return [f"{where} must be absent"] if values else []
    if not values:
        return []
    problems = []
    if "any" in rule and not any(_in(value, rule["any"]) for value in values):
        problems.append(f"{where} has none of {rule['any']!r}")
    if "all" in rule and (unmatchable or not all(_in(value, rule["all"]) for value in values)):
        problems.append(f"{where} has values outside {rule['all']!r}")
    if "none" in rule and any(_in(value, rule["none"]) for value in values):
        problems.append(f"{where} has a value from {rule['none']!r}")
    return problems


def check_against_template(statement: dict[str, Any], template: dict[str, Any]) -> list[str]:
    """The ways ``statement`` breaks ``template``; an empty list when it conforms."""
    problems = _determining(statement, template)
    for rule in template.get("rules", []):
        problems.extend(_check_rule(statement, rule))
    return problems


def template_for(statement: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any] | None:
    """The profile's template for this statement's verb and object type, if any."""
    verb = statement.get("verb", {}).get("id")
    obj = statement.get("object", {})
    object_type = obj.get("definition", {}).get("type") if isinstance(obj, dict) else None
    for template in profile.get("templates", []):
        if template.get("verb") == verb and template.get("objectActivityType") == object_type:
            return template
    return None


def check_extensions(statement: dict[str, Any], profile: dict[str, Any]) -> list[str]:
    """Problems with extensions: ours must be defined, of the right kind, and fit the schema."""
    concepts = {c["id"]: c for c in profile.get("concepts", [])}
    places = {
        "context": ("ContextExtension", statement.get("context", {}).get("extensions", {})),
        "result": ("ResultExtension", statement.get("result", {}).get("extensions", {})),
    }
    problems = []
    for place, (kind, extensions) in places.items():
        for iri, value in extensions.items():
            concept = concepts.get(iri)
            if concept is None:
                if iri.startswith(profile["id"] + "/"):
                    problems.append(f"{place} extension {iri} is not defined in the profile")
                continue
            if concept["type"] != kind:
                problems.append(f"{place} extension {iri} is a {concept['type']}")
            elif "inlineSchema" in concept:
                schema = json.loads(concept["inlineSchema"])
                for error in jsonschema.Draft202012Validator(schema).iter_errors(value):
                    problems.append(f"{place} extension {iri}: {error.message}")
    return problems


def _pattern_regex(iri: str, profile: dict[str, Any], letters: dict[str, str]) -> str:
    patterns = {p["id"]: p for p in profile.get("patterns", [])}
    if iri in letters:
        return re.escape(letters[iri])
    pattern = patterns[iri]

    def sub(member: str) -> str:
        return _pattern_regex(member, profile, letters)

    if "sequence" in pattern:
        return "(?:" + "".join(sub(m) for m in pattern["sequence"]) + ")"
    if "alternates" in pattern:
        return "(?:" + "|".join(sub(m) for m in pattern["alternates"]) + ")"
    suffix = {"optional": "?", "zeroOrMore": "*", "oneOrMore": "+"}
    for key, mark in suffix.items():
        if key in pattern:
            return f"(?:{sub(pattern[key])}){mark}"
    raise ValueError(f"pattern {iri} has no body")


def follows_pattern(
    statements: Iterable[dict[str, Any]], profile: dict[str, Any], pattern: str | None = None
) -> bool:
    """Whether statements, in order, match a pattern (by default the primary one)."""
    templates = [t["id"] for t in profile.get("templates", [])]
    letters = {iri: chr(0x4E00 + n) for n, iri in enumerate(templates)}
    if pattern is None:
        pattern = next(p["id"] for p in profile["patterns"] if p.get("primary"))
    word = []
    for statement in statements:
        template = template_for(statement, profile)
        if template is None:
            return False
        word.append(letters[template["id"]])
    return re.fullmatch(_pattern_regex(pattern, profile, letters), "".join(word)) is not None
