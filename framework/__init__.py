"""Leadership frameworks as data: definitions, loading, scoring, crosswalks and IRIs.

Pure Python: no web framework, no database and no other leadpath package.
The most used names are re-exported here; see each module for the rest.
"""

from .crosswalk import Crosswalk, crosswalk_between, load_bundled_crosswalks, translate
from .errors import FrameworkFileError
from .iri import UnknownIRIError, iri_of, resolve, to_json
from .loader import bundled, load_bundled, load_framework, load_framework_text
from .model import Domain, Element, Framework, Indicator, Stage
from .phases import CareerPhase, expected_profile, expected_stage, load_phases
from .registry import FrameworkRegistry, FrameworkVersion
from .scoring import (
    ElementScore,
    compare_with_phase,
    domain_profile,
    overall_score,
    score_assessment,
    score_element,
)

__all__ = [
    "CareerPhase",
    "Crosswalk",
    "Domain",
    "Element",
    "ElementScore",
    "Framework",
    "FrameworkFileError",
    "FrameworkRegistry",
    "FrameworkVersion",
    "Indicator",
    "Stage",
    "UnknownIRIError",
    "bundled",
    "compare_with_phase",
    "crosswalk_between",
    "domain_profile",
    "expected_profile",
    "expected_stage",
    "iri_of",
    "load_bundled",
    "load_bundled_crosswalks",
    "load_framework",
    "load_framework_text",
    "load_phases",
    "overall_score",
    "resolve",
    "score_assessment",
    "score_element",
    "to_json",
    "translate",
]
