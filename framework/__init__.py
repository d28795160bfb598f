"""Leadership frameworks and curricula as data: loading, scoring, grades, crosswalks and IRIs.

Pure Python: no web framework, no database and no other leadpath package.
The most used names are re-exported here; see each module for the rest.
"""

from .crosswalk import Crosswalk, crosswalk_between, load_bundled_crosswalks, translate
from .errors import CrosswalkNotInvertibleError, FrameworkFileError, UnknownIRIError
from .grades import GRADE_MODES, Grade, grade, graded_elements, in_scope_domains
from .iri import iri_of, resolve, to_json
from .loader import bundled, load_bundled, load_framework, load_framework_text
from .model import NON_RATING_ANSWERS, Domain, Element, Framework, Indicator, Stage
from .multirater import aggregate_360, aggregate_importance, gap_label, notable_gaps
from .notices import framework_notices, general_notices
from .phases import CareerPhase, PhaseTable, expected_profile, expected_stage, load_phases
from .profile import compare_with_phase, domain_profile, overall_score, stage_text
from .scoring import ElementScore, score_assessment, score_element

__all__ = [
    "GRADE_MODES",
    "NON_RATING_ANSWERS",
    "CareerPhase",
    "Crosswalk",
    "CrosswalkNotInvertibleError",
    "Domain",
    "Element",
    "ElementScore",
    "Framework",
    "FrameworkFileError",
    "Grade",
    "Indicator",
    "PhaseTable",
    "Stage",
    "UnknownIRIError",
    "aggregate_360",
    "aggregate_importance",
    "bundled",
    "compare_with_phase",
    "crosswalk_between",
    "domain_profile",
    "expected_profile",
    "expected_stage",
    "framework_notices",
    "gap_label",
    "grade",
    "graded_elements",
    "in_scope_domains",
    "iri_of",
    "load_bundled",
    "load_bundled_crosswalks",
    "load_framework",
    "load_framework_text",
    "load_phases",
    "notable_gaps",
    "general_notices",
    "overall_score",
    "resolve",
    "score_assessment",
    "score_element",
    "stage_text",
    "to_json",
    "translate",
]
