"""A statement in a few words, for people: when stored, who, did what, to what, with what result.

Works on any statement an LRS returns (exact, ids or canonical format): a missing name falls
back to the identifier, a missing verb display to the last segment of the verb's IRI.
"""

from __future__ import annotations

from typing import NamedTuple


class InWords(NamedTuple):
    """The short texts of one statement."""

    stored: str
    actor: str
    verb: str
    object: str
    result: str


def in_words(statement: dict) -> InWords:
    """Return the statement's stored time (to the second, UTC), actor, verb, object and result."""
    verb = statement.get("verb", {})
    return InWords(
        stored=statement.get("stored", "")[:19].replace("T", " "),
        actor=_who(statement.get("actor", {})),
        verb=text_of(verb.get("display")) or verb.get("id", "").rsplit("/", 1)[-1],
        object=_what(statement.get("object", {})),
        result=_result(statement.get("result")),
    )


def text_of(language_map: dict | None) -> str:
    """Return a language map's British or other English text, else its first, else ""."""
    if not language_map:
        return ""
    for tag in ("en-GB", "en", "en-US"):
        if tag in language_map:
            return language_map[tag]
    return next(iter(language_map.values()))


def _who(agent: dict) -> str:
    if agent.get("name"):
        return agent["name"]
    if "account" in agent:
        return agent["account"].get("name", "")
    return agent.get("mbox") or agent.get("openid") or agent.get("mbox_sha1sum") or "(group)"


def _what(obj: dict) -> str:
    if obj.get("objectType") in ("Agent", "Group"):
        return _who(obj)
    if obj.get("objectType") == "SubStatement":
        return "(sub-statement)"
    name = text_of((obj.get("definition") or {}).get("name"))
    return name or obj.get("id", "")


def _result(result: dict | None) -> str:
    if not result:
        return ""
    bits = []
    scaled = (result.get("score") or {}).get("scaled")
    if scaled is not None:
        bits.append(f"{scaled:.0%}")
    if "success" in result:
        bits.append("passed" if result["success"] else "not passed")
    if result.get("completion"):
        bits.append("complete")
    return " ".join(bits)
