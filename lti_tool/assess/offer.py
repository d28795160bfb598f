"""What a resource link delivers, read from its LTI custom parameters and checked.

``assessment``, ``framework``, ``domains`` (default: the domains in scope at the career
phase, see ``framework.grades.in_scope_domains``), ``career_phase`` (an id or an alias) and
``grade`` (``phase``, ``stage`` or ``completion``; default ``phase``, see ``SCORING.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from framework.grades import GRADE_MODES
from framework.phases import load_phases
from lti_tool.assess.framework_versions import current_version, framework_of
from lti_tool.assess.models import FrameworkVersion
from lti_tool.errors import UserFacingError
from xapi.lrs.formats import whole_number

TITLES = {
    "self": "Leadership self-assessment",
    "360": "360 feedback",
    "validation": "Supervisor validation",
}
KINDS = tuple(TITLES)
DEFAULT_FRAMEWORK = "lf-2011"


@dataclass(frozen=True)
class Offer:
    """The assessment a resource link delivers."""

    kind: str
    framework_id: str
    domains: tuple[str, ...] | None
    career_phase: str | None
    framework_title: str = ""
    grade_mode: str | None = None

    @property
    def title(self) -> str:
        """Return what the activity is called, e.g. "360 feedback"."""
        return TITLES[self.kind]


def _refuse(parameter: str, value: str, allowed: list[str]) -> UserFacingError:
    return UserFacingError(
        f"The activity's custom parameter {parameter}={value!r} is not one leadpath knows. "
        f"Allowed values: {', '.join(allowed)}.",
        hint=(
            "Ask the course's instructor to correct the activity's custom parameters in the LMS "
            f"(the line starting with {parameter}=)."
        ),
        code="bad_custom_parameter",
        status=400,
        title="This activity is set up with a value leadpath does not know",
    )


def _text(custom: Mapping, name: str) -> str | None:
    value = custom.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def stored_framework_ids(session: Session) -> list[str]:
    """Ids of every framework stored in the database (bundled ones are stored at start)."""
    return sorted(set(session.scalars(select(FrameworkVersion.framework_id)).all()))


def read_offer(session: Session, custom: Mapping | None) -> Offer:
    """Return the checked offer of a resource link; refuse an unknown value with 400."""
    custom = custom or {}
    kind = _text(custom, "assessment") or "self"
    if kind not in KINDS:
        raise _refuse("assessment", kind, list(KINDS))
    framework_id = _text(custom, "framework") or DEFAULT_FRAMEWORK
    version = current_version(session, framework_id)
    if version is None:
        raise _refuse("framework", framework_id, stored_framework_ids(session))
    framework = framework_of(version)
    known_domains = [d.id for d in framework.domains]
    domains = None
    listed = _text(custom, "domains")
    if listed:
        wanted = [d.strip() for d in listed.split(",") if d.strip()]
        for domain_id in wanted:
            if domain_id not in known_domains:
                raise _refuse("domains", domain_id, known_domains)
        domains = tuple(d for d in known_domains if d in wanted)
    phase = _text(custom, "career_phase")
    if phase is not None and phase not in load_phases():
        raise _refuse("career_phase", phase, list(load_phases()))
    grade_mode = grade_mode_of(custom)
    points = _text(custom, "grade_maximum")  # the activity's own gradebook column (grades)
    if points is not None and not 1 <= (whole_number(points, 5) or 0) <= 10_000:
        raise _refuse("grade_maximum", points, ["a whole number of points from 1 to 10000"])
    return Offer(
        kind=kind,
        framework_id=framework_id,
        domains=domains,
        career_phase=phase,
        framework_title=framework.title,
        grade_mode=grade_mode,
    )


def grade_mode_of(custom: Mapping | None) -> str | None:
    """Return the activity's checked ``grade`` custom parameter (None: the default, phase)."""
    mode = _text(custom or {}, "grade")
    if mode is not None and mode not in GRADE_MODES:
        raise _refuse("grade", mode, list(GRADE_MODES))
    return mode


def phase_title(phase: str | None) -> str | None:
    """Return a career phase's title ("Foundation training"), or its id when unknown."""
    if not phase:
        return None
    known = load_phases().get(phase)
    return known.title if known else phase.replace("-", " ")
