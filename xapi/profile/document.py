"""The leadpath xAPI Profile as JSON-LD (ADL xAPI Profiles 1.0).

The base URL is known only at run time, so the profile is built per deployment by
:func:`build_profile`; the web layer serves the result at ``{base}/xapi/profile``.
"""

from __future__ import annotations

from typing import Any

from xapi.profile.templates import build_patterns, build_templates
from xapi.statements import iris
from xapi.statements import vocabulary as v

PROFILE_VERSION = "1.0.0"
GENERATED_AT = "2026-11-26T00:00:00Z"
PROFILES_CONTEXT = "https://w3id.org/xapi/profiles/context"
CONFORMS_TO = "https://w3id.org/xapi/profiles#1.0"

_REUSED_NOTE = (
    "Defined by {source}; listed here so that this profile describes every concept it uses."
)


def version_iri(base_url: str) -> str:
    """``{base}/xapi/profile/v{PROFILE_VERSION}``."""
    return f"{iris.profile_iri(base_url)}/v{PROFILE_VERSION}"


def _concept(concept: v.Concept, base: str, scheme: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": concept.iri(base),
        "type": concept.kind,
        "inScheme": scheme,
        "prefLabel": {"en": concept.label, "en-GB": concept.label},
        "definition": {"en": concept.definition},
    }
    if not concept.coined:
        source = "the TLA Master Object Model" if "/tla/" in concept.ref else "the ADL vocabulary"
        out["scopeNote"] = {"en": _REUSED_NOTE.format(source=source)}
    schema = concept.inline_schema()
    if schema is not None:
        out["inlineSchema"] = schema
    return out


def build_profile(base_url: str) -> dict[str, Any]:
    """The whole profile document for a deployment at ``base_url``."""
    base = base_url.rstrip("/")
    scheme = version_iri(base)
    return {
        "@context": PROFILES_CONTEXT,
        "id": iris.profile_iri(base),
        "type": "Profile",
        "conformsTo": CONFORMS_TO,
        "prefLabel": {"en": "leadpath xAPI profile", "en-GB": "leadpath xAPI profile"},
        "definition": {
            "en": "Statements recorded by leadpath, an LTI 1.3 tool for NHS Leadership "
            "Framework assessments: launches, self-assessment attempts, supervisor "
            "verification, 360 ratings, competency statements and linked platform identities."
        },
        "versions": [{"id": scheme, "generatedAtTime": GENERATED_AT}],
        "author": {"type": "Organization", "name": "leadpath"},
        "concepts": [_concept(concept, base, scheme) for concept in v.ALL_CONCEPTS],
        "templates": build_templates(base, scheme),
        "patterns": build_patterns(base, scheme),
    }
